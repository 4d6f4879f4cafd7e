package generate

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// expr is a Nix expression to print. The printer lays expressions out the
// way nixfmt does: non-empty attribute sets and lists of more than one
// element span several lines, two-space indentation.
type expr interface{ isExpr() }

type (
	// raw is Nix source printed as is: a select (pkgs.htop), a path, a
	// call in parentheses.
	raw string
	// str is a string literal.
	str string
	// integer, float, boolean and null are literals.
	integer int64
	float   float64
	boolean bool
	null    struct{}
	// list is a list literal.
	list []expr
	// attrs is an attribute set literal.
	attrs struct {
		binds []binding
		rec   bool
	}
	// letIn is a let expression.
	letIn struct {
		binds []binding
		body  expr
	}
	// lambda is a function with a set pattern, or a plain argument when
	// arg is set.
	lambda struct {
		formals []string
		arg     string
		body    expr
	}
	// call is a function application: fn arg1 arg2 ...
	call struct {
		fn   expr
		args []expr
	}
)

func (raw) isExpr()     {}
func (str) isExpr()     {}
func (integer) isExpr() {}
func (float) isExpr()   {}
func (boolean) isExpr() {}
func (null) isExpr()    {}
func (list) isExpr()    {}
func (*attrs) isExpr()  {}
func (*letIn) isExpr()  {}
func (*lambda) isExpr() {}
func (*call) isExpr()   {}

// binding is `path = value;` with optional comment lines before it.
type binding struct {
	path     []string
	value    expr
	comments []string
	// blank puts an empty line before the binding.
	blank bool
	// inherit renders `inherit (from) names;` or `inherit names;`.
	inherit []string
	from    string
}

func (a *attrs) add(path []string, v expr) {
	a.binds = append(a.binds, binding{path: path, value: v})
}

var (
	identRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_'-]*$`)
	keywords = []string{"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"}
)

// attrName renders one attribute name: bare when it is an identifier,
// quoted otherwise.
func attrName(k string) string {
	if identRE.MatchString(k) && !slices.Contains(keywords, k) {
		return k
	}
	return quote(k)
}

func attrPath(p []string) string {
	parts := make([]string, len(p))
	for i, k := range p {
		parts[i] = attrName(k)
	}
	return strings.Join(parts, ".")
}

// quote renders s as a double-quoted Nix string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteString(`\$`)
			} else {
				b.WriteByte('$')
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// indentedOK reports whether s prints correctly as an indented string:
// several lines, no carriage returns, and at least one line that does
// not start with a space (Nix strips the common indentation).
func indentedOK(s string) bool {
	if !strings.Contains(strings.TrimSuffix(s, "\n"), "\n") || strings.ContainsAny(s, "\r\t") {
		return false
	}
	lines := strings.Split(s, "\n")
	if last := lines[len(lines)-1]; last != "" && strings.TrimLeft(last, " ") == "" {
		return false // a last line of spaces would be dropped
	}
	if strings.HasSuffix(lines[len(lines)-1], "'") {
		return false // a quote before the closing '' would merge with it
	}
	for _, line := range lines {
		if line != "" && line[0] != ' ' {
			return true
		}
	}
	return false
}

// formatFloat renders f as a Nix float literal (always with a '.').
func formatFloat(f float64) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	if f < 0 || (f == 0 && math.Signbit(f)) {
		s = "-" + s
	}
	return s, true
}

// balancedInner reports whether parentheses in s never close more than
// they opened and all close (so "(a) (b)" is not one parenthesized
// expression). Double-quoted strings are skipped; an indented string
// makes it give up.
func balancedInner(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		case '\'':
			return false
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return false
			}
		}
	}
	return depth == 0
}

// printer writes expressions.
type printer struct {
	b strings.Builder
}

func (p *printer) indent(n int) {
	for range n {
		p.b.WriteString("  ")
	}
}

// simple reports whether e prints on one line.
func simple(e expr) bool {
	switch e := e.(type) {
	case list:
		return len(e) == 0 || (len(e) == 1 && simple(e[0]) && !isContainer(e[0]))
	case *attrs:
		return len(e.binds) == 0
	case str:
		return !indentedOK(string(e))
	case *letIn:
		return false
	case *lambda:
		return e.arg != "" && simple(e.body)
	case *call:
		for _, a := range e.args {
			if !simple(a) {
				return false
			}
		}
		return simple(e.fn)
	}
	return true
}

func isContainer(e expr) bool {
	switch e := e.(type) {
	case list:
		return len(e) > 0
	case *attrs:
		return len(e.binds) > 0
	}
	return false
}

// atom reports whether e can stand as a list element or argument without
// parentheses.
func atom(e expr) bool {
	switch e := e.(type) {
	case integer:
		return e >= 0
	case float:
		return e >= 0
	case raw:
		return rawAtom(string(e))
	case *call, *lambda, *letIn:
		return false
	}
	return true
}

var selectRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_'-]*(\.([a-zA-Z_][a-zA-Z0-9_'-]*|"[^"\\$]*"))*$`)

// rawAtom reports whether raw source is a plain identifier, select or
// path that needs no parentheses.
func rawAtom(s string) bool {
	if selectRE.MatchString(s) && !slices.Contains(keywords, strings.SplitN(s, ".", 2)[0]) {
		return true
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && balancedInner(s[1:len(s)-1]) {
		return true
	}
	if strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
		return !strings.ContainsAny(s, " \t\n")
	}
	return false
}

func (p *printer) expr(e expr, depth int) {
	switch e := e.(type) {
	case raw:
		p.b.WriteString(string(e))
	case str:
		if indentedOK(string(e)) {
			p.indented(string(e), depth)
		} else {
			p.b.WriteString(quote(string(e)))
		}
	case integer:
		p.b.WriteString(strconv.FormatInt(int64(e), 10))
	case float:
		s, _ := formatFloat(float64(e))
		p.b.WriteString(s)
	case boolean:
		p.b.WriteString(strconv.FormatBool(bool(e)))
	case null:
		p.b.WriteString("null")
	case list:
		p.list(e, depth)
	case *attrs:
		p.attrs(e, depth)
	case *letIn:
		p.b.WriteString("let\n")
		p.bindings(e.binds, depth+1)
		p.indent(depth)
		p.b.WriteString("in\n")
		p.indent(depth)
		p.expr(e.body, depth)
	case *lambda:
		p.lambda(e, depth)
	case *call:
		p.operand(e.fn, depth)
		for i, a := range e.args {
			p.b.WriteString(" ")
			if l, ok := a.(*lambda); ok && i == len(e.args)-1 && l.arg != "" && isContainer(l.body) {
				// f (x: {
				//   ...
				// })
				p.b.WriteString("(" + l.arg + ": ")
				p.expr(l.body, depth)
				p.b.WriteString(")")
				continue
			}
			p.operand(a, depth)
		}
	}
}

// lambda prints a function. A set pattern spans one line per formal; a
// body that does not fit on the line follows on the next line, at the
// same indentation as the parameter (as nixfmt lays functions out).
func (p *printer) lambda(e *lambda, depth int) {
	switch {
	case e.arg != "":
		p.b.WriteString(e.arg)
	case len(e.formals) == 0:
		p.b.WriteString("{ }")
	default:
		p.b.WriteString("{\n")
		for _, f := range e.formals {
			p.indent(depth + 1)
			p.b.WriteString(f)
			if f != "..." {
				p.b.WriteString(",")
			}
			p.b.WriteString("\n")
		}
		p.indent(depth)
		p.b.WriteString("}")
	}
	p.b.WriteString(":")
	if simple(e.body) {
		p.b.WriteString(" ")
		p.expr(e.body, depth)
		return
	}
	p.b.WriteString("\n")
	p.indent(depth)
	p.expr(e.body, depth)
}

func (p *printer) operand(e expr, depth int) {
	if atom(e) {
		p.expr(e, depth)
		return
	}
	p.b.WriteString("(")
	p.expr(e, depth)
	p.b.WriteString(")")
}

func (p *printer) list(l list, depth int) {
	if len(l) == 0 {
		p.b.WriteString("[ ]")
		return
	}
	if simple(l) {
		p.b.WriteString("[ ")
		p.operand(l[0], depth)
		p.b.WriteString(" ]")
		return
	}
	p.b.WriteString("[\n")
	for _, e := range l {
		p.indent(depth + 1)
		p.operand(e, depth+1)
		p.b.WriteString("\n")
	}
	p.indent(depth)
	p.b.WriteString("]")
}

func (p *printer) attrs(a *attrs, depth int) {
	if a.rec {
		p.b.WriteString("rec ")
	}
	if len(a.binds) == 0 {
		p.b.WriteString("{ }")
		return
	}
	p.b.WriteString("{\n")
	p.bindings(a.binds, depth+1)
	p.indent(depth)
	p.b.WriteString("}")
}

func (p *printer) bindings(bs []binding, depth int) {
	for i, b := range bs {
		if b.blank && i > 0 {
			p.b.WriteString("\n")
		}
		for _, c := range b.comments {
			p.indent(depth)
			if c == "" {
				p.b.WriteString("#\n")
			} else {
				p.b.WriteString("# " + c + "\n")
			}
		}
		p.indent(depth)
		if b.inherit != nil {
			p.b.WriteString("inherit ")
			if b.from != "" {
				p.b.WriteString("(" + b.from + ") ")
			}
			p.b.WriteString(strings.Join(b.inherit, " "))
			p.b.WriteString(";\n")
			continue
		}
		p.b.WriteString(attrPath(b.path))
		p.b.WriteString(" =")
		if simple(b.value) || isContainer(b.value) || isIndented(b.value) || absorbs(b.value) {
			p.b.WriteString(" ")
			p.expr(b.value, depth)
		} else {
			p.b.WriteString("\n")
			p.indent(depth + 1)
			p.expr(b.value, depth+1)
		}
		p.b.WriteString(";\n")
	}
}

// absorbs reports whether a call ends in a container that can start on
// the binding's line: f x { ... }.
func absorbs(e expr) bool {
	c, ok := e.(*call)
	if !ok || len(c.args) == 0 || !simple(c.fn) {
		return false
	}
	for _, a := range c.args[:len(c.args)-1] {
		if !simple(a) {
			return false
		}
	}
	last := c.args[len(c.args)-1]
	if l, ok := last.(*lambda); ok && l.arg != "" {
		return isContainer(l.body)
	}
	return isContainer(last)
}

func isIndented(e expr) bool {
	s, ok := e.(str)
	return ok && indentedOK(string(s))
}

// indented writes s as an indented string at depth.
func (p *printer) indented(s string, depth int) {
	p.b.WriteString("''\n")
	lines := strings.Split(s, "\n")
	last := len(lines) - 1
	for i, line := range lines {
		if i == last {
			break
		}
		if line != "" {
			p.indent(depth + 1)
			p.b.WriteString(escapeIndented(line))
		}
		p.b.WriteString("\n")
	}
	if lines[last] != "" {
		// No final newline: the closing quotes follow the text.
		p.indent(depth + 1)
		p.b.WriteString(escapeIndented(lines[last]))
		p.b.WriteString("''")
		return
	}
	p.indent(depth)
	p.b.WriteString("''")
}

func escapeIndented(s string) string {
	s = strings.ReplaceAll(s, "''", "'''")
	s = strings.ReplaceAll(s, "${", "''${")
	return s
}

// render prints a whole file: a header comment, the expression, a final
// newline.
func render(header []string, e expr) []byte {
	p := &printer{}
	for _, h := range header {
		p.b.WriteString("# " + h + "\n")
	}
	p.expr(e, 0)
	p.b.WriteString("\n")
	return []byte(p.b.String())
}
