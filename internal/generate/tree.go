package generate

import (
	"slices"
	"sync"

	"github.com/fleetdev/fleet/internal/keyindex"
	"github.com/fleetdev/fleet/internal/nix/build"
)

// tree collects attribute definitions by path, so that values fleet
// manages and pass-through values land in one attribute set without
// defining an attribute twice. Keys keep their first insertion order.
type tree struct {
	kids []kid
	// index finds a key's position once a node has many children; a few
	// are searched in order (most nodes have one or none).
	index  map[string]int
	leaves []build.Expr
	// comments are printed before the binding of this node.
	comments []string
	blank    bool
	// frozen marks a subtree shared by several hosts' trees (see freeze):
	// it never changes, child copies it before anything is added.
	frozen *frozenValue
}

// kid is a subtree and its key.
type kid struct {
	key string
	t   *tree
}

// frozenValue is the value of a frozen subtree, made once.
type frozenValue struct {
	once sync.Once
	expr build.Expr
}

// freeze marks t and everything below it frozen, so that it can be
// grafted into many trees. A subtree already frozen (one grafted from
// another memo entry) is left as it is: other hosts may be reading it.
func (t *tree) freeze() *tree {
	if t.frozen != nil {
		return t
	}
	t.frozen = &frozenValue{}
	for _, k := range t.kids {
		k.t.freeze()
	}
	return t
}

// thaw returns a copy of a frozen t that may change; its children stay
// frozen and shared.
func (t *tree) thaw() *tree {
	c := &tree{
		kids: slices.Clone(t.kids), leaves: slices.Clone(t.leaves),
		comments: t.comments, blank: t.blank,
	}
	if t.index != nil {
		c.index = make(map[string]int, len(t.index))
		for k, i := range t.index {
			c.index[k] = i
		}
	}
	return c
}

// graft puts the frozen subtree f at key: shared as it is when t has
// nothing there, merged into a copy of what t has otherwise.
func (t *tree) graft(key string, f *tree) {
	if t.find(key) < 0 {
		t.add(key, f)
		return
	}
	c := t.child(key)
	c.leaves = append(c.leaves, f.leaves...)
	for _, k := range f.kids {
		c.graft(k.key, k.t)
	}
}

func newTree() *tree { return &tree{} }

// searchedKids is the most children a node searches in order: one more,
// and it indexes their keys.
const searchedKids = 7

// child returns (creating) the subtree at key.
func (t *tree) child(key string) *tree {
	if i := t.find(key); i >= 0 {
		c := t.kids[i].t
		if c.frozen != nil {
			c = c.thaw()
			t.kids[i].t = c
		}
		return c
	}
	c := newTree()
	t.add(key, c)
	return c
}

// find returns the position of key among t's children, or -1.
func (t *tree) find(key string) int { return keyindex.Find(t.kids, t.index, key, kidKey) }

// add appends the child c at key, which t does not have.
func (t *tree) add(key string, c *tree) {
	t.kids = append(t.kids, kid{key, c})
	t.index = keyindex.Added(t.kids, t.index, searchedKids, kidKey)
}

func kidKey(k *kid) string { return k.key }

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

// setEach defines vs[k] at key keys[k] below t, as set does for each:
// the subtrees it adds are made in one allocation, their values in
// another (a host's containers are many keys of one node).
func (t *tree) setEach(keys []string, vs []build.Expr) {
	kids := make([]tree, len(keys))
	leaves := slices.Clone(vs)
	t.kids = slices.Grow(t.kids, len(keys))
	for k, key := range keys {
		if t.find(key) >= 0 {
			t.set([]string{key}, vs[k])
			continue
		}
		c := &kids[k]
		c.leaves = leaves[k : k+1 : k+1] // an append to one moves it
		t.add(key, c)
	}
}

// value renders the tree as an expression; a frozen tree's once, fixed:
// every file that holds it prints it once at each depth.
func (t *tree) value() build.Expr {
	if f := t.frozen; f != nil {
		f.once.Do(func() {
			f.expr = t.build()
			if a, ok := f.expr.(*build.AttrSet); ok {
				a.Fixed()
			}
		})
		return f.expr
	}
	return t.build()
}

func (t *tree) build() build.Expr {
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
	a := build.Attrs().Grow(len(t.kids))
	for _, k := range t.kids {
		path := []string{k.key}
		n := k.t
		comments, blank := n.comments, n.blank
		for len(n.leaves) == 0 && len(n.kids) == 1 && len(n.kids[0].t.comments) == 0 {
			path = append(path, n.kids[0].key)
			n = n.kids[0].t
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
