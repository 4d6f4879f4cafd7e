package generate

import "github.com/fleetdev/fleet/internal/nix/build"

// tree collects attribute definitions by path, so that values fleet
// manages and pass-through values land in one attribute set without
// defining an attribute twice. Keys keep their first insertion order.
type tree struct {
	keys   []string
	kids   map[string]*tree
	leaves []build.Expr
	// comments are printed before the binding of this node.
	comments []string
	blank    bool
}

func newTree() *tree { return &tree{kids: map[string]*tree{}} }

// child returns (creating) the subtree at key.
func (t *tree) child(key string) *tree {
	c := t.kids[key]
	if c == nil {
		c = newTree()
		t.kids[key] = c
		t.keys = append(t.keys, key)
	}
	return c
}

// at returns (creating) the subtree at path.
func (t *tree) at(path ...string) *tree {
	for _, k := range path {
		t = t.child(k)
	}
	return t
}

// set defines the value at path. A second definition of the same path is
// kept too: both are merged with lib.mkMerge.
func (t *tree) set(path []string, v build.Expr) {
	n := t.at(path...)
	n.leaves = append(n.leaves, v)
}

// value renders the tree as an expression.
func (t *tree) value() build.Expr {
	a := t.attrs()
	switch {
	case len(t.leaves) == 0:
		return a
	case len(t.leaves) == 1 && a.Len() == 0:
		return t.leaves[0]
	case a.Len() == 0 && allScalars(t.leaves):
		// A pass-through value overrides what fleet would set (a
		// hostName, a stateVersion): the later definition wins.
		return t.leaves[len(t.leaves)-1]
	}
	parts := append([]build.Expr{}, t.leaves...)
	if a.Len() > 0 {
		parts = append(parts, a)
	}
	return build.Call(build.Select(build.Var("lib"), "mkMerge"), build.List(parts...))
}

// attrs renders the children as bindings. A chain of single children
// becomes a dotted path (services.openssh.enable = true).
func (t *tree) attrs() *build.AttrSet {
	a := build.Attrs()
	for _, k := range t.keys {
		path := []string{k}
		n := t.kids[k]
		comments, blank := n.comments, n.blank
		for len(n.leaves) == 0 && len(n.keys) == 1 && len(n.kids[n.keys[0]].comments) == 0 {
			path = append(path, n.keys[0])
			n = n.kids[n.keys[0]]
		}
		a.Add(build.Binding{Path: path, Value: n.value(), Comments: comments, Blank: blank})
	}
	return a
}

func allScalars(es []build.Expr) bool {
	for _, e := range es {
		if !build.IsScalar(e) {
			return false
		}
	}
	return true
}
