package build

import (
	"math"
	"testing"
)

// TestEqual holds Equal to printing: expressions it calls equal print
// the same, and each pair it calls different prints differently.
func TestEqual(t *testing.T) {
	nan, _ := Float(math.NaN())
	one, _ := Float(1)
	oneAgain, _ := Float(1.0)
	set := func(v Expr) *AttrSet { return Attrs().Set("a", v).SetPath([]string{"b", "c"}, List(Str("x"), Int(2))) }
	same := [][2]Expr{
		{Str("a"), Str("a")},
		{Int(3), Int(3)},
		{one, oneAgain},
		{List(Str("a"), Bool(true)), List(Str("a"), Bool(true))},
		{set(Null()), set(Null())},
		{Select(Var("catalog"), "app-00"), Select(Var("catalog"), "app-00")},
		{Binary(Select(Var("c"), "x"), "//", set(Int(1))), Binary(Select(Var("c"), "x"), "//", set(Int(1)))},
		{Interp(Str("A="), Select(Var("config"), "x"), Str("\n")), Interp(Str("A="), Select(Var("config"), "x"), Str("\n"))},
		{Call(Var("import"), Path("./a.nix")), Call(Var("import"), Path("./a.nix"))},
		{Attrs().Inherit("a"), Attrs().Inherit("a")},
	}
	different := [][2]Expr{
		{Str("a"), Str("b")},
		{Str("a"), Quoted("a")},
		{Int(1), one},
		{nan, one},
		{List(Str("a")), List(Str("a"), Str("a"))},
		{set(Int(1)), set(Int(2))},
		{Attrs().Set("a", Int(1)), RecAttrs().Set("a", Int(1))},
		{Attrs().Add(Binding{Path: []string{"a"}, Value: Int(1), Comments: []string{"x"}}), Attrs().Set("a", Int(1))},
		{Select(Var("catalog"), "a"), Select(Var("catalog"), "b")},
		{Binary(Var("a"), "//", Var("b")), Binary(Var("a"), "++", Var("b"))},
		{Attrs().Inherit("a"), Attrs().InheritFrom(Var("x"), "a")},
		{Func([]string{"x"}, Var("x")), Func([]string{"x"}, Var("x"))},
	}
	for _, p := range same {
		if !Equal(p[0], p[1]) {
			t.Errorf("Equal(%s, %s) = false", text(t, p[0]), text(t, p[1]))
		}
		if text(t, p[0]) != text(t, p[1]) {
			t.Errorf("equal expressions print differently: %s and %s", text(t, p[0]), text(t, p[1]))
		}
	}
	for _, p := range different {
		if Equal(p[0], p[1]) {
			t.Errorf("Equal(%s, %s) = true", text(t, p[0]), text(t, p[1]))
		}
	}
}

func text(t *testing.T, e Expr) string {
	b, err := Print(e)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}
