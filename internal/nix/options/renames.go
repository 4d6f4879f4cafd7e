package options

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// renameFuncs are lib's option-moving modules by name.
var renameFuncs = map[string]RenameKind{
	"mkRenamedOptionModule":     Renamed,
	"mkRenamedOptionModuleWith": Renamed,
	"mkRemovedOptionModule":     Removed,
	"mkAliasOptionModule":       Alias,
	"mkAliasOptionModuleMD":     Alias,
	"mkChangedOptionModule":     Changed,
	"mkMergedOptionModule":      Changed,
}

// isRenameCall reports whether an import is a call of an option-moving
// module: it declares only the old option, which renames reads.
func isRenameCall(e syntax.Expr) bool {
	name, _, args := call(e)
	_, ok := renameFuncs[name]
	return ok && len(args) > 0
}

// renames reads the option-moving modules of a module's imports: a list
// of them, lists joined with ++, and optionals-free parentheses.
// Entries whose paths are not literal lists of strings are skipped.
func (x *extractor) renames(e syntax.Expr) {
	if x.depth > maxFollow {
		return
	}
	x.depth++
	defer func() { x.depth-- }()
	switch v := x.resolve(e).(type) {
	case *syntax.Binary:
		if v.Op.Text == "++" {
			x.renames(v.X)
			x.renames(v.Y)
			return
		}
	case *syntax.Apply:
		// map f [ ... ]: f applied to each literal element, f a function
		// bound in the module returning an option-moving module.
		if name, _, args := call(v); name == "mkSettingsRenamedOptionModules" && len(args) == 4 {
			if x.settingsRenames(v, args) {
				return
			}
		}
		if name, _, args := call(v); name == "mapAttrsToList" && len(args) == 2 {
			// mapAttrsToList (old: new: mkRenamedOptionModule ...) { a = "b"; }:
			// f applied to each name and value of a literal set.
			if set, ok := x.resolve(args[1]).(*syntax.AttrSet); ok && set.RecTok == nil {
				calls := make([][]syntax.Expr, 0, len(set.Binds))
				complete := len(set.Binds) > 0
				for _, b := range set.Binds {
					kv, ok := b.(*syntax.Assign)
					if !ok {
						complete = false
						break
					}
					p, ok := staticPath(kv.Path)
					if !ok || len(p) != 1 {
						complete = false
						break
					}
					// The name as a string literal, for the function's
					// first parameter.
					kf, diags := syntax.Parse("", []byte(strconv.Quote(p[0])))
					if len(diags) > 0 || kf.Expr == nil {
						complete = false
						break
					}
					calls = append(calls, []syntax.Expr{kf.Expr, kv.Value})
				}
				// The names read before one that is not are still known.
				if x.renamesOf(args[0], calls) && complete {
					return
				}
			}
		}
		if name, _, args := call(v); name == "map" && len(args) == 2 {
			if l, ok := x.resolve(args[1]).(*syntax.List); ok {
				calls := make([][]syntax.Expr, 0, len(l.Elems))
				for _, el := range l.Elems {
					calls = append(calls, []syntax.Expr{el})
				}
				if x.renamesOf(args[0], calls) {
					return
				}
			}
		}
	case *syntax.List:
		x.importedPaths(v)
		for _, el := range v.Elems {
			if body, undo, ok := x.applied(el); ok {
				// A helper bound in the module: renamed "x".
				if isRenameCall(body) && x.rename(body) {
					undo()
					continue
				}
				if x.sh.skipImports && x.isModule(body) {
					// A module made by a helper bound in the file
					// (imports = [ (mkToolModule { name = "x"; }) ]),
					// its parameters bound to the arguments given.
					x.module(body)
					undo()
					continue
				}
				undo()
			}
			if isRenameCall(el) {
				if !x.rename(el) {
					x.unreadImport(el, "its paths are not literal lists of strings")
				}
				continue
			}
			if _, ok := unwrapParen(el).(*syntax.Path); !ok && !x.helperModule(el) {
				x.unreadImport(el, "it imports "+x.f.Text(el))
			}
		}
		return
	}
	x.unreadImport(e, "its imports are computed")
}

// helperModule reads the options of a module made by a helper in a file
// of the tree (imports = [ (mkThing { name = "x"; }) ] with mkThing =
// import ./mkThing.nix): the helper's parameters are bound to the literal
// strings and values given, and the module it returns is read.
func (x *extractor) helperModule(e syntax.Expr) bool {
	if !x.sh.skipImports {
		return false
	}
	_, fn, args := call(e)
	if len(args) != 1 {
		return false
	}
	target := x.follow(fn)
	if target == nil {
		return false
	}
	y, body, ok := x.load(target)
	if !ok {
		return false
	}
	l, ok := body.(*syntax.Lambda)
	if !ok || l.Formals == nil {
		return false
	}
	argSet, ok := x.resolve(args[0]).(*syntax.AttrSet)
	if !ok {
		return false
	}
	for _, it := range l.Formals.Items {
		v := x.attr(argSet, []string{it.Name.Text})
		if v == nil {
			v = it.Default
		} else if _, lit := x.literal(v); !lit {
			continue
		}
		if v != nil {
			y.lets[it.Name.Text] = binding{e: v, param: true}
		}
	}
	y.depth = x.depth + 1
	y.module(l.Body)
	return true
}

// applied beta-reduces a call of a function bound in the module.
func (x *extractor) applied(e syntax.Expr) (syntax.Expr, func(), bool) {
	name, fn, args := call(e)
	if _, known := renameFuncs[name]; known || len(args) == 0 {
		return nil, nil, false
	}
	return x.apply(fn, args)
}

// unreadImport records the first import that is neither a path nor an
// option-moving module fleet reads.
func (x *extractor) unreadImport(at syntax.Node, why string) {
	if x.mod.UnreadImports == nil {
		if len(why) > 120 {
			why = why[:117] + "..."
		}
		x.mod.UnreadImports = &Opening{Pos: x.f.NodePos(at), Reason: why}
	}
}

// rename reads one call of an option-moving module; false when its
// paths are not readable.
func (x *extractor) rename(e syntax.Expr) bool {
	name, _, args := call(e)
	kind, ok := renameFuncs[name]
	if !ok {
		return false
	}
	before := len(x.mod.Renames)
	pos := x.f.NodePos(unwrapParen(e))
	add := func(from, to []string, msg, since string) {
		if len(from) == 0 {
			return
		}
		x.mod.Renames = append(x.mod.Renames, &Rename{Kind: kind, From: from, To: to, Message: msg, Since: since, Pos: pos})
	}
	switch name {
	case "mkRenamedOptionModuleWith":
		if len(args) != 1 {
			return false
		}
		set, ok := x.resolve(args[0]).(*syntax.AttrSet)
		if !ok {
			return false
		}
		from, _ := x.strings(x.attr(set, []string{"from"}))
		to, _ := x.strings(x.attr(set, []string{"to"}))
		since := ""
		if v := x.attr(set, []string{"sinceRelease"}); v != nil {
			if n, ok := x.literal(v); ok {
				if i, ok := n.(int64); ok {
					since = strconv.FormatInt(i, 10)
				}
			}
		}
		add(from, to, "", since)
	case "mkRemovedOptionModule":
		if len(args) < 1 {
			return false
		}
		from, _ := x.strings(args[0])
		msg := ""
		if len(args) > 1 {
			msg, _ = x.literalString(args[1])
		}
		add(from, nil, msg, "")
	case "mkMergedOptionModule":
		if len(args) < 2 {
			return false
		}
		to, _ := x.strings(args[1])
		l, ok := x.resolve(args[0]).(*syntax.List)
		if !ok {
			return false
		}
		for _, el := range l.Elems {
			from, _ := x.strings(el)
			add(from, to, "", "")
		}
	default:
		if len(args) < 2 {
			return false
		}
		from, _ := x.strings(args[0])
		to, _ := x.strings(args[1])
		add(from, to, "", "")
	}
	return len(x.mod.Renames) > before
}

// strings decodes a literal list of strings, or returns false.
func (x *extractor) strings(e syntax.Expr) ([]string, bool) {
	if e == nil || x.depth > maxFollow {
		return nil, false
	}
	r := x.resolve(e)
	if b, ok := r.(*syntax.Binary); ok && b.Op.Text == "++" {
		// path ++ [ "globalstate" ], path a list bound in the file.
		x.depth++
		defer func() { x.depth-- }()
		a, ok := x.strings(b.X)
		if !ok {
			return nil, false
		}
		c, ok := x.strings(b.Y)
		if !ok {
			return nil, false
		}
		return append(a, c...), true
	}
	l, ok := r.(*syntax.List)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l.Elems))
	for _, el := range l.Elems {
		s, ok := x.literalString(el)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// maxLoaded bounds the files one module reads for its declarations.
const maxLoaded = 64

// load reads the file an expression imports: ./file.nix (a module given
// as a path), import ./file.nix, or import ./file.nix { ... } applied to
// arguments. It returns an extractor for that file and the file's value,
// through the functions it is applied to (their parameters are left
// unbound). Only files below the module's folder (Reader.Within) are read.
func (x *extractor) load(e syntax.Expr) (*extractor, syntax.Expr, bool) {
	if x.sh.read == nil || x.depth > maxFollow {
		return nil, nil, false
	}
	name, _, args := call(e)
	var target syntax.Expr
	nargs := 0
	switch {
	case name == "import" && len(args) >= 1:
		target, nargs = args[0], len(args)-1
	case name == "" && len(args) == 0:
		target = e
	default:
		return nil, nil, false
	}
	p, ok := unwrapParen(target).(*syntax.Path)
	if !ok || len(p.Parts) != 1 {
		return nil, nil, false
	}
	lit := p.Parts[0].(*syntax.Text).Tok.Text
	if strings.HasPrefix(lit, "/") || strings.HasPrefix(lit, "~") || strings.HasPrefix(lit, "<") {
		return nil, nil, false
	}
	file := path.Clean(path.Join(path.Dir(x.f.Name), lit))
	if file != x.sh.dir && !strings.HasPrefix(file, x.sh.dir+"/") {
		return nil, nil, false
	}
	if x.sh.loaded == nil {
		x.sh.loaded = map[string]*syntax.File{}
	}
	f, done := x.sh.loaded[file]
	if !done {
		if len(x.sh.loaded) >= maxLoaded {
			return nil, nil, false
		}
		src, err := x.sh.read(file)
		if err != nil {
			if src2, err2 := x.sh.read(file + "/default.nix"); err2 == nil {
				file, src, err = file+"/default.nix", src2, nil
			}
		}
		if err == nil {
			f, _ = syntax.Parse(file, src)
			x.mod.Parts = append(x.mod.Parts, file)
		}
		x.sh.loaded[file] = f
	}
	if f == nil || f.Expr == nil {
		return nil, nil, false
	}
	y := &extractor{f: f, mod: x.mod, sh: x.sh, lets: map[string]binding{}}
	body := y.unwrapLets(f.Expr)
	for i := range nargs {
		l, ok := body.(*syntax.Lambda)
		if !ok {
			return nil, nil, false
		}
		// The file's parameters given as literals are bound
		// (import ./lib/options.nix { moduleName = "gammastep"; }).
		if l.Formals != nil {
			if argSet, ok := x.resolve(args[1+i]).(*syntax.AttrSet); ok {
				for _, it := range l.Formals.Items {
					if v := x.attr(argSet, []string{it.Name.Text}); v != nil {
						if _, lit := x.literal(v); lit {
							y.lets[it.Name.Text] = binding{e: v, param: true}
						}
					}
				}
			}
		}
		body = y.unwrapLets(l.Body)
	}
	return y, body, true
}

// generatedKeys returns the names of options generated by a function of
// literal names (builtins.mapAttrs f { a = ...; }, lib.genAttrs [ "a" ]
// f): each is a declaration fleet cannot read, but the names are known.
func (x *extractor) generatedKeys(name string, args []syntax.Expr) ([]string, bool) {
	var keys []string
	switch {
	case name == "mapAttrs" && len(args) == 2:
		set, ok := x.resolve(args[1]).(*syntax.AttrSet)
		if !ok || set.RecTok != nil {
			return nil, false
		}
		for _, b := range set.Binds {
			switch a := b.(type) {
			case *syntax.Assign:
				p, ok := staticPath(a.Path)
				if !ok {
					return nil, false
				}
				keys = append(keys, p[0])
			case *syntax.Inherit:
				for _, n := range a.Names {
					s, ok := n.Static()
					if !ok {
						return nil, false
					}
					keys = append(keys, s)
				}
			}
		}
	case name == "genAttrs" && len(args) == 2:
		l, ok := x.strings(args[0])
		if !ok {
			return nil, false
		}
		keys = l
	default:
		return nil, false
	}
	return keys, len(keys) > 0
}

// isModule reports whether e is a module written as a set (or a function
// returning one) that declares options.
func (x *extractor) isModule(e syntax.Expr) bool {
	e = x.unwrapLets(e)
	if l, ok := e.(*syntax.Lambda); ok {
		e = x.unwrapLets(l.Body)
	}
	set, ok := e.(*syntax.AttrSet)
	if !ok {
		return false
	}
	for _, b := range set.Binds {
		if a, ok := b.(*syntax.Assign); ok {
			if p := staticPrefix(a.Path); len(p) > 0 && p[0] == "options" {
				return true
			}
		}
	}
	return false
}

// settingsRenames reads home-manager's
// lib.hm.deprecations.mkSettingsRenamedOptionModules oldPrefix newPrefix
// { transform = ...; } [ "name" ... ]: each name renamed from oldPrefix to
// newPrefix, transformed by the identity or the default toSnakeCase.
func (x *extractor) settingsRenames(e syntax.Expr, args []syntax.Expr) bool {
	from, ok := x.strings(args[0])
	if !ok {
		return false
	}
	to, ok := x.strings(args[1])
	if !ok {
		return false
	}
	set, ok := x.resolve(args[2]).(*syntax.AttrSet)
	if !ok {
		return false
	}
	snake := true
	if t := x.attr(set, []string{"transform"}); t != nil {
		l, ok := unwrapParen(t).(*syntax.Lambda)
		if !ok || l.Arg == nil || l.Formals != nil {
			return false
		}
		id, ok := unwrapParen(l.Body).(*syntax.Ident)
		if !ok || id.Tok.Text != l.Arg.Text {
			return false
		}
		snake = false
	}
	names, ok := x.strings(args[3])
	if !ok {
		return false
	}
	pos := x.f.NodePos(unwrapParen(e))
	for _, n := range names {
		m := n
		if snake {
			m = toSnakeCase(n)
		}
		x.mod.Renames = append(x.mod.Renames, &Rename{Kind: renameFuncs["mkRenamedOptionModule"],
			From: append(slices.Clip(from), n), To: append(slices.Clip(to), m), Pos: pos})
	}
	return true
}

// toSnakeCase is home-manager's lib.hm.strings.toSnakeCase: an underscore
// and the lower case letter for each upper case letter, none in front.
func toSnakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r - 'A' + 'a')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// renamesOf applies fn to each argument list and reads the rename module
// each call gives (map f [ ... ], mapAttrsToList f { ... }). It reports
// whether every call gave one; a call fn cannot be applied to stops the
// reading there.
func (x *extractor) renamesOf(fn syntax.Expr, calls [][]syntax.Expr) bool {
	all := true
	for _, args := range calls {
		body, undo, ok := x.apply(fn, args)
		if !ok {
			return false
		}
		if !isRenameCall(body) || !x.rename(body) {
			all = false
		}
		undo()
	}
	return all
}
