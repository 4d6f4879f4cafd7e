package syntax

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxStack bounds the nesting of expressions, so that hostile input cannot
// exhaust the stack. It is the stack of Nix's bison parser (YYMAXDEPTH,
// 10000 symbols): the parser keeps an estimate of the symbols bison holds
// at each nesting (the tokens and nonterminals of the productions still
// open, see the cost arguments below) and stops where Nix 2.8 reports
// "memory exhausted". The estimate never exceeds bison's, so fleet
// accepts every nesting Nix accepts: 9,995 parentheses, 2,496 attribute
// sets, 4,997 interpolations, 3,331 let bodies.
const maxStack = 10000

// parseError is a syntax error at a byte offset.
type parseError struct {
	off    int
	msg    string
	relOff int // a related position, or -1
	relMsg string
}

// parser is a recursive-descent parser over the token slice, following the
// grammar of Nix's parser.y. It builds the lossless tree: every token it
// consumes is stored in a node, and tokens it cannot place go into *Error
// nodes.
type parser struct {
	toks    []Token
	i       int
	errs    []parseError
	lastErr int // offset of the last error, to report one error per place
	depth   int
	pipes   bool
	n       nodes
}

// reset prepares the parser for the tokens of the next file, reusing its
// memory.
func (p *parser) reset(toks []Token, pipes bool) {
	p.toks, p.i, p.errs, p.lastErr, p.depth, p.pipes = toks, 0, p.errs[:0], -1, 0, pipes
	p.n.reset()
}

func (p *parser) tok() *Token            { return &p.toks[p.i] }
func (p *parser) kind() TokenKind        { return p.toks[p.i].Kind }
func (p *parser) kindAt(n int) TokenKind { return p.toks[min(p.i+n, len(p.toks)-1)].Kind }

// next consumes and returns the current token. It never moves past EOF.
func (p *parser) next() *Token {
	t := &p.toks[p.i]
	if t.Kind != TokEOF {
		p.i++
	}
	return t
}

// accept consumes the current token if it has kind k.
func (p *parser) accept(k TokenKind) *Token {
	if p.kind() == k {
		return p.next()
	}
	return nil
}

// expect consumes the current token if it has kind k, and otherwise
// reports an error and returns nil.
func (p *parser) expect(k TokenKind) *Token {
	if p.kind() == k {
		return p.next()
	}
	p.unexpected(k.String())
	return nil
}

func (p *parser) errorAt(off int, format string, args ...any) {
	if len(p.errs) > 0 && off <= p.lastErr {
		return
	}
	p.errs = append(p.errs, parseError{off: off, msg: fmt.Sprintf(format, args...), relOff: -1})
	p.lastErr = off
}

// unexpected reports the current token as unexpected; expecting, when not
// empty, says what would have been accepted.
func (p *parser) unexpected(expecting string) {
	t := p.tok()
	msg := "syntax error, unexpected " + describe(t)
	if t.Kind == TokPipeRight || t.Kind == TokPipeLeft {
		msg += " (pipe operators need the experimental feature 'pipe-operators')"
	}
	if expecting != "" {
		msg += ", expecting " + expecting
	}
	p.errorAt(p.errorOff(), "%s", msg)
}

// errorOff is where Nix reports the current token as unexpected. For the
// end of input that is the start of the last whitespace run or comment
// before it, or the start of the last token when there is none (bison
// keeps the location of the last lexeme flex matched); for the end of a
// path, the start of the path's last piece. Nix's lexer reads '<|' as '<'
// followed by an invalid '|'.
func (p *parser) errorOff() int {
	t := p.tok()
	switch {
	case t.Kind == TokEOF && t.Lead != "":
		return t.Off - len(t.Lead) + lastTriviaStart(t.Lead)
	case t.Kind == TokEOF || t.Kind == TokPathEnd:
		for i := p.i - 1; i >= 0; i-- {
			if p.toks[i].Kind != TokPathEnd {
				return p.toks[i].Off
			}
		}
		return 0
	case t.Kind == TokPipeLeft && !p.pipes:
		return t.Off + 1
	}
	return t.Off
}

// lastTriviaStart returns the offset in s, a run of trivia, of its last
// lexeme: a whitespace run or a comment.
func lastTriviaStart(s string) int {
	last := 0
	for i := 0; i < len(s); {
		last = i
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
				i++
			}
		case '#':
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		default: // a block comment
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return last
			}
			i += 2 + end + 2
		}
	}
	return last
}

// describe names a token in an error message.
func describe(t *Token) string {
	switch t.Kind {
	case TokEOF:
		return "end of file"
	case TokInvalid:
		if r := t.Text[0]; r >= 0x20 && r < 0x7f {
			return fmt.Sprintf("character '%s'", t.Text)
		}
		return fmt.Sprintf("byte %q", t.Text)
	case TokPathEnd:
		return "end of path"
	case TokIdent, TokInt, TokFloat, TokPath, TokHomePath, TokSearchPath, TokURI:
		text := t.Text
		if len(text) > 40 {
			text = text[:37] + "..."
		}
		return fmt.Sprintf("%s '%s'", t.Kind, text)
	}
	return t.Kind.String()
}

// parseFile parses a whole file: one expression and the end of input.
func (p *parser) parseFile() (Expr, *Error, *Token) {
	x := p.parseExpr(0)
	var rest *Error
	if p.kind() != TokEOF {
		p.unexpected("end of file")
		rest = &Error{}
		for p.kind() != TokEOF {
			rest.Elems = append(rest.Elems, Elem{Tok: p.next()})
		}
	}
	return x, rest, p.tok()
}

// push adds the symbols a nested construct keeps on bison's stack; it
// reports false when the stack would overflow. pop undoes it.
func (p *parser) push(cost int) bool {
	p.depth += cost
	return p.depth <= maxStack
}

func (p *parser) pop(cost int) { p.depth -= cost }

// tooDeep reports nesting beyond maxDepth and gives up on the rest of the
// input: every remaining token goes into the returned *Error.
func (p *parser) tooDeep() *Error {
	p.errorAt(p.tok().Off, "expression nested too deeply (Nix's parser runs out of stack here: memory exhausted)")
	e := &Error{}
	for p.kind() != TokEOF {
		e.Elems = append(e.Elems, Elem{Tok: p.next()})
	}
	return e
}

// skipNested consumes tokens into e until a token of a stop kind at
// nesting depth zero (not consumed), or a ';' at depth zero (consumed) when
// semi is set. It consumes at least one token unless at EOF.
func (p *parser) skipNested(e *Error, semi bool, stops ...TokenKind) {
	depth := 0
	first := true
	for {
		k := p.kind()
		if k == TokEOF {
			return
		}
		if depth == 0 && !first {
			for _, s := range stops {
				if k == s {
					return
				}
			}
		}
		first = false
		switch k {
		case TokLBrace, TokDollarCurly, TokLParen, TokLBracket:
			depth++
		case TokRBrace, TokRParen, TokRBracket:
			if depth == 0 {
				// A closer of an enclosing construct: stop before it
				// unless it is the very token that was unexpected.
				if len(e.Elems) > 0 {
					return
				}
			} else {
				depth--
			}
		}
		e.Elems = append(e.Elems, Elem{Tok: p.next()})
		if semi && depth == 0 && k == TokSemi {
			return
		}
	}
}

// parseExpr parses expr_function: lambdas, assert, with, let, and below
// them if and the operators. cost is the number of symbols the enclosing
// production keeps on bison's stack while the expression is parsed.
func (p *parser) parseExpr(cost int) Expr {
	if !p.push(cost) {
		p.pop(cost)
		return p.tooDeep()
	}
	x := p.parseExpr1()
	p.pop(cost)
	return x
}

func (p *parser) parseExpr1() Expr {
	switch p.kind() {
	case TokIdent:
		switch p.kindAt(1) {
		case TokColon:
			arg := p.next()
			colon := p.next()
			return p.n.lambdas.new(Lambda{Arg: arg, Colon: colon, Body: p.parseExpr(2)})
		case TokAt:
			arg := p.next()
			at := p.next()
			l := p.n.lambdas.new(Lambda{Arg: arg, At: at})
			if p.kind() != TokLBrace {
				p.unexpected("'{'")
				return l
			}
			l.Formals = p.parseFormals(2)
			l.Colon = p.expect(TokColon)
			if l.Colon != nil {
				l.Body = p.parseExpr(6)
			}
			return l
		}
	case TokLBrace:
		if p.isFormals() {
			l := p.n.lambdas.new(Lambda{Formals: p.parseFormals(0)})
			cost := 4 // '{' formals '}' ':'
			if at := p.accept(TokAt); at != nil {
				l.At = at
				l.Arg = p.expect(TokIdent)
				cost = 6
				l.Colon = p.expect(TokColon)
			} else if l.Colon = p.accept(TokColon); l.Colon == nil {
				p.unexpected("':' or '@'")
			}
			if l.Colon != nil {
				l.Body = p.parseExpr(cost)
			}
			return l
		}
	case TokAssert:
		a := &Assert{AssertTok: p.next()}
		a.Cond = p.parseExpr(1)
		a.Semi = p.expect(TokSemi)
		a.Body = p.parseExpr(3)
		return a
	case TokWith:
		w := &With{WithTok: p.next()}
		w.Env = p.parseExpr(1)
		w.Semi = p.expect(TokSemi)
		w.Body = p.parseExpr(3)
		return w
	case TokLet:
		if p.kindAt(1) != TokLBrace {
			l := &Let{LetTok: p.next()}
			l.Binds = p.parseBinds(TokIn, 1)
			l.InTok = p.expect(TokIn)
			l.Body = p.parseExpr(3)
			return l
		}
	}
	return p.parseIf()
}

// isFormals decides, at a '{', whether a function's formals follow rather
// than an attribute set.
func (p *parser) isFormals() bool {
	switch p.kindAt(1) {
	case TokRBrace:
		k := p.kindAt(2)
		return k == TokColon || k == TokAt
	case TokEllipsis:
		return true
	case TokIdent:
		switch p.kindAt(2) {
		case TokComma, TokQuestion:
			return true
		case TokRBrace:
			// { a } can only be formals; Nix then expects ':' or '@'.
			return true
		}
	}
	return false
}

// parseFormals parses { a, b ? d, ... } at a '{'; cost is what bison
// holds before the '{'.
func (p *parser) parseFormals(cost int) *Formals {
	f := &Formals{Open: p.next()}
	for {
		switch p.kind() {
		case TokRBrace:
			f.Close = p.next()
			return f
		case TokEllipsis:
			f.Ellipsis = p.next()
			f.Close = p.expect(TokRBrace)
			return f
		case TokIdent:
			it := &Formal{Name: p.next()}
			if q := p.accept(TokQuestion); q != nil {
				it.Question = q
				it.Default = p.parseExpr(cost + 4)
			}
			f.Items = append(f.Items, it)
			if c := p.accept(TokComma); c != nil {
				it.Comma = c
				continue
			}
			f.Close = p.expect(TokRBrace)
			return f
		default:
			p.unexpected("'}'")
			return f
		}
	}
}

// parseIf parses expr_if.
func (p *parser) parseIf() Expr {
	if p.kind() != TokIf {
		return p.parsePipe()
	}
	n := &If{IfTok: p.next()}
	n.Cond = p.parseExpr(1)
	n.ThenTok = p.expect(TokThen)
	n.Then = p.parseExpr(3)
	n.ElseTok = p.expect(TokElse)
	n.Else = p.parseExpr(5)
	return n
}

// parsePipe parses the pipe operators, below all other operators: |> is
// left-associative, <| right-associative, and the two do not mix without
// parentheses.
func (p *parser) parsePipe() Expr {
	x := p.parseOp(0, 0)
	switch p.kind() {
	case TokPipeRight:
		for p.kind() == TokPipeRight {
			op := p.pipeOp()
			x = p.n.binaries.new(Binary{X: x, Op: op, Y: p.parseOp(0, 2)})
		}
	case TokPipeLeft:
		x = p.parsePipeFrom(x)
	default:
		return x
	}
	if k := p.kind(); k == TokPipeRight || k == TokPipeLeft {
		p.errorAt(p.tok().Off, "syntax error, unexpected %s: '|>' and '<|' do not mix without parentheses", describe(p.tok()))
	}
	return x
}

// parsePipeFrom parses x <| y <| z, at the first <|.
func (p *parser) parsePipeFrom(x Expr) Expr {
	op := p.pipeOp()
	y := p.parseOp(0, 2)
	if p.kind() == TokPipeLeft {
		y = p.parsePipeFrom(y)
	}
	return p.n.binaries.new(Binary{X: x, Op: op, Y: y})
}

// pipeOp consumes a pipe operator, reporting it when pipes are disabled.
func (p *parser) pipeOp() *Token {
	if !p.pipes {
		p.unexpected("")
	}
	return p.next()
}

// Operator precedences (higher binds tighter), from parser.y.
const (
	precImpl   = 1
	precOr     = 2
	precAnd    = 3
	precEq     = 4
	precCmp    = 5
	precUpdate = 6
	precNot    = 7
	precAdd    = 8
	precMul    = 9
	precConcat = 10
	precHas    = 11
	precNeg    = 12
)

type assoc uint8

const (
	left assoc = iota
	right
	nonassoc
)

func binaryPrec(k TokenKind) (int, assoc) {
	switch k {
	case TokImpl:
		return precImpl, right
	case TokOrOr:
		return precOr, left
	case TokAnd:
		return precAnd, left
	case TokEq, TokNeq:
		return precEq, nonassoc
	case TokLess, TokGreater, TokLeq, TokGeq:
		return precCmp, nonassoc
	case TokUpdate:
		return precUpdate, right
	case TokPlus, TokMinus:
		return precAdd, left
	case TokStar, TokSlash:
		return precMul, left
	case TokConcat:
		return precConcat, right
	case TokQuestion:
		// %nonassoc in parser.y, but its right side is an attribute
		// path, so a ? b ? c never conflicts and chains to the left.
		return precHas, left
	}
	return 0, left
}

// parseOp parses expr_op with operators of precedence at least min, by
// precedence climbing. Prefix operators take an operand of the operators
// that bind tighter than themselves, as bison's %prec does. cost is as for
// parseExpr.
func (p *parser) parseOp(min, cost int) Expr {
	if !p.push(cost) {
		p.pop(cost)
		return p.tooDeep()
	}
	x := p.parseOp1(min)
	p.pop(cost)
	return x
}

func (p *parser) parseOp1(min int) Expr {
	var x Expr
	switch p.kind() {
	case TokNot:
		op := p.next()
		x = &Unary{Op: op, X: p.parseOp(precNot+1, 1)}
	case TokMinus:
		op := p.next()
		x = &Unary{Op: op, X: p.parseOp(precNeg+1, 1)}
	default:
		x = p.parseApp()
	}
	lastNonassoc := 0
	for {
		k := p.kind()
		prec, as := binaryPrec(k)
		if prec == 0 || prec < min {
			return x
		}
		if prec == lastNonassoc {
			p.unexpected("")
		}
		op := p.next()
		if k == TokQuestion {
			x = &HasAttr{X: x, Question: op, Path: p.parseAttrPath(2)}
		} else {
			var y Expr
			if as == right {
				y = p.parseOp(prec, 2)
			} else {
				y = p.parseOp(prec+1, 2)
			}
			x = p.n.binaries.new(Binary{X: x, Op: op, Y: y})
		}
		lastNonassoc = 0
		if as == nonassoc {
			lastNonassoc = prec
		}
	}
}

// startsSimple reports whether the current token can start expr_simple,
// and so an argument of an application or a list element.
func (p *parser) startsSimple() bool {
	switch p.kind() {
	case TokIdent, TokInt, TokFloat, TokQuote, TokIndOpen, TokPath, TokHomePath,
		TokSearchPath, TokURI, TokLParen, TokLBracket, TokLBrace, TokRec:
		return true
	case TokLet:
		return p.kindAt(1) == TokLBrace
	}
	return false
}

// parseApp parses expr_app: a function applied to arguments.
func (p *parser) parseApp() Expr {
	x := p.parseSelect(0)
	for p.startsSimple() {
		x = p.n.applies.new(Apply{Fn: x, Arg: p.parseSelect(1)})
	}
	return x
}

// parseSelect parses expr_select: e.a.b, e.a.b or d, and the
// compatibility form "e or", the call of e with a variable named or.
func (p *parser) parseSelect(cost int) Expr {
	x := p.parseSimple(cost)
	switch p.kind() {
	case TokDot:
		s := p.n.selects.new(Select{X: x, Dot: p.next()})
		s.Path = p.parseAttrPath(2)
		if or := p.accept(TokOr); or != nil {
			s.OrTok = or
			s.Default = p.parseSelect(cost + 4)
		}
		return s
	case TokOr:
		return p.n.applies.new(Apply{Fn: x, Arg: p.n.idents.new(Ident{Tok: p.next()})})
	}
	return x
}

// errorExpr reports the current token as unexpected where an expression
// was expected and returns an *Error holding it, or an empty *Error when
// the token more likely closes an enclosing construct.
func (p *parser) errorExpr() *Error {
	p.unexpected("")
	e := &Error{}
	switch p.kind() {
	case TokEOF, TokRParen, TokRBracket, TokRBrace, TokSemi, TokIn, TokThen, TokElse,
		TokComma, TokColon, TokQuote, TokIndClose, TokPathEnd:
		return e
	}
	e.Elems = append(e.Elems, Elem{Tok: p.next()})
	return e
}

// parseSimple parses expr_simple.
func (p *parser) parseSimple(cost int) Expr {
	if !p.push(cost) {
		p.pop(cost)
		return p.tooDeep()
	}
	x := p.parseSimple1()
	p.pop(cost)
	return x
}

func (p *parser) parseSimple1() Expr {
	switch p.kind() {
	case TokIdent:
		return p.n.idents.new(Ident{Tok: p.next()})
	case TokInt:
		t := p.next()
		v, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			p.errorAt(t.Off, "invalid integer '%s'", t.Text)
		}
		return p.n.ints.new(Int{Tok: t, Value: v})
	case TokFloat:
		t := p.next()
		v, ok := parseFloat(t.Text)
		if !ok {
			p.errorAt(t.Off, "invalid float '%s'", t.Text)
		}
		return &Float{Tok: t, Value: v}
	case TokURI:
		return &URI{Tok: p.next()}
	case TokSearchPath:
		return &SearchPath{Tok: p.next()}
	case TokPath, TokHomePath:
		return p.parsePath(0)
	case TokQuote:
		return p.parseString(0)
	case TokIndOpen:
		return p.parseIndString(0)
	case TokLParen:
		n := p.n.parens.new(Paren{Open: p.next()})
		n.X = p.parseExpr(1)
		n.Close = p.expect(TokRParen)
		return n
	case TokLBracket:
		return p.parseList()
	case TokLBrace:
		n := p.n.sets.new(AttrSet{Open: p.next()})
		n.Binds = p.parseBinds(TokRBrace, 1)
		n.Close = p.expect(TokRBrace)
		return n
	case TokRec:
		n := p.n.sets.new(AttrSet{RecTok: p.next()})
		n.Open = p.expect(TokLBrace)
		if n.Open != nil {
			n.Binds = p.parseBinds(TokRBrace, 2)
			n.Close = p.expect(TokRBrace)
		}
		return n
	case TokLet:
		if p.kindAt(1) == TokLBrace {
			n := &LegacyLet{LetTok: p.next(), Open: p.next()}
			n.Binds = p.parseBinds(TokRBrace, 2)
			n.Close = p.expect(TokRBrace)
			return n
		}
		// Only let { ... } is an operand; Nix complains about what
		// follows the let.
		e := &Error{Elems: []Elem{{Tok: p.next()}}}
		p.unexpected("'{'")
		return e
	}
	return p.errorExpr()
}

// parseFloat converts a FLOAT token as strtod does, rejecting what Nix
// rejects: values that overflow, and values that underflow to zero or to a
// subnormal number (strtod sets ERANGE for both).
func parseFloat(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return v, false
	}
	if v == 0 {
		// Zero is exact only when every digit is zero.
		mant, _, _ := strings.Cut(strings.ToLower(s), "e")
		return v, strings.Trim(mant, "0.") == ""
	}
	return v, math.Abs(v) >= 0x1p-1022
}

// parseList parses [ elems ].
func (p *parser) parseList() *List {
	n := p.n.lists.new(List{Open: p.next()})
	mark := len(p.n.exprStack)
loop:
	for {
		for p.startsSimple() {
			e := p.parseSelect(2)
			p.n.exprStack = append(p.n.exprStack, e)
		}
		switch p.kind() {
		case TokRBracket:
			n.Close = p.next()
			break loop
		case TokEOF, TokRParen, TokRBrace, TokSemi, TokIn, TokThen, TokElse:
			p.unexpected("']'")
			break loop
		}
		// Something that cannot be an element: keep it and go on.
		p.unexpected("']'")
		p.n.exprStack = append(p.n.exprStack, &Error{Elems: []Elem{{Tok: p.next()}}})
	}
	n.Elems = p.n.exprs.copy(p.n.exprStack[mark:])
	clear(p.n.exprStack[mark:])
	p.n.exprStack = p.n.exprStack[:mark]
	return n
}

// parseBinds parses bindings up to the token kind end (not consumed);
// cost is what bison holds before the bindings ('{', rec '{', let).
func (p *parser) parseBinds(end TokenKind, cost int) []Binding {
	mark := len(p.n.bindStack)
	for {
		var b Binding
		switch p.kind() {
		case end, TokEOF:
			binds := p.n.binds.copy(p.n.bindStack[mark:])
			clear(p.n.bindStack[mark:])
			p.n.bindStack = p.n.bindStack[:mark]
			return binds
		case TokInherit:
			b = p.parseInherit(cost + 1)
		case TokIdent, TokOr, TokQuote, TokDollarCurly:
			b = p.parseAssign(cost + 1)
		default:
			p.unexpected("")
			e := &Error{}
			p.skipNested(e, true, end, TokRBrace, TokIn)
			b = e
		}
		p.n.bindStack = append(p.n.bindStack, b)
	}
}

// parseAssign parses attrpath = expr ;.
func (p *parser) parseAssign(cost int) Binding {
	a := p.n.assigns.new(Assign{Path: p.parseAttrPath(cost)})
	if a.Eq = p.accept(TokAssign); a.Eq == nil {
		// After a path the parser also takes a '.' continuing it.
		p.unexpected("'.' or '='")
		return a
	}
	a.Value = p.parseExpr(cost + 2)
	a.Semi = p.expect(TokSemi)
	return a
}

// parseInherit parses inherit attrs ; and inherit ( expr ) attrs ;.
func (p *parser) parseInherit(cost int) Binding {
	n := &Inherit{InheritTok: p.next()}
	if open := p.accept(TokLParen); open != nil {
		n.Open = open
		n.From = p.parseExpr(cost + 2)
		n.Close = p.expect(TokRParen)
	}
	for {
		switch p.kind() {
		case TokIdent, TokOr, TokQuote, TokDollarCurly:
			n.Names = append(n.Names, p.parseAttrName(cost+1))
			continue
		}
		break
	}
	n.Semi = p.expect(TokSemi)
	return n
}

// parseAttrPath parses attr ('.' attr)*; cost is what bison holds before
// the path.
func (p *parser) parseAttrPath(cost int) *AttrPath {
	first := p.parseAttrName(cost)
	if p.kind() != TokDot {
		return p.n.paths.new(AttrPath{Names: p.n.nameps.copy([]*AttrName{first})})
	}
	nmark, tmark := len(p.n.nameStack), len(p.n.tokStack)
	p.n.nameStack = append(p.n.nameStack, first)
	for p.kind() == TokDot {
		p.n.tokStack = append(p.n.tokStack, p.next())
		name := p.parseAttrName(cost)
		p.n.nameStack = append(p.n.nameStack, name)
	}
	ap := p.n.paths.new(AttrPath{
		Names: p.n.nameps.copy(p.n.nameStack[nmark:]),
		Dots:  p.n.tokps.copy(p.n.tokStack[tmark:]),
	})
	clear(p.n.nameStack[nmark:])
	clear(p.n.tokStack[tmark:])
	p.n.nameStack, p.n.tokStack = p.n.nameStack[:nmark], p.n.tokStack[:tmark]
	return ap
}

// parseAttrName parses one attribute name: an identifier, or, a string or
// an interpolation.
func (p *parser) parseAttrName(cost int) *AttrName {
	switch p.kind() {
	case TokIdent, TokOr:
		return p.n.names.new(AttrName{Ident: p.next()})
	case TokQuote:
		return p.n.names.new(AttrName{Str: p.parseString(cost)})
	case TokDollarCurly:
		return p.n.names.new(AttrName{Interp: p.parseInterp(cost + 1)})
	}
	p.unexpected("attribute name")
	return &AttrName{}
}

// parseInterp parses ${ expr }; cost counts the ${ and what precedes it.
func (p *parser) parseInterp(cost int) *Interp {
	n := p.n.interps.new(Interp{Open: p.next()})
	n.X = p.parseExpr(cost)
	if n.Close = p.accept(TokRBrace); n.Close != nil {
		return n
	}
	p.unexpected("'}'")
	// Skip to the '}' that closes the interpolation: the lexer returns
	// to the enclosing string or path there.
	e := &Error{}
	depth := 0
	for p.kind() != TokEOF {
		k := p.kind()
		if k == TokRBrace && depth == 0 {
			break
		}
		switch k {
		case TokLBrace, TokDollarCurly:
			depth++
		case TokRBrace:
			depth--
		}
		e.Elems = append(e.Elems, Elem{Tok: p.next()})
	}
	if len(e.Elems) > 0 {
		n.X = &Error{Elems: append([]Elem{{Node: n.X}}, e.Elems...)}
	}
	n.Close = p.accept(TokRBrace)
	return n
}

// parseString parses "...".
func (p *parser) parseString(cost int) *String {
	return p.parseStr(TokStrText, TokStrText, TokQuote, `'"'`, cost)
}

// parseIndString parses an indented string.
func (p *parser) parseIndString(cost int) *String {
	return p.parseStr(TokIndText, TokIndEsc, TokIndClose, "'' closing the string", cost)
}

// parseStr parses the parts of a string up to its closing token.
func (p *parser) parseStr(text1, text2, close TokenKind, expecting string, cost int) *String {
	n := p.n.strs.new(String{Open: p.next()})
	mark := len(p.n.partStack)
loop:
	for {
		var part Part
		switch k := p.kind(); k {
		case text1, text2:
			part = p.n.texts.new(Text{Tok: p.next()})
		case TokDollarCurly:
			part = p.parseInterp(cost + 2)
		case close:
			n.Close = p.next()
			break loop
		default:
			p.unexpected(expecting)
			break loop
		}
		p.n.partStack = append(p.n.partStack, part)
	}
	n.Parts = p.n.parts.copy(p.n.partStack[mark:])
	clear(p.n.partStack[mark:])
	p.n.partStack = p.n.partStack[:mark]
	return n
}

// parsePath parses a path, with its interpolations, up to the path's end.
// As in Nix's grammar, literal text after the first piece must follow an
// interpolation.
func (p *parser) parsePath(cost int) *Path {
	n := &Path{Parts: []Part{p.n.texts.new(Text{Tok: p.next()})}}
	interp := false
	for {
		switch p.kind() {
		case TokPathText:
			t := p.next()
			n.Parts = append(n.Parts, &Text{Tok: t})
			if !interp && p.kind() != TokDollarCurly {
				p.unexpected("'${'")
			}
		case TokDollarCurly:
			interp = true
			n.Parts = append(n.Parts, p.parseInterp(cost+2))
		case TokPathEnd:
			n.End = p.next()
			return n
		default:
			// Only after a broken interpolation.
			return n
		}
	}
}
