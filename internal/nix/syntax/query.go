package syntax

import (
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Definition is one attribute defined in a set, with the sets it is
// nested in flattened into its path: in { services.nginx = { enable =
// true; }; } the definition of services.nginx.enable.
type Definition struct {
	// Path is the full attribute path. A computed name (${...} or a string
	// with interpolation) appears as its source text; Dynamic says so.
	Path    []string
	Dynamic bool
	// Pos is where the definition's own attribute path starts (at enable
	// in the example), for pointing at it.
	Pos diag.Pos
	// Assign is the binding that defines the attribute, or nil for an
	// inherited one.
	Assign *Assign
	// Inherit is the inherit that defines the attribute, or nil.
	Inherit *Inherit
	// Value is the expression defined (nil for inherit), and Source its
	// text.
	Value  Expr
	Source string
}

// PathString joins the definition's path with dots.
func (d Definition) PathString() string { return strings.Join(d.Path, ".") }

// Definitions lists the attributes defined in set, depth first in source
// order. Values that are attribute sets (not rec, possibly parenthesized)
// are flattened into the paths of their attributes; any other value is a
// leaf.
func (f *File) Definitions(set *AttrSet) []Definition {
	var out []Definition
	f.collect(set, nil, false, &out)
	return out
}

func (f *File) collect(set *AttrSet, prefix []string, dynamic bool, out *[]Definition) {
	for _, b := range set.Binds {
		switch b := b.(type) {
		case *Assign:
			if b.Path == nil || len(b.Path.Names) == 0 {
				continue
			}
			path := append([]string(nil), prefix...)
			dyn := dynamic
			for _, n := range b.Path.Names {
				name, static := f.AttrNameText(n)
				path = append(path, name)
				dyn = dyn || !static
			}
			if inner, ok := unparen(b.Value).(*AttrSet); ok && inner.RecTok == nil {
				f.collect(inner, path, dyn, out)
				continue
			}
			d := Definition{Path: path, Dynamic: dyn, Pos: f.NodePos(b.Path), Assign: b, Value: b.Value}
			if b.Value != nil {
				d.Source = f.Text(b.Value)
			}
			*out = append(*out, d)
		case *Inherit:
			for _, n := range b.Names {
				name, static := f.AttrNameText(n)
				path := append(append([]string(nil), prefix...), name)
				*out = append(*out, Definition{Path: path, Dynamic: dynamic || !static, Pos: f.NodePos(n), Inherit: b})
			}
		}
	}
}

// ModuleDefinitions lists the option definitions of a NixOS, nix-darwin
// or home-manager module: the attributes of the set the module evaluates
// to (through the function of the module arguments, let, with and
// parentheses), or of its config attribute when it declares options or
// config explicitly. Calls of lib.mkIf, mkMerge (each element),
// mkDefault, mkForce, mkOverride, mkBefore, mkAfter and mkOrder wrapping a
// set are looked through. The top-level attributes imports, options,
// config, _file, key, disabledModules and meta are not definitions.
func (f *File) ModuleDefinitions() []Definition {
	body := moduleBody(f.Expr)
	set, ok := body.(*AttrSet)
	if !ok {
		return nil
	}
	explicit := false
	for _, b := range set.Binds {
		if a, ok := b.(*Assign); ok && a.Path != nil && len(a.Path.Names) > 0 {
			if name, _ := f.AttrNameText(a.Path.Names[0]); name == "config" || name == "options" {
				explicit = true
			}
		}
	}
	var out []Definition
	if !explicit {
		for _, d := range f.Definitions(set) {
			if len(d.Path) > 0 && !moduleKeyword(d.Path[0]) {
				out = append(out, d)
			}
		}
		return out
	}
	for _, b := range set.Binds {
		a, ok := b.(*Assign)
		if !ok || a.Path == nil || len(a.Path.Names) == 0 {
			continue
		}
		if name, _ := f.AttrNameText(a.Path.Names[0]); name != "config" {
			continue
		}
		rest := make([]string, 0, len(a.Path.Names)-1)
		for _, n := range a.Path.Names[1:] {
			name, _ := f.AttrNameText(n)
			rest = append(rest, name)
		}
		if len(rest) > 0 {
			// config.a.b = value;
			out = append(out, f.definitionsOf(a, rest)...)
			continue
		}
		for _, s := range configSets(a.Value) {
			out = append(out, f.Definitions(s)...)
		}
	}
	return out
}

// definitionsOf lists the definitions made by a, with path (a's path
// without its first name) as prefix.
func (f *File) definitionsOf(a *Assign, path []string) []Definition {
	if inner, ok := unparen(a.Value).(*AttrSet); ok && inner.RecTok == nil {
		var out []Definition
		f.collect(inner, path, false, &out)
		return out
	}
	d := Definition{Path: path, Pos: f.NodePos(a.Path.Names[1]), Assign: a, Value: a.Value}
	if a.Value != nil {
		d.Source = f.Text(a.Value)
	}
	return []Definition{d}
}

func moduleKeyword(name string) bool {
	switch name {
	case "imports", "options", "config", "_file", "key", "disabledModules", "meta", "_class":
		return true
	}
	return false
}

// moduleBody looks through the function of the module arguments, let,
// with, assert and parentheses.
func moduleBody(e Expr) Expr {
	for {
		switch x := e.(type) {
		case *Paren:
			e = x.X
		case *Lambda:
			e = x.Body
		case *Let:
			e = x.Body
		case *With:
			e = x.Body
		case *Assert:
			e = x.Body
		default:
			return e
		}
	}
}

// Unparen returns e without the parentheses around it.
func Unparen(e Expr) Expr { return unparen(e) }

func unparen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// configSets returns the attribute sets a config value is made of, looking
// through the module system's wrappers.
func configSets(e Expr) []*AttrSet {
	e = unparen(e)
	switch x := e.(type) {
	case *AttrSet:
		if x.RecTok == nil {
			return []*AttrSet{x}
		}
	case *Apply:
		fn, args := flattenApply(x)
		switch calleeName(fn) {
		case "mkIf", "mkDefault", "mkForce", "mkOverride", "mkBefore", "mkAfter", "mkOrder":
			return configSets(args[len(args)-1])
		case "mkMerge":
			if l, ok := unparen(args[len(args)-1]).(*List); ok {
				var out []*AttrSet
				for _, el := range l.Elems {
					out = append(out, configSets(el)...)
				}
				return out
			}
		}
	}
	return nil
}

// flattenApply splits f a b into f and [a b].
func flattenApply(x *Apply) (Expr, []Expr) {
	var args []Expr
	var e Expr = x
	for {
		a, ok := e.(*Apply)
		if !ok {
			break
		}
		args = append(args, a.Arg)
		e = unparen(a.Fn)
	}
	for i, j := 0, len(args)-1; i < j; i, j = i+1, j-1 {
		args[i], args[j] = args[j], args[i]
	}
	return e, args
}

// calleeName is the name a function is called by: mkIf for mkIf and
// lib.mkIf.
func calleeName(e Expr) string {
	switch x := unparen(e).(type) {
	case *Ident:
		return x.Tok.Text
	case *Select:
		if x.Default == nil && x.Path != nil && len(x.Path.Names) > 0 {
			if n := x.Path.Names[len(x.Path.Names)-1]; n.Ident != nil {
				return n.Ident.Text
			}
		}
	}
	return ""
}

// Static returns the name when it is static: an identifier, or a string
// or ${"..."} without interpolation (escapes decoded).
func (n *AttrName) Static() (string, bool) {
	switch {
	case n == nil:
		return "", false
	case n.Ident != nil:
		return n.Ident.Text, true
	case n.Str != nil:
		return StringValue(n.Str)
	case n.Interp != nil:
		if s, ok := unparen(n.Interp.X).(*String); ok {
			return StringValue(s)
		}
	}
	return "", false
}

// AttrNameText returns an attribute name's text: the name itself when it
// is static (see Static), and otherwise its source text with static
// false.
func (f *File) AttrNameText(n *AttrName) (name string, static bool) {
	if s, ok := n.Static(); ok {
		return s, true
	}
	return f.Text(n), false
}
