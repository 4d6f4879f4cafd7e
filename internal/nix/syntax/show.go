package syntax

import (
	"path"
	"strconv"
	"strings"
)

// ShowOptions say how ShowParse resolves path literals, which Nix 2.8 does
// while parsing.
type ShowOptions struct {
	// Dir is the absolute directory relative paths are resolved against:
	// the directory of the file (after following symlinks), or the working
	// directory for standard input and -E.
	Dir string
	// Home replaces the ~ of ~/ paths ($HOME).
	Home string
}

// ShowParse renders the file's expression exactly as `nix-instantiate
// --parse` of Nix 2.8 prints it (Nix's Expr::show), without the trailing
// newline: operators desugared into builtin calls, attribute sets sorted,
// paths resolved, strings unescaped and printed with Nix's escapes, floats
// with six significant digits. Let bindings and lambda formals are printed
// in source order, where Nix 2.8 uses the order of its symbol table.
//
// ShowParse returns "" when the file has syntax errors (see Parse); it does
// not check for undefined variables (see CheckScope).
func (f *File) ShowParse(opts ShowOptions) string {
	return string(f.AppendShowParse(make([]byte, 0, len(f.src)+len(f.src)/2), opts))
}

// AppendShowParse appends the output of ShowParse to dst and returns the
// extended buffer.
func (f *File) AppendShowParse(dst []byte, opts ShowOptions) []byte {
	if f.low == nil {
		return dst
	}
	s := &shower{dir: opts.Dir, home: opts.Home, b: dst}
	f.low.show(s)
	return s.b
}

type shower struct {
	b     []byte
	dir   string
	home  string
	links []link // the chains being printed (see chain)
}

// link is a node of a chain of operators being printed: the node and
// the index of the child the chain continues in (-1: a call's function).
type link struct {
	e lexpr
	k int
}

// isChain reports whether e is an operator or call, a node long chains
// are made of.
func isChain(e lexpr) bool {
	switch e.(type) {
	case *lBin, *lConcat, *lCall, *lHas:
		return true
	}
	return false
}

// next returns the child of a chain node the chain continues in: the
// first child printed that is itself a chain node, or -2 when none is.
func next(e lexpr) (lexpr, int) {
	switch x := e.(type) {
	case *lBin:
		if isChain(x.a) {
			return x.a, 0
		}
	case *lHas:
		if isChain(x.e) {
			return x.e, 0
		}
	case *lConcat:
		for i, y := range x.es {
			if isChain(y) {
				return y, i
			}
		}
	case *lCall:
		if isChain(x.fn) {
			return x.fn, -1
		}
		for i, y := range x.args {
			if isChain(y) {
				return y, i
			}
		}
	}
	return nil, -2
}

// chain prints a chain of operators and calls (1 + 1 + ..., a lowered
// long operator chain) without recursing along it: what each node prints
// before the child the chain continues in, from the outside in, then the
// innermost node, then what each prints after that child, from the inside
// out. Other children nest only as deep as the parser allows.
func (s *shower) chain(e lexpr) {
	mark := len(s.links)
	for {
		c, k := next(e)
		if k == -2 {
			break
		}
		s.links = append(s.links, link{e, k})
		s.before(e, k)
		e = c
	}
	s.before(e, len(children(e)))
	for i := len(s.links) - 1; i >= mark; i-- {
		s.after(s.links[i].e, s.links[i].k)
	}
	s.links = s.links[:mark]
}

// children lists a chain node's children in print order (a call's
// function first).
func children(e lexpr) []lexpr {
	switch x := e.(type) {
	case *lBin:
		return []lexpr{x.a, x.b}
	case *lHas:
		return []lexpr{x.e}
	case *lConcat:
		return x.es
	case *lCall:
		return append([]lexpr{x.fn}, x.args...)
	}
	return nil
}

// before prints a chain node up to its child k (its whole self when k is
// the number of children); after prints the rest.
func (s *shower) before(e lexpr, k int) {
	switch x := e.(type) {
	case *lBin:
		s.b = append(s.b, '(')
		if k > 0 {
			x.a.show(s)
			s.binOp(x)
			if k > 1 {
				x.b.show(s)
				s.b = append(s.b, ')')
			}
		}
	case *lHas:
		s.str("((")
		if k > 0 {
			x.e.show(s)
			s.hasPath(x)
		}
	case *lConcat:
		s.b = append(s.b, '(')
		for i := 0; i < min(k, len(x.es)); i++ {
			if i > 0 {
				s.str(" + ")
			}
			x.es[i].show(s)
		}
		if k > 0 && k < len(x.es) {
			s.str(" + ")
		}
		if k >= len(x.es) {
			s.b = append(s.b, ')')
		}
	case *lCall:
		// k is -1 for the function, i for args[i]; as a count of
		// children printed first, k+1.
		n := k + 1
		all := n >= 1+len(x.args)
		s.b = append(s.b, '(')
		if n > 0 {
			x.fn.show(s)
			for _, a := range x.args[:min(n-1, len(x.args))] {
				s.b = append(s.b, ' ')
				a.show(s)
			}
			if !all {
				s.b = append(s.b, ' ')
			}
		}
		if all {
			s.b = append(s.b, ')')
		}
	default:
		e.show(s)
	}
}

func (s *shower) after(e lexpr, k int) {
	switch x := e.(type) {
	case *lBin:
		if k == 0 {
			s.binOp(x)
			x.b.show(s)
		}
		s.b = append(s.b, ')')
	case *lHas:
		s.hasPath(x)
	case *lConcat:
		for _, y := range x.es[k+1:] {
			s.str(" + ")
			y.show(s)
		}
		s.b = append(s.b, ')')
	case *lCall:
		for _, a := range x.args[k+1:] {
			s.b = append(s.b, ' ')
			a.show(s)
		}
		s.b = append(s.b, ')')
	}
}

func (s *shower) binOp(x *lBin) {
	s.b = append(s.b, ' ')
	s.str(x.op)
	s.b = append(s.b, ' ')
}

func (s *shower) hasPath(x *lHas) {
	s.str(") ? ")
	s.attrPath(x.path)
	s.b = append(s.b, ')')
}

func (s *shower) str(x string) { s.b = append(s.b, x...) }

// quoted writes x as a Nix string literal, escaping as Nix's showString.
func (s *shower) quoted(x string) {
	s.b = append(s.b, '"')
	start := 0
	for i := 0; i < len(x); i++ {
		var esc byte
		switch c := x[i]; c {
		case '"', '\\', '$':
			esc = c
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\t':
			esc = 't'
		default:
			continue
		}
		s.b = append(s.b, x[start:i]...)
		s.b = append(s.b, '\\', esc)
		start = i + 1
	}
	s.b = append(s.b, x[start:]...)
	s.b = append(s.b, '"')
}

// ident writes a symbol as Nix's printIdentifier: bare when it is a valid
// identifier other than "if", quoted otherwise.
func (s *shower) ident(x string) {
	switch {
	case x == "":
		s.str(`""`)
		return
	case x == "if":
		s.str(`"if"`)
		return
	}
	if !isIDStart(x[0]) {
		s.quoted(x)
		return
	}
	for i := 1; i < len(x); i++ {
		if !isIDChar(x[i]) {
			s.quoted(x)
			return
		}
	}
	s.str(x)
}

func (s *shower) attrPath(path []lName) {
	for i, n := range path {
		if i > 0 {
			s.b = append(s.b, '.')
		}
		if n.dyn == nil {
			s.ident(n.sym)
		} else {
			s.str(`"${`)
			n.dyn.show(s)
			s.str(`}"`)
		}
	}
}

// showAttrPath renders an attribute path for error messages.
func showAttrPath(path []lName) string {
	s := &shower{}
	s.attrPath(path)
	return string(s.b)
}

func (e *lInt) show(s *shower) { s.b = strconv.AppendInt(s.b, e.v, 10) }

// show prints a float as C++'s ostream does by default: %g with six
// significant digits.
func (e *lFloat) show(s *shower) { s.b = strconv.AppendFloat(s.b, e.v, 'g', 6, 64) }

func (e *lStr) show(s *shower) { s.quoted(e.s) }

func (e *lPath) show(s *shower) {
	if e.home {
		s.str(s.home)
		s.str(e.text[1:])
		return
	}
	p := e.text
	if p[0] != '/' {
		p = s.dir + "/" + p
	}
	p = path.Clean(p)
	s.str(p)
	// A first piece ending in / (before an interpolation) keeps it.
	if len(e.text) > 1 && e.text[len(e.text)-1] == '/' {
		s.b = append(s.b, '/')
	}
}

func (e *lVar) show(s *shower) { s.ident(e.name) }

func (*lPos) show(s *shower) { s.str("__curPos") }

func (e *lSelect) show(s *shower) {
	s.b = append(s.b, '(')
	e.e.show(s)
	s.str(").")
	s.attrPath(e.path)
	if e.def != nil {
		s.str(" or (")
		e.def.show(s)
		s.b = append(s.b, ')')
	}
}

func (e *lHas) show(s *shower) { s.chain(e) }

func (e *lAttrs) show(s *shower) {
	if e.rec {
		s.str("rec ")
	}
	s.str("{ ")
	// Sorted by name when lowering finished.
	for i := range e.defs {
		d := &e.defs[i]
		if d.inherited {
			s.str("inherit ")
			s.ident(d.name)
			s.str(" ; ")
			continue
		}
		s.ident(d.name)
		s.str(" = ")
		d.e.show(s)
		s.str("; ")
	}
	for _, d := range e.dyn {
		s.str(`"${`)
		d.name.show(s)
		s.str(`}" = `)
		d.val.show(s)
		s.str("; ")
	}
	s.b = append(s.b, '}')
}

func cmpDef(a, b lDef) int { return strings.Compare(a.name, b.name) }

func (e *lList) show(s *shower) {
	s.str("[ ")
	for _, x := range e.elems {
		s.b = append(s.b, '(')
		x.show(s)
		s.str(") ")
	}
	s.b = append(s.b, ']')
}

func (e *lLambda) show(s *shower) {
	s.b = append(s.b, '(')
	if e.hasFormals {
		s.str("{ ")
		for i, f := range e.formals {
			if i > 0 {
				s.str(", ")
			}
			s.ident(f.name)
			if f.def != nil {
				s.str(" ? ")
				f.def.show(s)
			}
		}
		if e.ellipsis {
			if len(e.formals) > 0 {
				s.str(", ")
			}
			s.str("...")
		}
		s.str(" }")
		if e.arg != "" {
			s.str(" @ ")
			s.ident(e.arg)
		}
		s.str(": ")
	} else {
		s.ident(e.arg)
		s.str(": ")
	}
	e.body.show(s)
	s.b = append(s.b, ')')
}

func (e *lCall) show(s *shower) { s.chain(e) }

func (e *lLet) show(s *shower) {
	s.str("(let ")
	for i := range e.attrs.defs {
		d := &e.attrs.defs[i]
		if d.inherited {
			s.str("inherit ")
			s.ident(d.name)
			s.str("; ")
			continue
		}
		s.ident(d.name)
		s.str(" = ")
		d.e.show(s)
		s.str("; ")
	}
	s.str("in ")
	e.body.show(s)
	s.b = append(s.b, ')')
}

func (e *lWith) show(s *shower) {
	s.str("(with ")
	e.env.show(s)
	s.str("; ")
	e.body.show(s)
	s.b = append(s.b, ')')
}

func (e *lIf) show(s *shower) {
	s.str("(if ")
	e.c.show(s)
	s.str(" then ")
	e.t.show(s)
	s.str(" else ")
	e.e.show(s)
	s.b = append(s.b, ')')
}

func (e *lAssert) show(s *shower) {
	s.str("assert ")
	e.c.show(s)
	s.str("; ")
	e.b.show(s)
}

func (e *lNot) show(s *shower) {
	s.str("(! ")
	e.e.show(s)
	s.b = append(s.b, ')')
}

func (e *lBin) show(s *shower) { s.chain(e) }

func (e *lConcat) show(s *shower) { s.chain(e) }
