package generate

import (
	"testing"

	"github.com/fleetdev/fleet/internal/nix/build"
)

// TestGraft checks that a frozen subtree grafted into two trees prints
// as if each had built it, and that adding to it in one tree changes
// neither the other tree nor the frozen subtree.
func TestGraft(t *testing.T) {
	fill := func(t *tree) {
		t.set([]string{"enable"}, build.Bool(true))
		t.set([]string{"firewall", "enable"}, build.Bool(true))
		t.set([]string{"ports"}, build.List(build.Int(80), build.Int(443)))
	}
	print := func(t *tree) string {
		out, err := build.Print(t.value())
		if err != nil {
			panic(err)
		}
		return string(out)
	}
	want := newTree()
	fill(want.child("fleet").child("web"))
	frozen := newTree()
	fill(frozen)
	frozen.freeze()
	frozenText := print(frozen)

	a, b := newTree(), newTree()
	a.child("fleet").graft("web", frozen)
	b.child("fleet").graft("web", frozen)
	if got := print(a); got != print(want) {
		t.Errorf("grafted tree prints\n%s\nwant\n%s", got, print(want))
	}
	// A write below the graft in b copies what it changes.
	b.set([]string{"fleet", "web", "firewall", "extra"}, build.Str("x"))
	if got := print(a); got != print(want) {
		t.Errorf("a changed after a write into b:\n%s", got)
	}
	if got := print(frozen); got != frozenText {
		t.Errorf("the frozen subtree changed:\n%s", got)
	}
	wantB := newTree()
	fill(wantB.child("fleet").child("web"))
	wantB.set([]string{"fleet", "web", "firewall", "extra"}, build.Str("x"))
	if got := print(b); got != print(wantB) {
		t.Errorf("b prints\n%s\nwant\n%s", got, print(wantB))
	}
	// A graft onto an existing subtree merges into a copy.
	c := newTree()
	c.set([]string{"fleet", "web", "user"}, build.Str("www"))
	c.child("fleet").graft("web", frozen)
	wantC := newTree()
	wantC.set([]string{"fleet", "web", "user"}, build.Str("www"))
	fill(wantC.child("fleet").child("web"))
	if got := print(c); got != print(wantC) {
		t.Errorf("merged graft prints\n%s\nwant\n%s", got, print(wantC))
	}
	if got := print(frozen); got != frozenText {
		t.Errorf("the frozen subtree changed after a merged graft:\n%s", got)
	}
}

// TestFreezeKeepsGrafted freezes a tree holding a subtree grafted from
// another memo entry: the grafted subtree, which other hosts may be
// reading, is not frozen again (its value is made once, and its fields
// are not written).
func TestFreezeKeepsGrafted(t *testing.T) {
	inner := newTree()
	inner.set([]string{"port"}, build.Int(22))
	inner.freeze()
	was := inner.frozen
	built := inner.value()
	outer := newTree()
	outer.set([]string{"enable"}, build.Bool(true))
	outer.graft("ssh", inner)
	outer.freeze()
	if inner.frozen != was || inner.kids[0].t.frozen == nil {
		t.Fatal("freezing the outer tree froze the grafted one again")
	}
	if inner.value() != built {
		t.Error("the grafted tree's value was made a second time")
	}
	if outer.frozen == nil {
		t.Error("the outer tree is not frozen")
	}
}
