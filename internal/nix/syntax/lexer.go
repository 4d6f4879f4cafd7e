package syntax

import "strings"

// lexState is a start condition of Nix's lexer (lexer.l).
type lexState uint8

const (
	stInitial     lexState = iota // bottom of the stack; a '}' here does not pop
	stDefault                     // inside { } or ${ }
	stString                      // inside "..."
	stIndString                   // inside ''...''
	stInPath                      // after a path piece not ending in /
	stInPathSlash                 // after a path piece ending in /
)

// Markers for the longest-match competition in normal: a path piece
// before ${ (PATH_SEG${ and HPATH_START${ in lexer.l).
const (
	candSegDollar  = numTokenKinds + 1
	candHomeDollar = numTokenKinds + 2
)

// lexError is an error found while lexing, at a byte offset.
type lexError struct {
	off int
	msg string
}

// lexer turns source into tokens, keeping Nix's start-condition stack: '{'
// and '${' push the default state, '}' pops, quotes and paths push their own
// states. Every byte of the source ends up in exactly one token's Lead or
// Text.
type lexer struct {
	src   string
	pos   int
	stack []lexState
	toks  []Token
	errs  []lexError
	// noPathBefore and noURIBefore remember the end of a run of path
	// (or URI scheme) characters found not to continue into a path (or
	// URI), so that a long run such as 1+1+1+... is not rescanned from
	// every position in it.
	noPathBefore int
	noURIBefore  int
}

// lex tokenizes src. The last token is always TokEOF.
func lex(src string) ([]Token, []lexError) {
	l := &lexer{}
	return l.lex(src)
}

// lex tokenizes src, reusing the lexer's memory from a previous call: the
// tokens of that call are overwritten.
func (l *lexer) lex(src string) ([]Token, []lexError) {
	// Tokens average about eight bytes of source in real code.
	if want := len(src)/7 + 16; cap(l.toks) < want {
		l.toks = make([]Token, 0, want)
	}
	*l = lexer{src: src, stack: append(l.stack[:0], stInitial), toks: l.toks[:0], errs: l.errs[:0]}
	l.run()
	return l.toks, l.errs
}

func (l *lexer) top() lexState { return l.stack[len(l.stack)-1] }

func (l *lexer) push(s lexState) { l.stack = append(l.stack, s) }

func (l *lexer) pop() {
	if len(l.stack) > 1 {
		l.stack = l.stack[:len(l.stack)-1]
	}
}

// replace replaces the top of the stack.
func (l *lexer) replace(s lexState) { l.stack[len(l.stack)-1] = s }

func (l *lexer) emit(kind TokenKind, lead, start, end int) {
	l.toks = append(l.toks, Token{Kind: kind, Off: start, Lead: l.src[lead:start], Text: l.src[start:end]})
	l.pos = end
}

func (l *lexer) errorf(off int, msg string) {
	l.errs = append(l.errs, lexError{off: off, msg: msg})
}

func (l *lexer) run() {
	for {
		var done bool
		switch l.top() {
		case stInitial, stDefault:
			done = l.normal()
		case stString:
			done = l.str()
		case stIndString:
			done = l.indStr()
		case stInPath, stInPathSlash:
			l.inPath()
		}
		if done {
			return
		}
	}
}

// skipTrivia returns the offset after the whitespace and comments at i.
func (l *lexer) skipTrivia(i int) int {
	s := l.src
	for i < len(s) {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
			i++
		case '#':
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		case '/':
			if i+1 < len(s) && s[i+1] == '*' {
				end := strings.Index(s[i+2:], "*/")
				if end < 0 {
					// An unterminated comment is not a comment: Nix
					// lexes '/' and '*' as operators.
					return i
				}
				i += 2 + end + 2
				continue
			}
			return i
		default:
			return i
		}
	}
	return i
}

// pathLen is the length of the longest match of
// PATH = {PATH_CHAR}*(\/{PATH_CHAR}+)+\/? at i, or 0.
func (l *lexer) pathLen(i int) int {
	if i < l.noPathBefore {
		return 0
	}
	s := l.src
	j := i
	for j < len(s) && isPathChar(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != '/' {
		l.noPathBefore = j
		return 0
	}
	segs := 0
	for j+1 < len(s) && s[j] == '/' && isPathChar(s[j+1]) {
		j += 2
		for j < len(s) && isPathChar(s[j]) {
			j++
		}
		segs++
	}
	if segs == 0 {
		return 0
	}
	if j < len(s) && s[j] == '/' {
		j++
	}
	return j - i
}

// segDollarLen is the length of PATH_SEG = {PATH_CHAR}*\/ at i when it is
// followed by ${, or 0.
func (l *lexer) segDollarLen(i int) int {
	if i < l.noPathBefore {
		return 0
	}
	s := l.src
	j := i
	for j < len(s) && isPathChar(s[j]) {
		j++
	}
	if j+2 < len(s) && s[j] == '/' && s[j+1] == '$' && s[j+2] == '{' {
		return j + 1 - i
	}
	return 0
}

// uriLen is the length of a URI at i, or 0.
func (l *lexer) uriLen(i int) int {
	s := l.src
	if i >= len(s) || !('a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z') {
		return 0
	}
	if i < l.noURIBefore {
		return 0
	}
	j := i + 1
	for j < len(s) && isSchemeChar(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != ':' {
		l.noURIBefore = j
		return 0
	}
	j++
	k := j
	for k < len(s) && isURIChar(s[k]) {
		k++
	}
	if k == j {
		return 0
	}
	return k - i
}

// floatLen is the length of
// FLOAT = (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)? at i, or 0.
func (l *lexer) floatLen(i int) int {
	s := l.src
	j := i
	switch {
	case j < len(s) && '1' <= s[j] && s[j] <= '9':
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '.' {
			return 0
		}
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	default:
		if j < len(s) && s[j] == '0' {
			j++
		}
		if j+1 >= len(s) || s[j] != '.' || !isDigit(s[j+1]) {
			return 0
		}
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	return j - i
}

// normal lexes one token in the INITIAL or DEFAULT state. It reports
// whether the end of input was reached.
func (l *lexer) normal() bool {
	lead := l.pos
	i := l.skipTrivia(lead)
	s := l.src
	if i >= len(s) {
		l.emit(TokEOF, lead, i, i)
		return true
	}
	c := s[i]

	// Fast path for identifiers and keywords: only a following '/', '.',
	// '+' or ':' can make a path or URI out of them.
	if isIDStart(c) {
		j := i + 1
		for j < len(s) && isIDChar(s[j]) {
			j++
		}
		if j == len(s) || s[j] != '/' && s[j] != '.' && s[j] != '+' && s[j] != ':' {
			l.emit(keyword(s[i:j]), lead, i, j)
			return false
		}
	}

	// Candidates that compete by longest match: identifiers and keywords,
	// numbers, paths, URIs. Ties go to the rule listed first in lexer.l:
	// keyword, operator, ID, INT, FLOAT, PATH_SEG${, PATH, HPATH, SPATH,
	// URI.
	if isPathChar(c) || c == '/' || c == '~' || c == '<' {
		best, kind := 0, TokInvalid
		take := func(n int, k TokenKind) {
			if n > best {
				best, kind = n, k
			}
		}
		switch {
		case c == '.' && strings.HasPrefix(s[i:], "..."):
			take(3, TokEllipsis)
		case c == '-' && i+1 < len(s) && s[i+1] == '>':
			take(2, TokImpl)
		case c == '+' && i+1 < len(s) && s[i+1] == '+':
			take(2, TokConcat)
		case c == '<' && i+1 < len(s) && s[i+1] == '=':
			take(2, TokLeq)
		case c == '<' && i+1 < len(s) && s[i+1] == '|':
			take(2, TokPipeLeft)
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			take(2, TokUpdate)
		}
		if isIDStart(c) {
			j := i + 1
			for j < len(s) && isIDChar(s[j]) {
				j++
			}
			take(j-i, keyword(s[i:j]))
		}
		if isDigit(c) {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			take(j-i, TokInt)
		}
		if isDigit(c) || c == '.' {
			take(l.floatLen(i), TokFloat)
		}
		// Paths need a '/' after the leading path characters; most
		// identifiers are not followed by one.
		if isPathChar(c) || c == '/' {
			if n := l.segDollarLen(i); n > 0 {
				take(n+2, candSegDollar)
			}
			take(l.pathLen(i), TokPath)
		}
		if c == '~' && i+1 < len(s) && s[i+1] == '/' {
			if i+3 < len(s) && s[i+2] == '$' && s[i+3] == '{' {
				take(4, candHomeDollar)
			}
			if n := l.pathLen(i + 1); n > 0 && s[i+1] == '/' {
				take(n+1, TokHomePath)
			}
		}
		if c == '<' {
			j := i + 1
			for j < len(s) && isPathChar(s[j]) {
				j++
			}
			if j > i+1 {
				for j+1 < len(s) && s[j] == '/' && isPathChar(s[j+1]) {
					j += 2
					for j < len(s) && isPathChar(s[j]) {
						j++
					}
				}
				if j < len(s) && s[j] == '>' {
					take(j+1-i, TokSearchPath)
				}
			}
		}
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			take(l.uriLen(i), TokURI)
		}
		switch kind {
		case candSegDollar:
			// PATH_SEG followed by ${: the path piece up to and
			// including its slash, then interpolation.
			n := best - 2
			l.emit(TokPath, lead, i, i+n)
			l.push(stInPathSlash)
			return false
		case candHomeDollar:
			l.emit(TokHomePath, lead, i, i+2)
			l.push(stInPathSlash)
			return false
		case TokPath, TokHomePath:
			l.emit(kind, lead, i, i+best)
			if s[i+best-1] == '/' {
				l.push(stInPathSlash)
			} else {
				l.push(stInPath)
			}
			return false
		case TokInvalid:
			// No multi-character rule matched; fall through to
			// single characters.
		default:
			l.emit(kind, lead, i, i+best)
			return false
		}
	}

	two := func(k TokenKind) bool {
		l.emit(k, lead, i, i+2)
		return false
	}
	one := func(k TokenKind) bool {
		l.emit(k, lead, i, i+1)
		return false
	}
	var next byte
	if i+1 < len(s) {
		next = s[i+1]
	}
	switch c {
	case '=':
		if next == '=' {
			return two(TokEq)
		}
		return one(TokAssign)
	case '!':
		if next == '=' {
			return two(TokNeq)
		}
		return one(TokNot)
	case '<':
		return one(TokLess)
	case '>':
		if next == '=' {
			return two(TokGeq)
		}
		return one(TokGreater)
	case '&':
		if next == '&' {
			return two(TokAnd)
		}
	case '|':
		if next == '|' {
			return two(TokOrOr)
		}
		if next == '>' {
			return two(TokPipeRight)
		}
	case '/':
		if next == '/' {
			return two(TokUpdate)
		}
		return one(TokSlash)
	case '$':
		if next == '{' {
			l.emit(TokDollarCurly, lead, i, i+2)
			l.push(stDefault)
			return false
		}
	case '{':
		l.emit(TokLBrace, lead, i, i+1)
		l.push(stDefault)
		return false
	case '}':
		l.emit(TokRBrace, lead, i, i+1)
		if l.top() != stInitial {
			l.pop()
		}
		return false
	case '"':
		l.emit(TokQuote, lead, i, i+1)
		l.push(stString)
		return false
	case '\'':
		if next == '\'' {
			j := i + 2
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j < len(s) && s[j] == '\n' {
				j++
			} else {
				j = i + 2
			}
			l.emit(TokIndOpen, lead, i, j)
			l.push(stIndString)
			return false
		}
	case '(':
		return one(TokLParen)
	case ')':
		return one(TokRParen)
	case '[':
		return one(TokLBracket)
	case ']':
		return one(TokRBracket)
	case ';':
		return one(TokSemi)
	case ':':
		return one(TokColon)
	case ',':
		return one(TokComma)
	case '.':
		return one(TokDot)
	case '?':
		return one(TokQuestion)
	case '@':
		return one(TokAt)
	case '+':
		return one(TokPlus)
	case '-':
		return one(TokMinus)
	case '*':
		return one(TokStar)
	}
	return one(TokInvalid)
}

// str lexes one token inside a double-quoted string. It reports whether
// the end of input was reached.
func (l *lexer) str() bool {
	s := l.src
	i := l.pos
	if i >= len(s) {
		l.emit(TokEOF, i, i, i)
		return true
	}
	switch {
	case s[i] == '"':
		l.emit(TokQuote, i, i, i+1)
		l.pop()
		return false
	case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
		l.emit(TokDollarCurly, i, i, i+2)
		l.push(stDefault)
		return false
	}
	// ([^$"\\]|\$[^{"\\]|\\{ANY}|\$\\{ANY})+, or the same ending in $
	// before a closing quote. At the end of input a lone $, \ or $\ is
	// text too; the parser then reports the missing quote.
	j := i
loop:
	for j < len(s) {
		switch s[j] {
		case '"':
			break loop
		case '\\':
			j += 2
		case '$':
			if j+1 >= len(s) {
				j++
				break loop
			}
			switch s[j+1] {
			case '{':
				break loop
			case '"':
				j++
				break loop
			case '\\':
				j += 3
			default:
				j += 2
			}
		default:
			j++
		}
	}
	if j > len(s) {
		j = len(s)
	}
	l.emit(TokStrText, i, i, j)
	return false
}

// indStr lexes one token inside an indented string. It reports whether
// the end of input was reached.
func (l *lexer) indStr() bool {
	s := l.src
	i := l.pos
	if i >= len(s) {
		l.emit(TokEOF, i, i, i)
		return true
	}
	switch s[i] {
	case '$':
		if i+1 < len(s) && s[i+1] == '{' {
			l.emit(TokDollarCurly, i, i, i+2)
			l.push(stDefault)
			return false
		}
		if i+1 < len(s) && s[i+1] != '\'' {
			break // a text run starting with $X
		}
		l.emit(TokIndText, i, i, i+1)
		return false
	case '\'':
		if i+1 < len(s) && s[i+1] == '\'' {
			if i+2 < len(s) {
				switch s[i+2] {
				case '$', '\'':
					l.emit(TokIndText, i, i, i+3) // ''$ or '''
					return false
				case '\\':
					if i+3 < len(s) {
						l.emit(TokIndEsc, i, i, i+4)
						return false
					}
				}
			}
			l.emit(TokIndClose, i, i, i+2)
			l.pop()
			return false
		}
		if i+1 >= len(s) || s[i+1] == '$' {
			l.emit(TokIndText, i, i, i+1) // a lone '
			return false
		}
	}
	// ([^$']|\$[^{']|'[^'$])+
	j := i
loop:
	for j < len(s) {
		switch s[j] {
		case '$':
			if j+1 >= len(s) || s[j+1] == '{' || s[j+1] == '\'' {
				break loop
			}
			j += 2
		case '\'':
			if j+1 >= len(s) || s[j+1] == '\'' || s[j+1] == '$' {
				break loop
			}
			j += 2
		default:
			j++
		}
	}
	l.emit(TokIndText, i, i, j)
	return false
}

// inPath lexes one token after a path piece: more path, an interpolation,
// or the end of the path.
func (l *lexer) inPath() {
	s := l.src
	i := l.pos
	if i+1 < len(s) && s[i] == '$' && s[i+1] == '{' {
		l.emit(TokDollarCurly, i, i, i+2)
		l.replace(stInPath)
		l.push(stDefault)
		return
	}
	// {PATH}|{PATH_SEG}|{PATH_CHAR}+, longest.
	n := l.pathLen(i)
	j := i
	for j < len(s) && isPathChar(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '/' {
		j++
	}
	n = max(n, j-i)
	if n > 0 {
		l.emit(TokPathText, i, i, i+n)
		if s[i+n-1] == '/' {
			l.replace(stInPathSlash)
		} else {
			l.replace(stInPath)
		}
		return
	}
	if l.top() == stInPathSlash {
		l.errorf(i, "path has a trailing slash")
	}
	l.emit(TokPathEnd, i, i, i)
	l.pop()
}
