package generate

import "github.com/fleetdev/fleet/internal/nix/build"

// tree collects attribute definitions by path, so that values fleet
// manages and pass-through values land in one attribute set without
// defining an attribute twice. Keys keep their first insertion order.
type tree struct {
	keys []string
	kids []*tree // kids[i] is the subtree at keys[i]
	// index finds a key's position once a node has many children; a few
	// are searched in order (most nodes have one or none).
	index  map[string]int
	leaves []build.Expr
	// comments are printed before the binding of this node.
	comments []string
	blank    bool
}

func newTree() *tree { return &tree{} }

// indexFrom is the number of children from which a node indexes its keys.
const indexFrom = 8

// child returns (creating) the subtree at key.
func (t *tree) child(key string) *tree {
	if t.index != nil {
		if i, ok := t.index[key]; ok {
			return t.kids[i]
		}
	} else {
		for i, k := range t.keys {
			if k == key {
				return t.kids[i]
			}
		}
	}
	c := newTree()
	t.keys = append(t.keys, key)
	t.kids = append(t.kids, c)
	switch {
	case t.index != nil:
		t.index[key] = len(t.keys) - 1
	case len(t.keys) >= indexFrom:
		t.index = make(map[string]int, 2*len(t.keys))
		for i, k := range t.keys {
			t.index[k] = i
		}
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
	a := build.Attrs().Grow(len(t.keys))
	for i, k := range t.keys {
		path := []string{k}
		n := t.kids[i]
		comments, blank := n.comments, n.blank
		for len(n.leaves) == 0 && len(n.keys) == 1 && len(n.kids[0].comments) == 0 {
			path = append(path, n.keys[0])
			n = n.kids[0]
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
