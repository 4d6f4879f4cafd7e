package build

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// printer writes expressions. The layout is nixfmt's: non-empty attribute
// sets and lists of more than one element span several lines, two-space
// indentation. The first string that cannot be printed is kept in err.
type printer struct {
	b   bytes.Buffer
	err error
}

func (p *printer) check(what, s string) {
	if p.err != nil {
		return
	}
	if err := Validate(s); err != nil {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		p.err = fmt.Errorf("%s %q %w", what, s, err)
	}
}

func (p *printer) indent(n int) {
	for range n {
		p.b.WriteString("  ")
	}
}

// comments writes each line of each comment as a `#` line. Nix ends a
// comment at CR or LF, so both split lines here: text after them stays
// inside a comment.
func (p *printer) comments(cs []string, depth int) {
	for _, c := range cs {
		p.check("comment", c)
		c = strings.ReplaceAll(c, "\r\n", "\n")
		c = strings.ReplaceAll(c, "\r", "\n")
		for more := true; more; {
			var line string
			line, c, more = strings.Cut(c, "\n")
			p.indent(depth)
			if line == "" {
				p.b.WriteString("#\n")
			} else {
				p.b.WriteString("# ")
				p.b.WriteString(line)
				p.b.WriteByte('\n')
			}
		}
	}
}

func (p *printer) quote(s string) {
	p.check("string", s)
	p.b.WriteByte('"')
	quoteInto(&p.b, s, false)
	p.b.WriteByte('"')
}

func (p *printer) attrPath(path []string) {
	for i, k := range path {
		if i > 0 {
			p.b.WriteByte('.')
		}
		p.check("attribute name", k)
		p.b.WriteString(AttrName(k))
	}
}

// simple reports whether e prints on one line.
func simple(e Expr) bool {
	switch e := e.(type) {
	case listExpr:
		return len(e) == 0 || (len(e) == 1 && simple(e[0]) && !isContainer(e[0]))
	case *AttrSet:
		return len(e.binds) == 0
	case strLit:
		return !isIndented(e)
	case *letExpr:
		return false
	case *lambdaExpr:
		return e.arg != "" && simple(e.body)
	case *callExpr:
		for _, a := range e.args {
			if !simple(a) {
				return false
			}
		}
		return simple(e.fn)
	case *binaryExpr:
		return simple(e.l) && simple(e.r)
	case *selectExp:
		return simple(e.x)
	}
	return true
}

func isContainer(e Expr) bool {
	switch e := e.(type) {
	case listExpr:
		return len(e) > 0
	case *AttrSet:
		return len(e.binds) > 0
	}
	return false
}

// atom reports whether e can stand as a list element, argument or the
// subject of a select without parentheses.
func atom(e Expr) bool {
	switch e := e.(type) {
	case intLit:
		return e >= 0
	case floatLit:
		return e >= 0
	case rawExpr:
		return rawAtom(string(e))
	case pathLit:
		_, rest := splitPath(string(e))
		return rest == ""
	case *callExpr, *lambdaExpr, *letExpr, *binaryExpr:
		return false
	}
	return true
}

func (p *printer) expr(e Expr, depth int) {
	switch e := e.(type) {
	case rawExpr:
		p.b.WriteString(string(e))
	case strLit:
		if isIndented(e) {
			p.indented(e.s, depth)
		} else {
			p.quote(e.s)
		}
	case intLit:
		p.b.WriteString(strconv.FormatInt(int64(e), 10))
	case floatLit:
		s, _ := FormatFloat(float64(e))
		p.b.WriteString(s)
	case boolLit:
		p.b.WriteString(strconv.FormatBool(bool(e)))
	case nullLit:
		p.b.WriteString("null")
	case varRef:
		p.b.WriteString(string(e))
	case pathLit:
		lit, rest := splitPath(string(e))
		p.b.WriteString(lit)
		if rest != "" {
			p.b.WriteString(" + ")
			p.quote(rest)
		}
	case *selectExp:
		p.operand(e.x, depth)
		p.b.WriteByte('.')
		p.attrPath(e.path)
	case listExpr:
		p.list(e, depth)
	case *AttrSet:
		p.attrs(e, depth)
	case *letExpr:
		p.b.WriteString("let\n")
		p.bindings(e.binds.binds, depth+1)
		p.indent(depth)
		p.b.WriteString("in\n")
		p.indent(depth)
		p.expr(e.body, depth)
	case *lambdaExpr:
		p.lambda(e, depth)
	case *callExpr:
		p.operand(e.fn, depth)
		for i, a := range e.args {
			p.b.WriteString(" ")
			if l, ok := a.(*lambdaExpr); ok && i == len(e.args)-1 && l.arg != "" && isContainer(l.body) {
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
	case *binaryExpr:
		p.operand(e.l, depth)
		p.b.WriteByte(' ')
		p.b.WriteString(e.op)
		p.b.WriteByte(' ')
		p.operand(e.r, depth)
	case interpExpr:
		p.b.WriteByte('"')
		for i, part := range e {
			if s, ok := part.(strLit); ok {
				p.check("string", s.s)
				_, lit := e[min(i+1, len(e)-1)].(strLit)
				quoteInto(&p.b, s.s, i+1 < len(e) && !lit)
				continue
			}
			p.b.WriteString("${")
			p.expr(part, depth)
			p.b.WriteString("}")
		}
		p.b.WriteByte('"')
	default:
		panic(fmt.Sprintf("build: unknown expression %T", e))
	}
}

// lambda prints a function. A set pattern spans one line per formal; a
// body that does not fit on the line follows on the next line, at the
// same indentation as the parameter (as nixfmt lays functions out).
func (p *printer) lambda(e *lambdaExpr, depth int) {
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

func (p *printer) operand(e Expr, depth int) {
	if atom(e) {
		p.expr(e, depth)
		return
	}
	p.b.WriteString("(")
	p.expr(e, depth)
	p.b.WriteString(")")
}

func (p *printer) list(l listExpr, depth int) {
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

func (p *printer) attrs(a *AttrSet, depth int) {
	m := a.printed
	if m == nil || p.err != nil {
		p.attrSet(a, depth)
		return
	}
	m.mu.Lock()
	text, ok := m.text[depth]
	m.mu.Unlock()
	if ok {
		p.b.Write(text)
		return
	}
	start := p.b.Len()
	p.attrSet(a, depth)
	if p.err != nil {
		return // printed again next time, to report the same error
	}
	text = bytes.Clone(p.b.Bytes()[start:])
	m.mu.Lock()
	if m.text == nil {
		m.text = map[int][]byte{}
	}
	m.text[depth] = text
	m.mu.Unlock()
}

func (p *printer) attrSet(a *AttrSet, depth int) {
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

func (p *printer) bindings(bs []Binding, depth int) {
	for i, b := range bs {
		if b.Blank && i > 0 {
			p.b.WriteString("\n")
		}
		p.comments(b.Comments, depth)
		p.indent(depth)
		if in := b.inherit; in != nil {
			p.b.WriteString("inherit ")
			if in.from != nil {
				p.b.WriteString("(")
				p.expr(in.from, depth)
				p.b.WriteString(") ")
			}
			for j, n := range in.names {
				if j > 0 {
					p.b.WriteString(" ")
				}
				p.check("attribute name", n)
				p.b.WriteString(AttrName(n))
			}
			p.b.WriteString(";\n")
			continue
		}
		p.attrPath(b.Path)
		p.b.WriteString(" =")
		if simple(b.Value) || isContainer(b.Value) || isIndentedExpr(b.Value) || absorbs(b.Value) {
			p.b.WriteString(" ")
			p.expr(b.Value, depth)
		} else {
			p.b.WriteString("\n")
			p.indent(depth + 1)
			p.expr(b.Value, depth+1)
		}
		p.b.WriteString(";\n")
	}
}

// absorbs reports whether a call ends in a container that can start on
// the binding's line: f x { ... }.
func absorbs(e Expr) bool {
	c, ok := e.(*callExpr)
	if !ok || len(c.args) == 0 || !simple(c.fn) {
		return false
	}
	for _, a := range c.args[:len(c.args)-1] {
		if !simple(a) {
			return false
		}
	}
	last := c.args[len(c.args)-1]
	if l, ok := last.(*lambdaExpr); ok && l.arg != "" {
		return isContainer(l.body)
	}
	return isContainer(last)
}

func isIndented(s strLit) bool { return s.indent && indentedOK(s.s) }

func isIndentedExpr(e Expr) bool {
	s, ok := e.(strLit)
	return ok && isIndented(s)
}

// indented writes s as an indented string at depth.
func (p *printer) indented(s string, depth int) {
	p.check("string", s)
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
