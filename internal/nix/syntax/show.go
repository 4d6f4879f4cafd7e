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
	b    []byte
	dir  string
	home string
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

func (e *lHas) show(s *shower) {
	s.str("((")
	e.e.show(s)
	s.str(") ? ")
	s.attrPath(e.path)
	s.b = append(s.b, ')')
}

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

func (e *lCall) show(s *shower) {
	s.b = append(s.b, '(')
	e.fn.show(s)
	for _, a := range e.args {
		s.b = append(s.b, ' ')
		a.show(s)
	}
	s.b = append(s.b, ')')
}

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

func (e *lBin) show(s *shower) {
	s.b = append(s.b, '(')
	e.a.show(s)
	s.b = append(s.b, ' ')
	s.str(e.op)
	s.b = append(s.b, ' ')
	e.b.show(s)
	s.b = append(s.b, ')')
}

func (e *lConcat) show(s *shower) {
	s.b = append(s.b, '(')
	for i, x := range e.es {
		if i > 0 {
			s.str(" + ")
		}
		x.show(s)
	}
	s.b = append(s.b, ')')
}
