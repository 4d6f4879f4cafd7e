package options

import (
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Assigned is one option path a module's config sets.
type Assigned struct {
	Path []string
	// Pos is where the path is written (its first name); NamePos where
	// each of its names is.
	Pos     diag.Pos
	NamePos []diag.Pos
}

// Assignments lists the option paths a module's config assigns, in source
// order, a set's own path before the paths inside it: config = { ... },
// config.a.b = ..., or the whole module when it declares neither options
// nor config. lib.mkIf, mkMerge, mkDefault, mkForce, mkOverride, mkBefore,
// mkAfter, mkOrder and // are looked through; names that are computed end
// the walk there.
func Assignments(filename string, src []byte) ([]Assigned, []diag.Diagnostic) {
	f, ds := syntax.Parse(filename, src)
	if f.Expr == nil {
		return nil, ds
	}
	w := &assignWalker{f: f}
	e := unwrap(f.Expr)
	if l, ok := e.(*syntax.Lambda); ok {
		e = unwrap(l.Body)
	}
	set, ok := e.(*syntax.AttrSet)
	if !ok {
		return nil, ds
	}
	explicit := false
	for _, b := range set.Binds {
		if a, ok := b.(*syntax.Assign); ok {
			if p, ok := staticPath(a.Path); ok && len(p) > 0 && (p[0] == "config" || p[0] == "options") {
				explicit = true
			}
		}
	}
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok {
			continue
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) == 0 {
			continue
		}
		switch {
		case explicit && p[0] == "config":
			if len(p) == 1 {
				w.body(a.Value, nil, nil)
			} else {
				w.assign(p[1:], a, 1, nil, nil)
			}
		case !explicit && !moduleKey(p[0]):
			w.assign(p, a, 0, nil, nil)
		}
	}
	return w.out, ds
}

// moduleKey reports whether a module's top-level name is the module
// system's own rather than config.
func moduleKey(name string) bool {
	switch name {
	case "imports", "_file", "key", "disabledModules", "_class", "freeformType", "options", "config":
		return true
	}
	return false
}

type assignWalker struct {
	f     *syntax.File
	out   []Assigned
	depth int
}

// assign records the path of an assignment (its names from skip on)
// below prefix, and walks its value.
func (w *assignWalker) assign(p []string, a *syntax.Assign, skip int, prefix []string, prePos []diag.Pos) {
	full := append(append([]string(nil), prefix...), p...)
	pos := append([]diag.Pos(nil), prePos...)
	for _, n := range a.Path.Names[skip:] {
		pos = append(pos, w.f.NodePos(n))
	}
	w.out = append(w.out, Assigned{Path: full, Pos: w.f.NodePos(a.Path.Names[skip]), NamePos: pos})
	w.body(a.Value, full, pos)
}

// body walks a value assigned at prefix when it is a set of assignments.
func (w *assignWalker) body(e syntax.Expr, prefix []string, prePos []diag.Pos) {
	if e == nil || w.depth > maxFollow {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	switch v := unwrap(e).(type) {
	case *syntax.AttrSet:
		for _, b := range v.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				continue
			}
			p, ok := staticPath(a.Path)
			if !ok || len(p) == 0 {
				continue
			}
			w.assign(p, a, 0, prefix, prePos)
		}
	case *syntax.Binary:
		if v.Op.Text == "//" {
			w.body(v.X, prefix, prePos)
			w.body(v.Y, prefix, prePos)
		}
	case *syntax.Apply:
		name, _, args := call(v)
		switch name {
		case "mkIf", "mkDefault", "mkForce", "mkOverride", "mkBefore", "mkAfter", "mkOrder", "mkOptionDefault", "mkImageMediaOverride", "mkVMOverride":
			if len(args) > 0 {
				w.body(args[len(args)-1], prefix, prePos)
			}
		case "mkMerge":
			if len(args) == 1 {
				if l, ok := unwrap(args[0]).(*syntax.List); ok {
					for _, el := range l.Elems {
						w.body(el, prefix, prePos)
					}
				}
			}
		}
	}
}
