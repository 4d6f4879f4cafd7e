package build

import "slices"

// Equal reports whether a and b are the same expression: they print the
// same text wherever they are printed. A let or a function is equal only
// to itself.
func Equal(a, b Expr) bool {
	switch x := a.(type) {
	case rawExpr, strLit, intLit, boolLit, nullLit, varRef, pathLit:
		return a == b
	case floatLit:
		y, ok := b.(floatLit)
		if !ok {
			return false
		}
		xs, xok := FormatFloat(float64(x))
		ys, yok := FormatFloat(float64(y))
		return xok == yok && xs == ys
	case listExpr:
		y, ok := b.(listExpr)
		return ok && slices.EqualFunc(x, y, Equal)
	case interpExpr:
		y, ok := b.(interpExpr)
		return ok && slices.EqualFunc(x, y, Equal)
	case *selectExp:
		y, ok := b.(*selectExp)
		return ok && Equal(x.x, y.x) && slices.Equal(x.path, y.path)
	case *binaryExpr:
		y, ok := b.(*binaryExpr)
		return ok && x.op == y.op && Equal(x.l, y.l) && Equal(x.r, y.r)
	case *callExpr:
		y, ok := b.(*callExpr)
		return ok && Equal(x.fn, y.fn) && slices.EqualFunc(x.args, y.args, Equal)
	case *AttrSet:
		y, ok := b.(*AttrSet)
		return ok && (x == y || x.rec == y.rec && slices.EqualFunc(x.binds, y.binds, equalBinding))
	}
	return a == b
}

func equalBinding(a, b Binding) bool {
	if a.Blank != b.Blank || !slices.Equal(a.Path, b.Path) || !slices.Equal(a.Comments, b.Comments) {
		return false
	}
	if a.inherit == nil || b.inherit == nil {
		return a.inherit == b.inherit && Equal(a.Value, b.Value)
	}
	return slices.Equal(a.inherit.names, b.inherit.names) &&
		(a.inherit.from == nil) == (b.inherit.from == nil) &&
		(a.inherit.from == nil || Equal(a.inherit.from, b.inherit.from))
}
