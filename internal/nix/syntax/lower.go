package syntax

import (
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/keyindex"
)

// The lowered form mirrors the expression classes Nix's parser builds
// (nixexpr.hh of Nix 2.8): operators desugared into calls of builtins,
// strings unescaped and stripped of indentation, attribute paths merged
// into nested sets, inherit (e) desugared into selections. It carries what
// the checks Nix makes while parsing need (duplicate attributes, dynamic
// attributes where not allowed, undefined variables), and what ShowParse
// prints.
type lexpr interface {
	show(s *shower)
}

type (
	lInt   struct{ v int64 }
	lFloat struct{ v float64 }
	lStr   struct{ s string }
	// lPath is a path literal as written; it is resolved when shown.
	lPath struct {
		text string
		home bool
	}
	lVar struct {
		name string
		off  int
	}
	lPos    struct{}
	lSelect struct {
		e    lexpr
		path []lName
		def  lexpr
	}
	// lName is an attribute name: static (sym) when dyn is nil.
	lName struct {
		sym string
		dyn lexpr
	}
	lHas struct {
		e    lexpr
		path []lName
	}
	lAttrs struct {
		rec   bool
		let   bool // the bindings of a let, shown in source order
		defs  []lDef
		dyn   []lDyn
		index map[string]int // built once defs outgrow a linear scan
	}
	lDef struct {
		name      string
		e         lexpr
		inherited bool
		off       int
	}
	lDyn struct {
		name, val lexpr
		off       int
	}
	lList   struct{ elems []lexpr }
	lLambda struct {
		arg        string
		hasFormals bool
		formals    []lFormal
		ellipsis   bool
		body       lexpr
	}
	lFormal struct {
		name string
		def  lexpr
	}
	lCall struct {
		fn   lexpr
		args []lexpr
	}
	lLet struct {
		attrs *lAttrs
		body  lexpr
	}
	lWith   struct{ env, body lexpr }
	lIf     struct{ c, t, e lexpr }
	lAssert struct{ c, b lexpr }
	lNot    struct{ e lexpr }
	lBin    struct {
		op   string
		a, b lexpr
	}
	lConcat struct{ es []lexpr }
)

const indexThreshold = 8

func (a *lAttrs) find(name string) int { return keyindex.Find(a.defs, a.index, name, defName) }

func (a *lAttrs) add(d lDef) {
	a.defs = append(a.defs, d)
	a.index = keyindex.Added(a.defs, a.index, indexThreshold, defName)
}

func defName(d *lDef) string { return d.name }

// lowerer builds the lowered form and reports the errors Nix's parser
// reports past the grammar.
type lowerer struct {
	f    *File
	errs []parseError

	vars    slab[lVar]
	strs    slab[lStr]
	ints    slab[lInt]
	calls   slab[lCall]
	selects slab[lSelect]
	attrs   slab[lAttrs]
	concats slab[lConcat]
	lists   slab[lList]
	lambdas slab[lLambda]
	exprs   pool[lexpr]
	names   pool[lName]
	defs    pool[lDef]

	pieces  []indPiece // scratch for indented strings
	scratch []byte
	spine   []Expr // the left spines being lowered (see spine)
}

// finish sorts the attributes of every set by name, the order ShowParse
// prints them in; the bindings of lets keep their source order.
func (lw *lowerer) finish() {
	lw.attrs.each(func(a *lAttrs) {
		if !a.let && !slices.IsSortedFunc(a.defs, cmpDef) {
			slices.SortFunc(a.defs, cmpDef)
		}
		a.index = nil
	})
}

// reset prepares the lowerer for the next file, reusing its memory.
func (lw *lowerer) reset(f *File) {
	lw.f = f
	lw.errs = lw.errs[:0]
	lw.vars.reset()
	lw.strs.reset()
	lw.ints.reset()
	lw.calls.reset()
	lw.selects.reset()
	lw.attrs.reset()
	lw.concats.reset()
	lw.lists.reset()
	lw.lambdas.reset()
	lw.exprs.reset()
	lw.names.reset()
	lw.defs.reset()
}

// exprSlice returns a slice of n expressions with room for c.
func (lw *lowerer) exprSlice(n, c int) []lexpr { return lw.exprs.alloc(n, c) }

func (lw *lowerer) str(s string) *lStr { return lw.strs.new(lStr{s: s}) }

func (lw *lowerer) variable(name string, off int) *lVar {
	return lw.vars.new(lVar{name: name, off: off})
}

// nameOff is the offset where an attribute name starts.
func nameOff(a *AttrName) int {
	switch {
	case a.Ident != nil:
		return a.Ident.Off
	case a.Str != nil:
		return a.Str.Open.Off
	case a.Interp != nil:
		return a.Interp.Open.Off
	}
	return 0
}

func (lw *lowerer) errorf(off int, format string, args ...any) *parseError {
	lw.errs = append(lw.errs, parseError{off: off, msg: sprintf(format, args...), relOff: -1})
	return &lw.errs[len(lw.errs)-1]
}

func (lw *lowerer) expr(e Expr) lexpr {
	switch e := e.(type) {
	case *Paren:
		return lw.expr(e.X)
	case *Ident:
		if e.Tok.Text == "__curPos" {
			return &lPos{}
		}
		return lw.variable(e.Tok.Text, e.Tok.Off)
	case *Int:
		return lw.ints.new(lInt{v: e.Value})
	case *Float:
		return &lFloat{v: e.Value}
	case *URI:
		return lw.str(e.Tok.Text)
	case *SearchPath:
		t := e.Tok.Text
		return lw.builtinCall("__findFile", lw.variable("__nixPath", -1), lw.str(t[1:len(t)-1]))
	case *Path:
		first := e.Parts[0].(*Text).Tok
		p := &lPath{text: first.Text, home: first.Kind == TokHomePath}
		if len(e.Parts) == 1 {
			return p
		}
		es := lw.exprSlice(0, len(e.Parts))
		es = append(es, p)
		for _, part := range e.Parts[1:] {
			switch part := part.(type) {
			case *Text:
				es = append(es, lw.str(part.Tok.Text))
			case *Interp:
				es = append(es, lw.expr(part.X))
			}
		}
		return lw.concats.new(lConcat{es: es})
	case *String:
		if e.Open.Kind == TokQuote {
			return lw.dqStr(e)
		}
		return lw.indStr(e)
	case *List:
		l := lw.lists.new(lList{elems: lw.exprSlice(len(e.Elems), len(e.Elems))})
		for i, x := range e.Elems {
			l.elems[i] = lw.expr(x)
		}
		return l
	case *AttrSet:
		return lw.binds(e.Binds, e.RecTok != nil)
	case *LegacyLet:
		a := lw.binds(e.Binds, true)
		return lw.selects.new(lSelect{e: a, path: []lName{{sym: "body"}}})
	case *Let:
		a := lw.binds(e.Binds, false)
		a.let = true
		if len(a.dyn) > 0 {
			lw.errorf(e.LetTok.Off, "dynamic attributes not allowed in let")
		}
		return &lLet{attrs: a, body: lw.expr(e.Body)}
	case *Select:
		s := lw.selects.new(lSelect{e: lw.expr(e.X), path: lw.path(e.Path)})
		if e.Default != nil {
			s.def = lw.expr(e.Default)
		}
		return s
	case *HasAttr, *Apply, *Binary:
		return lw.spineExpr(e)
	case *Unary:
		if e.Op.Kind == TokNot {
			return &lNot{e: lw.expr(e.X)}
		}
		return lw.builtinCall("__sub", lw.ints.new(lInt{v: 0}), lw.expr(e.X))
	case *If:
		return &lIf{c: lw.expr(e.Cond), t: lw.expr(e.Then), e: lw.expr(e.Else)}
	case *With:
		return &lWith{env: lw.expr(e.Env), body: lw.expr(e.Body)}
	case *Assert:
		return &lAssert{c: lw.expr(e.Cond), b: lw.expr(e.Body)}
	case *Lambda:
		return lw.lambda(e)
	}
	// *Error: only lowered when there are no syntax errors.
	return &lVar{name: "<error>", off: -1}
}

// leftChild returns the first operand of an operator or application: the
// child a long chain of them (1 + 1 + ..., f a b c ...) nests in.
func leftChild(e Expr) (Expr, bool) {
	switch e := e.(type) {
	case *Binary:
		return e.X, true
	case *HasAttr:
		return e.X, true
	case *Apply:
		return e.Fn, true
	}
	return nil, false
}

// spineExpr lowers a chain of operators and applications without
// recursing along it: the chain's nodes go on a stack, the innermost
// operand is lowered first, and each node then takes the result as its
// first operand. Their other operands nest only as deep as the parser
// allows.
func (lw *lowerer) spineExpr(e Expr) lexpr {
	mark := len(lw.spine)
	for {
		l, ok := leftChild(e)
		if !ok {
			break
		}
		lw.spine = append(lw.spine, e)
		e = l
	}
	acc := lw.expr(e)
	for i := len(lw.spine) - 1; i >= mark; i-- {
		switch n := lw.spine[i].(type) {
		case *Binary:
			acc = lw.binary(n, acc, lw.expr(n.Y))
		case *HasAttr:
			acc = &lHas{e: acc, path: lw.path(n.Path)}
		case *Apply:
			if id, ok := n.Arg.(*Ident); ok && id.Tok.Kind == TokOr {
				// "f or": a new call, even when f is a call.
				acc = lw.calls.new(lCall{fn: acc, args: append(lw.exprSlice(0, 2), lw.variable("or", id.Tok.Off))})
			} else {
				acc = lw.call(acc, lw.expr(n.Arg))
			}
		}
	}
	clear(lw.spine[mark:])
	lw.spine = lw.spine[:mark]
	return acc
}

// call applies fn to arg as Nix's expr_app does: arguments are appended to
// a call already there, so (f a) b is one call.
func (lw *lowerer) call(fn, arg lexpr) lexpr {
	if c, ok := fn.(*lCall); ok {
		c.args = append(c.args, arg)
		return c
	}
	return lw.calls.new(lCall{fn: fn, args: append(lw.exprSlice(0, 2), arg)})
}

func (lw *lowerer) builtinCall(name string, a, b lexpr) *lCall {
	return lw.calls.new(lCall{fn: lw.variable(name, -1), args: append(lw.exprSlice(0, 2), a, b)})
}

// binary lowers the operator of e applied to x and y, its lowered
// operands.
func (lw *lowerer) binary(e *Binary, x, y lexpr) lexpr {
	switch e.Op.Kind {
	case TokPlus:
		return lw.concats.new(lConcat{es: append(lw.exprSlice(0, 2), x, y)})
	case TokMinus:
		return lw.builtinCall("__sub", x, y)
	case TokStar:
		return lw.builtinCall("__mul", x, y)
	case TokSlash:
		return lw.builtinCall("__div", x, y)
	case TokLess:
		return lw.builtinCall("__lessThan", x, y)
	case TokGreater:
		return lw.builtinCall("__lessThan", y, x)
	case TokLeq:
		return &lNot{e: lw.builtinCall("__lessThan", y, x)}
	case TokGeq:
		return &lNot{e: lw.builtinCall("__lessThan", x, y)}
	case TokPipeRight:
		return lw.call(y, x)
	case TokPipeLeft:
		return lw.call(x, y)
	}
	return &lBin{op: e.Op.Text, a: x, b: y}
}

// dqStr lowers a double-quoted string.
func (lw *lowerer) dqStr(e *String) lexpr {
	switch {
	case len(e.Parts) == 0:
		return lw.str("")
	case len(e.Parts) == 1:
		if t, ok := e.Parts[0].(*Text); ok {
			return lw.str(unescape(t.Tok.Text))
		}
	}
	es := lw.exprSlice(len(e.Parts), len(e.Parts))
	for i, part := range e.Parts {
		switch part := part.(type) {
		case *Text:
			es[i] = lw.str(unescape(part.Tok.Text))
		case *Interp:
			es[i] = lw.expr(part.X)
		}
	}
	return lw.concats.new(lConcat{es: es})
}

// unescape decodes the escapes of a string as Nix's unescapeStr does: \n,
// \r and \t, \X for any other X, and raw CR and CR LF become LF. Like Nix
// it stops at a NUL byte.
func unescape(s string) string {
	if !strings.ContainsAny(s, "\\\r\x00") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 0:
			return b.String()
		case '\\':
			i++
			if i >= len(s) {
				return b.String()
			}
			switch c = s[i]; c {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(c)
			}
		case '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// indPiece is a piece of an indented string before indentation is
// stripped: text (a StringToken in Nix) or an interpolated expression.
// Only plain text runs have indentation; the pieces for the escapes of a
// dollar or of two quotes, a lone dollar or quote, and the character
// escapes do not take part in measuring it.
type indPiece struct {
	text     string
	isText   bool
	indented bool
	x        lexpr // interpolated expression when !isText
}

// indStr lowers an indented string, stripping indentation exactly as Nix
// 2.8's stripIndentation does.
func (lw *lowerer) indStr(e *String) lexpr {
	if len(e.Parts) == 0 {
		return lw.str("")
	}
	// The pieces go on a stack shared with the indented strings nested
	// in interpolations, which push above this mark and pop back.
	mark := len(lw.pieces)
	for _, part := range e.Parts {
		var piece indPiece
		switch part := part.(type) {
		case *Text:
			t := part.Tok.Text
			switch {
			case part.Tok.Kind == TokIndEsc:
				piece = indPiece{text: unescape(t[2:]), isText: true}
			case t == "''$", t == "$":
				piece = indPiece{text: "$", isText: true}
			case t == "'''":
				piece = indPiece{text: "''", isText: true}
			case t == "'":
				piece = indPiece{text: "'", isText: true}
			default:
				piece = indPiece{text: t, isText: true, indented: true}
			}
		case *Interp:
			piece = indPiece{x: lw.expr(part.X)}
		}
		lw.pieces = append(lw.pieces, piece)
	}
	pieces := lw.pieces[mark:]

	// The minimum indentation over lines with text; whitespace-only lines
	// don't count; interpolations and the pieces without indentation end
	// a line's leading whitespace.
	atStart := true
	minIndent := 1000000
	cur := 0
	for _, p := range pieces {
		if !p.indented {
			if atStart {
				atStart = false
				minIndent = min(minIndent, cur)
			}
			continue
		}
		t := p.text
		for j := 0; j < len(t); {
			if !atStart {
				k := strings.IndexByte(t[j:], '\n')
				if k < 0 {
					break
				}
				j += k + 1
				atStart, cur = true, 0
				continue
			}
			switch t[j] {
			case ' ':
				cur++
			case '\n':
				cur = 0
			default:
				atStart = false
				minIndent = min(minIndent, cur)
			}
			j++
		}
	}

	// Strip that many spaces from each line; every text piece takes part.
	es := lw.exprSlice(0, len(pieces))
	atStart = true
	dropped := 0
	for i, p := range pieces {
		if !p.isText {
			atStart = false
			dropped = 0
			es = append(es, p.x)
			continue
		}
		// Until the first dropped space (copied) the output is the
		// text itself.
		t := p.text
		var b []byte
		copied := false
		for j := 0; j < len(t); {
			if !atStart {
				end := len(t)
				if k := strings.IndexByte(t[j:], '\n'); k >= 0 {
					end = j + k + 1
					atStart = true
				}
				if copied {
					b = append(b, t[j:end]...)
				}
				j = end
				continue
			}
			c := t[j]
			keep := true
			switch c {
			case ' ':
				keep = dropped >= minIndent
				dropped++
			case '\n':
				dropped = 0
			default:
				atStart = false
				dropped = 0
			}
			switch {
			case keep && copied:
				b = append(b, c)
			case !keep && !copied:
				b = append(lw.scratch[:0], t[:j]...)
				copied = true
			}
			j++
		}
		s := t
		if copied {
			s = string(b)
			lw.scratch = b
		}
		// Drop the last line when it holds only spaces.
		if i == len(pieces)-1 {
			if nl := strings.LastIndexByte(s, '\n'); nl >= 0 && strings.Trim(s[nl+1:], " ") == "" {
				s = s[:nl+1]
			}
		}
		es = append(es, lw.str(s))
	}
	clear(lw.pieces[mark:])
	lw.pieces = lw.pieces[:mark]
	if len(es) == 1 {
		if s, ok := es[0].(*lStr); ok {
			return s
		}
	}
	return lw.concats.new(lConcat{es: es})
}

// path lowers an attribute path; constant names are static.
func (lw *lowerer) path(ap *AttrPath) []lName {
	names := lw.names.alloc(len(ap.Names), len(ap.Names))
	for i, a := range ap.Names {
		names[i] = lw.name(a)
	}
	return names
}

func (lw *lowerer) name(a *AttrName) lName {
	var x lexpr
	switch {
	case a.Ident != nil:
		return lName{sym: a.Ident.Text}
	case a.Str != nil:
		x = lw.expr(a.Str)
	case a.Interp != nil:
		x = lw.expr(a.Interp.X)
	}
	if s, ok := x.(*lStr); ok {
		return lName{sym: s.s}
	}
	return lName{dyn: x}
}

// binds lowers the bindings of a set or let, merging attribute paths as
// Nix's addAttr does.
func (lw *lowerer) binds(binds []Binding, rec bool) *lAttrs {
	a := lw.attrs.new(lAttrs{rec: rec, defs: lw.defs.alloc(0, len(binds))})
	for _, b := range binds {
		switch b := b.(type) {
		case *Assign:
			lw.addAttr(a, lw.path(b.Path), lw.expr(b.Value), b.Path.Names[0])
		case *Inherit:
			var from lexpr
			if b.From != nil {
				from = lw.expr(b.From)
			}
			for _, n := range b.Names {
				name := lw.name(n)
				off := nameOff(n)
				if name.dyn != nil {
					lw.errorf(off, "dynamic attributes not allowed in inherit")
					continue
				}
				if j := a.find(name.sym); j >= 0 {
					lw.dup(showAttrPath([]lName{name}), off, a.defs[j].off)
					continue
				}
				if from == nil {
					a.add(lDef{name: name.sym, e: lw.variable(name.sym, off), inherited: true, off: off})
				} else {
					a.add(lDef{name: name.sym, e: lw.selects.new(lSelect{e: from, path: append(lw.names.alloc(0, 1), name)}), off: off})
				}
			}
		}
	}
	return a
}

func (lw *lowerer) dup(path string, off, prev int) {
	e := lw.errorf(off, "attribute '%s' already defined", path)
	e.relOff, e.relMsg = prev, "first defined here"
}

func (lw *lowerer) addAttr(attrs *lAttrs, path []lName, e lexpr, first *AttrName) {
	off := nameOff(first)
	for _, n := range path[:len(path)-1] {
		if n.dyn != nil {
			nested := lw.attrs.new(lAttrs{defs: lw.defs.alloc(0, 4)})
			attrs.dyn = append(attrs.dyn, lDyn{name: n.dyn, val: nested, off: off})
			attrs = nested
			continue
		}
		j := attrs.find(n.sym)
		if j < 0 {
			nested := lw.attrs.new(lAttrs{defs: lw.defs.alloc(0, 4)})
			attrs.add(lDef{name: n.sym, e: nested, off: off})
			attrs = nested
			continue
		}
		d := &attrs.defs[j]
		nested, ok := d.e.(*lAttrs)
		if d.inherited || !ok {
			lw.dup(showAttrPath(path), off, d.off)
			return
		}
		attrs = nested
	}
	last := path[len(path)-1]
	if last.dyn != nil {
		attrs.dyn = append(attrs.dyn, lDyn{name: last.dyn, val: e, off: off})
		return
	}
	j := attrs.find(last.sym)
	if j < 0 {
		attrs.add(lDef{name: last.sym, e: e, off: off})
		return
	}
	// Two attribute sets under one name merge: their static attributes
	// are added to the first (dynamic ones and rec are dropped, as in
	// Nix 2.8).
	ae, ok1 := e.(*lAttrs)
	jAttrs, ok2 := attrs.defs[j].e.(*lAttrs)
	if !ok1 || !ok2 {
		lw.dup(showAttrPath(path), off, attrs.defs[j].off)
		return
	}
	for _, ad := range ae.defs {
		if k := jAttrs.find(ad.name); k >= 0 {
			lw.dup(showAttrPath([]lName{{sym: ad.name}}), ad.off, jAttrs.defs[k].off)
			continue
		}
		jAttrs.add(ad)
	}
}

func (lw *lowerer) lambda(e *Lambda) lexpr {
	l := lw.lambdas.new(lLambda{})
	if e.Arg != nil {
		l.arg = e.Arg.Text
	}
	if e.Formals != nil {
		l.hasFormals = true
		l.ellipsis = e.Formals.Ellipsis != nil
		seen := make(map[string]bool, len(e.Formals.Items))
		for _, it := range e.Formals.Items {
			name := it.Name.Text
			if seen[name] {
				lw.errorf(it.Name.Off, "duplicate formal function argument '%s'", name)
				continue
			}
			seen[name] = true
			f := lFormal{name: name}
			if it.Default != nil {
				f.def = lw.expr(it.Default)
			}
			l.formals = append(l.formals, f)
		}
		if e.Arg != nil && seen[l.arg] {
			lw.errorf(FirstToken(e).Off, "duplicate formal function argument '%s'", l.arg)
		}
	}
	l.body = lw.expr(e.Body)
	return l
}
