package options

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Extract reads the options a module file declares. A file with syntax
// errors yields its diagnostics and the options found in what parsed.
// Imports are not followed (see Reader.Extract).
func Extract(filename string, src []byte) (*Module, []diag.Diagnostic) {
	return Reader{}.Extract(filename, src)
}

// Reader extracts options, following the imports of a module to files in
// the module's own folder.
type Reader struct {
	// ReadFile reads a file named as the module is (for instance relative
	// to the fleet root). When nil, imports are not read: a module whose
	// imports could declare options is marked Open.
	ReadFile func(name string) ([]byte, error)
	// Within is the folder below which files may be read (the module's
	// own folder when ""): imports, import ./options.nix { ... } in
	// option declarations, and submodules given as paths.
	Within string
	// SkipImports reads for an upstream index: the modules' imports are
	// left unread (an index reads every file of a tree anyway), other
	// files are still read for the declarations that refer to them, and
	// options generated over literal names (builtins.mapAttrs f { a = ...; })
	// are kept one by one.
	SkipImports bool
}

// maxImports bounds the files one module may pull in through imports.
const maxImports = 64

// Extract reads the options the module file declares, and those declared
// by the files in the module's folder it imports. Declarations fleet
// cannot read statically are reported as warnings at their line and kept
// as options of unknown type, so that their settings are accepted
// unchecked rather than rejected.
func (r Reader) Extract(filename string, src []byte) (*Module, []diag.Diagnostic) {
	mod := &Module{File: filename}
	dir := r.Within
	if dir == "" {
		dir = path.Dir(filename)
	}
	sh := &shared{mod: mod, read: r.ReadFile, dir: dir, skipImports: r.SkipImports, seen: map[string]bool{path.Clean(filename): true}}
	ds := sh.file(filename, src)
	if sh.warn.Len() > 0 {
		ds = append(ds, sh.warn.Items()...)
	}
	return mod, ds
}

// shared is what the extractors of one module's files share.
type shared struct {
	mod  *Module
	read func(string) ([]byte, error)
	dir  string // the module's folder: imports are followed below it
	seen map[string]bool
	warn diag.List
	// skipImports: see Reader.SkipImports.
	skipImports bool
	// loaded are the files read for declarations, parsed once.
	loaded map[string]*syntax.File
}

// file extracts one file of the module.
func (sh *shared) file(name string, src []byte) []diag.Diagnostic {
	f, ds := syntax.Parse(name, src)
	x := &extractor{f: f, mod: sh.mod, sh: sh, lets: map[string]binding{}}
	if f.Expr != nil {
		if l, ok := unwrapParen(f.Expr).(*syntax.List); ok {
			// A list of modules (nix-darwin's module-list.nix): the files
			// it names are modules.
			x.importedPaths(l)
		}
		x.module(f.Expr)
	}
	return ds
}

// importedPaths records the relative paths a list of modules names as
// imported modules.
func (x *extractor) importedPaths(l *syntax.List) {
	for _, el := range l.Elems {
		if p, ok := unwrapParen(el).(*syntax.Path); ok && len(p.Parts) == 1 {
			if t, ok := p.Parts[0].(*syntax.Text); ok && strings.HasPrefix(t.Tok.Text, ".") {
				file := path.Clean(path.Join(path.Dir(x.f.Name), t.Tok.Text))
				x.mod.Imports = append(x.mod.Imports, file, file+"/default.nix")
			}
		}
	}
}

type extractor struct {
	f   *syntax.File
	mod *Module
	sh  *shared
	// lets are the names bound on the way to the options (let, the
	// parameters of local functions being applied, inherit), so that an
	// option, type or set bound to a name is read.
	lets  map[string]binding
	depth int // indirections being followed, to stop cycles
	steps int // names followed in this file, bounded by maxSteps
	// bare is set under a module-level with types; or with lib.types;,
	// where type names stand alone.
	bare bool
}

// binding is what a name stands for: an expression, or the attribute
// name of from (inherit (from) name).
type binding struct {
	e     syntax.Expr
	from  syntax.Expr
	name  string
	param bool // a parameter of a local function being applied
	// dotted holds the let's bindings when the name is defined by dotted
	// paths (let t.a = ...; t.b = ...;): a set made of them.
	dotted *syntax.AttrSet
}

// maxFollow bounds the indirections (names, calls of local functions)
// followed in a row.
const maxFollow = 32

// maxSteps bounds the names followed in one file, so that cycles through
// sets and selections cost little.
const maxSteps = 200000

// warnf reports a declaration or type fleet cannot read.
func (x *extractor) warnf(pos diag.Pos, format string, args ...any) *diag.Diagnostic {
	return x.sh.warn.Warnf(pos, "option-unread", format, args...)
}

// unwrap looks through parentheses, let, with and assert to the value an
// expression produces.
func unwrap(e syntax.Expr) syntax.Expr {
	for {
		switch x := e.(type) {
		case *syntax.Paren:
			e = x.X
		case *syntax.Let:
			e = x.Body
		case *syntax.With:
			e = x.Body
		case *syntax.Assert:
			e = x.Body
		default:
			return e
		}
	}
}

// module finds the options of a module: a function of the module
// arguments, or an attribute set, with options at "options", and the
// files it imports.
func (x *extractor) module(e syntax.Expr) {
	e = x.unwrapLets(e)
	if l, ok := e.(*syntax.Lambda); ok {
		e = x.unwrapLets(l.Body)
	}
	set, ok := e.(*syntax.AttrSet)
	if !ok {
		return
	}
	for _, b := range set.Binds {
		if in, ok := b.(*syntax.Inherit); ok && in.From != nil {
			x.inheritedModuleParts(in)
			continue
		}
		a, ok := b.(*syntax.Assign)
		if !ok {
			continue
		}
		path, ok := x.names(a.Path)
		if !ok {
			// options.services.${name} = ...: whatever it declares is
			// below the static part of the path.
			if pre := staticPrefix(a.Path); len(pre) > 0 && pre[0] == "options" {
				x.unread(a, pre[1:], x.f.NodePos(a.Path), &x.mod.Options, "its name is computed")
			}
			continue
		}
		if len(path) == 0 {
			continue
		}
		switch path[0] {
		case "options":
			x.declarations(a.Value, path[1:], x.f.NodePos(a.Path), &x.mod.Options)
		case "imports":
			if len(path) == 1 {
				x.renames(a.Value)
				if !x.sh.skipImports {
					x.imports(a.Value)
				}
			}
		}
	}
}

// inheritedModuleParts reads inherit (common) imports options; with
// common = import ./lib/options.nix { ... }: the option-moving modules
// and options of the set the file returns.
func (x *extractor) inheritedModuleParts(in *syntax.Inherit) {
	y, body, ok := x.load(x.resolve(in.From))
	if !ok {
		return
	}
	set, ok := y.resolve(body).(*syntax.AttrSet)
	if !ok {
		return
	}
	y.depth = x.depth + 1
	for _, n := range in.Names {
		name, ok := n.Static()
		if !ok {
			continue
		}
		v := y.attr(set, []string{name})
		if v == nil {
			continue
		}
		switch name {
		case "imports":
			y.renames(v)
		case "options":
			y.declarations(v, nil, x.f.NodePos(n), &x.mod.Options)
		}
	}
}

// imports follows the imports of a module to the files in its folder;
// any other import may declare options fleet does not see, and marks the
// module Open.
func (x *extractor) imports(e syntax.Expr) {
	l, ok := x.resolve(e).(*syntax.List)
	if !ok {
		x.open(e, "its imports are computed")
		return
	}
	for _, el := range l.Elems {
		if isRenameCall(el) {
			continue
		}
		p, ok := unwrapParen(el).(*syntax.Path)
		if !ok || len(p.Parts) != 1 {
			x.open(el, "it imports "+x.f.Text(el)+", which fleet does not read")
			continue
		}
		lit := p.Parts[0].(*syntax.Text).Tok.Text
		if strings.HasPrefix(lit, "/") || strings.HasPrefix(lit, "~") {
			x.open(el, "it imports "+lit+", outside its folder")
			continue
		}
		name := path.Clean(path.Join(path.Dir(x.f.Name), lit))
		if name != x.sh.dir && !strings.HasPrefix(name, x.sh.dir+"/") {
			x.open(el, "it imports "+lit+", outside its folder")
			continue
		}
		if x.sh.seen[name] || x.sh.seen[name+"/default.nix"] {
			continue
		}
		if x.sh.read == nil || len(x.sh.seen) > maxImports {
			x.open(el, "it imports "+lit+", which was not read")
			continue
		}
		src, err := x.sh.read(name)
		if err != nil {
			// A folder imports its default.nix.
			if src2, err2 := x.sh.read(name + "/default.nix"); err2 == nil {
				name, src, err = name+"/default.nix", src2, nil
			}
		}
		if err != nil {
			x.open(el, "it imports "+lit+", which cannot be read")
			continue
		}
		x.sh.seen[name] = true
		for _, d := range x.sh.file(name, src) {
			x.sh.warn.Add(d)
		}
	}
}

// open marks the module as possibly declaring options fleet did not read.
func (x *extractor) open(at syntax.Node, why string) {
	if x.mod.Open == nil {
		x.mod.Open = &Opening{Pos: x.f.NodePos(at), Reason: why}
	}
}

// unwrapLets is unwrap that records the let bindings it passes.
func (x *extractor) unwrapLets(e syntax.Expr) syntax.Expr {
	for {
		switch l := e.(type) {
		case *syntax.Let:
			x.bind(l.Binds)
			e = l.Body
		case *syntax.Paren:
			e = l.X
		case *syntax.With:
			if x.isTypesSet(l.Env) {
				x.bare = true
			}
			e = l.Body
		case *syntax.Assert:
			e = l.Body
		default:
			return e
		}
	}
}

// bind records the bindings of a let.
func (x *extractor) bind(binds []syntax.Binding) {
	for _, b := range binds {
		switch a := b.(type) {
		case *syntax.Assign:
			p, ok := staticPath(a.Path)
			switch {
			case !ok || a.Value == nil:
			case len(p) == 1:
				x.lets[p[0]] = binding{e: a.Value}
			case x.lets[p[0]].dotted == nil || x.lets[p[0]].dotted.Binds[0] != binds[0]:
				x.lets[p[0]] = binding{dotted: &syntax.AttrSet{Binds: binds}, name: p[0]}
			}
		case *syntax.Inherit:
			if a.From == nil {
				continue
			}
			for _, n := range a.Names {
				if name, ok := n.Static(); ok {
					x.lets[name] = binding{from: a.From, name: name}
				}
			}
		}
	}
}

// staticPath returns the names of an attribute path, or false when a name
// is computed.
func staticPath(p *syntax.AttrPath) ([]string, bool) {
	if p == nil {
		return nil, false
	}
	out := make([]string, 0, len(p.Names))
	for _, n := range p.Names {
		name, ok := n.Static()
		if !ok {
			return nil, false
		}
		out = append(out, name)
	}
	return out, true
}

// names returns the names of an attribute path, reading ${name} where
// name is bound to a literal string in the module; false when a name is
// computed otherwise.
func (x *extractor) names(p *syntax.AttrPath) ([]string, bool) {
	if p == nil {
		return nil, false
	}
	out := make([]string, 0, len(p.Names))
	for _, n := range p.Names {
		name, ok := n.Static()
		if !ok && n.Interp != nil {
			name, ok = x.literalString(n.Interp.X)
		}
		if !ok {
			return nil, false
		}
		out = append(out, name)
	}
	return out, true
}

// staticPrefix returns the names of an attribute path up to the first
// computed one.
func staticPrefix(p *syntax.AttrPath) []string {
	var out []string
	for _, n := range p.Names {
		name, ok := n.Static()
		if !ok {
			break
		}
		out = append(out, name)
	}
	return out
}

// follow returns what a name or a selection from a set bound by name
// stands for (let bindings, parameters of local functions, inherit), or
// nil.
func (x *extractor) follow(e syntax.Expr) syntax.Expr {
	// Names bound to selections from themselves (t = t.a;) would loop:
	// the depth and a budget of steps per file end any cycle.
	x.steps++
	if x.depth > maxFollow || x.steps > maxSteps {
		return nil
	}
	x.depth++
	defer func() { x.depth-- }()
	switch v := unwrap(e).(type) {
	case *syntax.Ident:
		return x.name(v.Tok.Text)
	case *syntax.Select:
		if v.Default != nil {
			return nil
		}
		p, ok := staticPath(v.Path)
		if !ok {
			return nil
		}
		if id, ok := unwrap(v.X).(*syntax.Ident); ok {
			if b := x.lets[id.Tok.Text]; b.dotted != nil {
				return x.attr(b.dotted, append([]string{b.name}, p...))
			}
		}
		if set, ok := x.resolve(v.X).(*syntax.AttrSet); ok {
			return x.attr(set, p)
		}
	}
	return nil
}

// name returns what a name bound in the module stands for, or nil.
func (x *extractor) name(name string) syntax.Expr {
	b, ok := x.lets[name]
	if !ok || b.dotted != nil {
		return nil
	}
	if b.e != nil {
		return b.e
	}
	if x.depth > maxFollow {
		return nil
	}
	x.depth++
	defer func() { x.depth-- }()
	if set, ok := x.resolve(b.from).(*syntax.AttrSet); ok {
		return x.attr(set, []string{b.name})
	}
	return nil
}

// attr returns the value of the attribute path p in a literal set, or nil.
func (x *extractor) attr(set *syntax.AttrSet, p []string) syntax.Expr {
	for _, b := range set.Binds {
		switch a := b.(type) {
		case *syntax.Assign:
			q, ok := staticPath(a.Path)
			if !ok || len(q) > len(p) || !slices.Equal(q, p[:len(q)]) || a.Value == nil {
				continue
			}
			if len(q) == len(p) {
				return a.Value
			}
			if inner, ok := x.resolve(a.Value).(*syntax.AttrSet); ok {
				if v := x.attr(inner, p[len(q):]); v != nil {
					return v
				}
			}
		case *syntax.Inherit:
			for _, n := range a.Names {
				if name, _ := n.Static(); name == p[0] {
					var v syntax.Expr
					if a.From != nil {
						if from, ok := x.resolve(a.From).(*syntax.AttrSet); ok {
							v = x.attr(from, p[:1])
						}
					} else {
						v = x.name(p[0])
					}
					if v == nil || len(p) == 1 {
						return v
					}
					if inner, ok := x.resolve(v).(*syntax.AttrSet); ok {
						return x.attr(inner, p[1:])
					}
					return nil
				}
			}
		}
	}
	return nil
}

// declarations walks an options tree: attribute sets nest, option
// declarations are leaves. Names bound in the module, local functions
// returning declarations, sets joined with // or lib.recursiveUpdate and
// declarations extended with // are followed; anything else is reported
// and kept as an option of unknown type.
func (x *extractor) declarations(e syntax.Expr, path []string, pos diag.Pos, out *[]*Option) {
	if x.depth > maxFollow {
		x.unread(e, path, pos, out, "it refers to itself")
		return
	}
	e = x.unwrapLets(e)
	sub := func(e syntax.Expr, more []string, pos diag.Pos) {
		x.depth++
		x.declarations(e, append(slices.Clip(path), more...), pos, out)
		x.depth--
	}
	switch v := e.(type) {
	case *syntax.AttrSet:
		if v.RecTok != nil {
			break
		}
		for _, b := range v.Binds {
			switch a := b.(type) {
			case *syntax.Assign:
				p, ok := x.names(a.Path)
				if !ok {
					x.unread(a, path, x.f.NodePos(a.Path), out, "its name is computed")
					continue
				}
				sub(a.Value, p, x.f.NodePos(a.Path))
			case *syntax.Inherit:
				for _, n := range a.Names {
					name, ok := n.Static()
					if !ok {
						continue
					}
					var val syntax.Expr
					if a.From != nil {
						from := x.resolve(a.From)
						if set, ok := from.(*syntax.AttrSet); ok {
							val = x.attr(set, []string{name})
						} else if y, body, ok := x.load(from); ok {
							// inherit (commonOptions) fonts; with
							// commonOptions = import ./lib/options.nix { ... }.
							if set, ok := y.resolve(body).(*syntax.AttrSet); ok {
								if v := y.attr(set, []string{name}); v != nil {
									y.depth = x.depth + 1
									y.declarations(v, append(slices.Clip(path), name), x.f.NodePos(n), out)
									continue
								}
							}
						}
					} else if b, ok := x.lets[name]; ok && b.e != nil {
						val = b.e
					}
					if val == nil {
						x.unread(n, append(slices.Clip(path), name), x.f.NodePos(n), out, "it is inherited from "+x.inheritSource(a))
						continue
					}
					sub(val, []string{name}, x.f.NodePos(n))
				}
			}
		}
		return
	case *syntax.Ident, *syntax.Select:
		if d := x.follow(v); d != nil {
			sub(d, nil, pos)
			return
		}
		// commonOptions.options with commonOptions = import ./lib/options.nix
		// { ... }: the attribute of the set the file returns.
		if sel, ok := v.(*syntax.Select); ok && sel.Default == nil {
			if p, ok := staticPath(sel.Path); ok {
				if y, body, ok := x.load(x.resolve(sel.X)); ok {
					if set, ok := y.resolve(body).(*syntax.AttrSet); ok {
						if val := y.attr(set, p); val != nil {
							y.depth = x.depth + 1
							y.declarations(val, path, pos, out)
							return
						}
					}
				}
			}
		}
	case *syntax.Binary:
		if v.Op.Text == "//" {
			if o := x.declaration(v, path, pos); o != nil {
				*out = append(*out, o)
				return
			}
			sub(v.X, nil, pos)
			sub(v.Y, nil, pos)
			return
		}
	case *syntax.Apply:
		name, fn, args := call(v)
		switch {
		case name == "recursiveUpdate" && len(args) == 2:
			sub(args[0], nil, pos)
			sub(args[1], nil, pos)
			return
		case name == "setAttrByPath" && len(args) == 2:
			if p, ok := x.strings(args[0]); ok {
				sub(args[1], p, pos)
				return
			}
		case name == "mkMerge" && len(args) == 1:
			if l, ok := x.resolve(args[0]).(*syntax.List); ok {
				for _, el := range l.Elems {
					sub(el, nil, pos)
				}
				return
			}
		}
		if o := x.declaration(v, path, pos); o != nil {
			*out = append(*out, o)
			return
		}
		if body, undo, ok := x.apply(fn, args); ok {
			sub(body, nil, pos)
			undo()
			return
		}
		if y, body, ok := x.load(v); ok {
			y.depth = x.depth + 1
			y.declarations(body, path, pos, out)
			return
		}
		if keys, ok := x.generatedKeys(name, args); ok && x.sh.skipImports {
			for _, k := range keys {
				x.unread(e, append(slices.Clip(path), k), pos, out, x.why(e))
			}
			return
		}
	}
	if o := x.declaration(e, path, pos); o != nil {
		*out = append(*out, o)
		return
	}
	x.unread(e, path, pos, out, x.why(e))
}

// inheritSource names where an inherit takes its names from.
func (x *extractor) inheritSource(in *syntax.Inherit) string {
	if in.From != nil {
		return x.f.Text(in.From)
	}
	return "the enclosing scope"
}

// why says why an expression is not a declaration fleet can read.
func (x *extractor) why(e syntax.Expr) string {
	switch v := unwrap(e).(type) {
	case *syntax.Apply:
		name, fn, _ := call(v)
		if name == "" {
			return "it is computed by a function call"
		}
		if x.follow(fn) == nil {
			return "it is computed by " + x.f.Text(fn) + ", a function fleet does not know"
		}
		return "it is computed by " + x.f.Text(fn) + ", a function fleet cannot apply statically"
	case *syntax.Ident:
		return v.Tok.Text + " is not bound in this file"
	case *syntax.If:
		return "it is chosen by a condition"
	case *syntax.AttrSet:
		return "it is a recursive set"
	}
	return "it is not an option declaration (lib.mkOption, mkEnableOption, mkPackageOption)"
}

// unread reports a declaration fleet cannot read and keeps it as an
// option of unknown type: its settings are accepted unchecked.
func (x *extractor) unread(at syntax.Node, path []string, pos diag.Pos, out *[]*Option, why string) {
	name := strings.Join(path, ".")
	if name == "" {
		name = "the options"
	}
	x.warnf(pos, "fleet cannot read the declaration of %s: %s", name, why).
		Hint("settings below %s are accepted unchecked; write it as lib.mkOption { type = ...; } in this file or a file of the module's folder it imports, for fleet to check them", name)
	*out = append(*out, &Option{Path: path, Pos: pos, Unread: true,
		Type: &Type{Kind: Unknown, Note: "declaration not readable statically: " + why}})
}

// apply beta-reduces the call of a function bound in the module (a local
// helper such as mkPort = port: mkOption { ... }): it binds the
// parameters to the arguments and returns the body; undo restores the
// names the parameters shadowed.
func (x *extractor) apply(fn syntax.Expr, args []syntax.Expr) (body syntax.Expr, undo func(), ok bool) {
	f := x.follow(fn)
	if l, ok := unwrap(fn).(*syntax.Lambda); ok && f == nil {
		// A function written in place: map (x: mkRenamedOptionModule ...) [ ... ].
		f = l
	}
	if f == nil || len(args) == 0 {
		return nil, nil, false
	}
	saved := map[string]*binding{}
	set := func(name string, b binding) {
		if _, done := saved[name]; !done {
			if old, had := x.lets[name]; had {
				saved[name] = &old
			} else {
				saved[name] = nil
			}
		}
		x.lets[name] = b
	}
	undo = func() {
		for name, old := range saved {
			if old == nil {
				delete(x.lets, name)
			} else {
				x.lets[name] = *old
			}
		}
	}
	cur := f
	for _, arg := range args {
		l, ok := x.unwrapLets(cur).(*syntax.Lambda)
		if !ok {
			undo()
			return nil, nil, false
		}
		// The argument is read in the caller's scope: follow names first.
		if d := x.follow(arg); d != nil {
			if _, isID := unwrap(arg).(*syntax.Ident); isID {
				arg = d
			}
		}
		if l.Formals != nil {
			argSet, _ := x.resolve(arg).(*syntax.AttrSet)
			for _, it := range l.Formals.Items {
				var v syntax.Expr
				if argSet != nil {
					v = x.attr(argSet, []string{it.Name.Text})
				}
				if v == nil {
					v = it.Default
				}
				if v != nil {
					set(it.Name.Text, binding{e: v, param: true})
				}
			}
		}
		if l.Arg != nil {
			set(l.Arg.Text, binding{e: arg, param: true})
		}
		cur = l.Body
	}
	return cur, undo, true
}

// call splits an application into its function's name (the last
// attribute of a select: lib.mkOption is "mkOption") and arguments.
func call(e syntax.Expr) (name string, fn syntax.Expr, args []syntax.Expr) {
	e = unwrap(e)
	for {
		ap, ok := e.(*syntax.Apply)
		if !ok {
			break
		}
		args = append(args, ap.Arg)
		e = unwrap(ap.Fn)
	}
	slices.Reverse(args)
	return lastName(e), e, args
}

// lastName is the name an identifier or select ends in.
func lastName(e syntax.Expr) string {
	switch x := e.(type) {
	case *syntax.Ident:
		return x.Tok.Text
	case *syntax.Select:
		if x.Default != nil {
			return ""
		}
		if p, ok := staticPath(x.Path); ok && len(p) > 0 {
			return p[len(p)-1]
		}
	}
	return ""
}

// declaration reads one option declaration, or returns nil when e is not
// one. A declaration extended with // { ... } (mkEnableOption "x" // {
// default = true; }) takes the attributes of the right side.
func (x *extractor) declaration(e syntax.Expr, path []string, pos diag.Pos) *Option {
	if b, ok := unwrap(e).(*syntax.Binary); ok && b.Op.Text == "//" {
		o := x.declaration(b.X, path, pos)
		if o == nil {
			return nil
		}
		sets, ok := x.attrSets(b.Y)
		if !ok {
			o.Type = &Type{Kind: Unknown, Name: typeNameOf(o.Type), Note: "the declaration is extended with " + x.f.Text(b.Y) + ", which fleet cannot read"}
			return o
		}
		for _, set := range sets {
			x.optionAttrs(o, set)
		}
		return o
	}
	if d := x.follow(e); d != nil && x.depth < maxFollow {
		x.depth++
		defer func() { x.depth-- }()
		return x.declaration(d, path, pos)
	}
	name, _, args := call(e)
	o := &Option{Path: path, Pos: pos}
	switch name {
	case "mkOption":
		if len(args) != 1 {
			return nil
		}
		sets, ok := x.attrSets(args[0])
		if !ok {
			o.Type = &Type{Kind: Unknown, Note: "mkOption's argument is not an attribute set fleet can read"}
			x.warnf(pos, "fleet cannot read the declaration of %s: mkOption's argument is computed", strings.Join(path, ".")).
				Hint("settings of %s are accepted unchecked; pass mkOption a literal { type = ...; } for fleet to check them", strings.Join(path, "."))
			return o
		}
		for _, set := range sets {
			x.optionAttrs(o, set)
		}
	case "mkEnableOption":
		o.Type = &Type{Kind: Bool, Name: "types.bool"}
		// The default is implied by the call.
		o.Default = &Default{Value: false, Source: "false", Pos: x.f.NodePos(e)}
		what := "this"
		if len(args) == 1 {
			if s, ok := x.literalString(args[0]); ok {
				what = s
			}
		}
		o.Description = "Whether to enable " + what + "."
		o.Example = "true"
	case "mkPackageOption":
		x.packageOption(o, e, args)
	case "mkBashIntegrationOption", "mkZshIntegrationOption", "mkFishIntegrationOption",
		"mkNushellIntegrationOption", "mkIonIntegrationOption":
		// home-manager's lib.hm.shell helpers: a bool whose default is
		// home.shell.enable<Shell>Integration.
		shell := strings.TrimSuffix(strings.TrimPrefix(name, "mk"), "IntegrationOption")
		o.Type = &Type{Kind: Bool, Name: "types.bool"}
		o.Default = &Default{Computed: true, Source: "config.home.shell.enable" + shell + "Integration", Pos: x.f.NodePos(e)}
		o.Description = "Whether to enable " + shell + " integration."
	default:
		return nil
	}
	if o.Type == nil {
		o.Type = &Type{Kind: Unknown, Note: "no type declared"}
	}
	x.checkType(o)
	return o
}

// checkType warns about the parts of an option's type fleet cannot check:
// a type it cannot read, or a pattern it cannot translate faithfully.
func (x *extractor) checkType(o *Option) {
	name := strings.Join(o.Path, ".")
	var walk func(t *Type)
	walk = func(t *Type) {
		if t == nil {
			return
		}
		switch {
		case t.Kind == Unknown && t.Note != "" && t.Note != "no type declared":
			x.warnf(o.Pos, "fleet cannot read the type of %s: %s", name, t.Note).
				Hint("values of %s are accepted unchecked; a type written with lib.types in this file is checked", name)
			return
		case t.Pattern != "":
			if _, err := Matcher(t.Pattern); err != nil {
				t.Note = "pattern not checked: " + err.Error()
				x.warnf(o.Pos, "fleet does not check %s against the pattern %q: %v", name, t.Pattern, err).
					Hint("values are checked as plain strings; Nix checks the pattern with POSIX extended syntax")
			}
		}
		walk(t.Elem)
		for _, a := range t.Alts {
			walk(a)
		}
	}
	walk(o.Type)
}

func typeNameOf(t *Type) string {
	if t == nil {
		return ""
	}
	return t.Name
}

// attrSets returns the literal sets an attribute-set expression is made
// of: a set, a name bound to one, or sets joined with //, in order.
func (x *extractor) attrSets(e syntax.Expr) ([]*syntax.AttrSet, bool) {
	if x.depth > maxFollow {
		return nil, false
	}
	switch v := x.resolve(e).(type) {
	case *syntax.AttrSet:
		return []*syntax.AttrSet{v}, v.RecTok == nil
	case *syntax.Binary:
		if v.Op.Text != "//" {
			return nil, false
		}
		x.depth++
		defer func() { x.depth-- }()
		a, ok1 := x.attrSets(v.X)
		b, ok2 := x.attrSets(v.Y)
		return append(a, b...), ok1 && ok2
	}
	return nil, false
}

// packageOption reads lib.mkPackageOption pkgs name { ... } as nixpkgs
// defines it: the package at pkgs.<default> (default: name, a string or
// a list of attribute names), null when nullable and default = null.
func (x *extractor) packageOption(o *Option, call syntax.Expr, args []syntax.Expr) {
	o.Type = &Type{Kind: Package, Name: "types.package"}
	if len(args) < 2 {
		o.Type = &Type{Kind: Unknown, Name: "types.package", Note: "mkPackageOption without a package name"}
		return
	}
	attrPath := func(e syntax.Expr) (string, bool) {
		if s, ok := x.literalString(e); ok {
			return s, true
		}
		l, ok := unwrap(e).(*syntax.List)
		if !ok || len(l.Elems) == 0 {
			return "", false
		}
		parts := make([]string, 0, len(l.Elems))
		for _, el := range l.Elems {
			s, ok := x.literalString(el)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "."), true
	}
	name, ok := attrPath(args[1])
	if !ok {
		o.Type.Note = "the package name is computed"
		o.Default = &Default{Computed: true, Source: x.f.Text(call), Pos: x.f.NodePos(call)}
		return
	}
	short := name[strings.LastIndexByte(name, '.')+1:]
	o.Description = fmt.Sprintf("The %s package to use.", short)
	o.Default = &Default{Computed: true, Source: "pkgs." + name, Pos: x.f.NodePos(args[1])}
	if len(args) < 3 {
		return
	}
	set, ok := unwrap(args[2]).(*syntax.AttrSet)
	if !ok {
		return
	}
	nullable := false
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok || a.Value == nil {
			continue
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) != 1 {
			continue
		}
		switch p[0] {
		case "default":
			if id, ok := unwrap(a.Value).(*syntax.Ident); ok && id.Tok.Text == "null" {
				o.Default = nil
				continue
			}
			if d, ok := attrPath(a.Value); ok {
				o.Default = &Default{Computed: true, Source: "pkgs." + d, Pos: x.f.NodePos(a.Value)}
			} else {
				o.Default = &Default{Computed: true, Source: x.f.Text(a.Value), Pos: x.f.NodePos(a.Value)}
			}
		case "nullable":
			if id, ok := unwrap(a.Value).(*syntax.Ident); ok && id.Tok.Text == "true" {
				nullable = true
			}
		case "example":
			if ex, ok := attrPath(a.Value); ok {
				o.Example = "pkgs." + ex
			} else {
				o.Example = x.f.Text(a.Value)
			}
		case "extraDescription":
			if s, ok := x.literalString(a.Value); ok && s != "" {
				o.Description += " " + s
			}
		}
	}
	if nullable {
		o.Type = &Type{Kind: NullOr, Name: "types.nullOr types.package", Elem: o.Type}
		if o.Default == nil {
			o.Default = &Default{Value: nil, Source: "null", Pos: x.f.NodePos(call)}
		}
	}
}

// optionAttrs reads the attributes of mkOption { ... }.
func (x *extractor) optionAttrs(o *Option, set *syntax.AttrSet) {
	for _, b := range set.Binds {
		if in, ok := b.(*syntax.Inherit); ok {
			// inherit (set) type; from a set bound in the module, or
			// inherit type; from a name: read; otherwise (inherit
			// (jsonFormat) type;) known only when evaluated.
			for _, n := range in.Names {
				name, _ := n.Static()
				var v syntax.Expr
				if in.From != nil {
					if set, ok := x.resolve(in.From).(*syntax.AttrSet); ok {
						v = x.attr(set, []string{name})
					}
				} else {
					v = x.name(name)
				}
				switch name {
				case "type":
					if v != nil {
						o.Type = x.typ(v, x.bare)
						continue
					}
					from := x.inheritSource(in)
					o.Type = &Type{Kind: Unknown, Name: from + ".type", Note: "the type is inherited from " + from}
				case "default":
					if v != nil {
						o.Default = x.defaultOf(v)
					}
				case "description":
					if v != nil {
						o.Description = x.text(v)
					}
				}
			}
			continue
		}
		a, ok := b.(*syntax.Assign)
		if !ok || a.Value == nil {
			continue
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) != 1 {
			continue
		}
		switch p[0] {
		case "type":
			o.Type = x.typ(a.Value, x.bare)
		case "default":
			o.Default = x.defaultOf(a.Value)
		case "description":
			o.Description = x.text(a.Value)
		case "example":
			o.Example = x.exampleOf(a.Value)
		}
	}
}

// text reads a description: a string literal (through lib.mdDoc and
// lib.literalMD), or the source.
func (x *extractor) text(e syntax.Expr) string {
	if s, ok := x.literalString(e); ok {
		return strings.TrimSpace(s)
	}
	if name, _, args := call(e); (name == "mdDoc" || name == "literalMD") && len(args) == 1 {
		if s, ok := x.literalString(args[0]); ok {
			return strings.TrimSpace(s)
		}
	}
	return x.f.Text(e)
}

// exampleOf reads an example: the text of lib.literalExpression, or the
// source.
func (x *extractor) exampleOf(e syntax.Expr) string {
	if name, _, args := call(e); (name == "literalExpression" || name == "literalExample") && len(args) == 1 {
		if s, ok := x.literalString(args[0]); ok {
			return strings.TrimSpace(s)
		}
	}
	return x.f.Text(e)
}

func (x *extractor) literalString(e syntax.Expr) (string, bool) {
	s, ok := x.resolve(e).(*syntax.String)
	if !ok {
		return "", false
	}
	return syntax.StringValue(s)
}

// defaultOf decodes a default: literal values become Go values, anything
// else is kept as source and marked computed.
func (x *extractor) defaultOf(e syntax.Expr) *Default {
	// A name bound in the module (a parameter of a helper, a let) is
	// the expression it stands for, where it is written.
	for range maxFollow {
		d := x.follow(e)
		if d == nil {
			break
		}
		e = d
	}
	d := &Default{Source: x.f.Text(e), Pos: x.f.NodePos(e)}
	v, ok := x.literal(e)
	if !ok {
		d.Computed = true
		return d
	}
	d.Value = v
	return d
}

// literal decodes a literal Nix value: null, booleans, numbers, strings
// without interpolation, and lists and attribute sets of those.
func (x *extractor) literal(e syntax.Expr) (any, bool) {
	switch v := unwrapParen(e).(type) {
	case *syntax.Ident:
		switch v.Tok.Text {
		case "null":
			return nil, true
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case *syntax.Int:
		return v.Value, true
	case *syntax.Float:
		return v.Value, true
	case *syntax.Unary:
		if v.Op.Kind == syntax.TokMinus {
			switch n := unwrapParen(v.X).(type) {
			case *syntax.Int:
				if n.Value == math.MinInt64 {
					return nil, false
				}
				return -n.Value, true
			case *syntax.Float:
				return -n.Value, true
			}
		}
	case *syntax.String:
		return syntax.StringValue(v)
	case *syntax.List:
		out := make([]any, 0, len(v.Elems))
		for _, el := range v.Elems {
			lv, ok := x.literal(el)
			if !ok {
				return nil, false
			}
			out = append(out, lv)
		}
		return out, true
	case *syntax.AttrSet:
		if v.RecTok != nil {
			return nil, false
		}
		out := map[string]any{}
		for _, b := range v.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				return nil, false
			}
			p, ok := staticPath(a.Path)
			if !ok {
				return nil, false
			}
			lv, ok := x.literal(a.Value)
			if !ok {
				return nil, false
			}
			cur := out
			for _, k := range p[:len(p)-1] {
				next, ok := cur[k].(map[string]any)
				if !ok {
					next = map[string]any{}
					cur[k] = next
				}
				cur = next
			}
			cur[p[len(p)-1]] = lv
		}
		return out, true
	}
	return nil, false
}

func unwrapParen(e syntax.Expr) syntax.Expr {
	for {
		p, ok := e.(*syntax.Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// simpleType maps the types of lib.types that take no argument to kinds.
func simpleType(name string) (Kind, bool) {
	switch name {
	case "bool":
		return Bool, true
	case "str", "string", "lines", "commas", "envVar", "passwdEntry":
		return Str, true
	case "int":
		return Int, true
	case "float":
		return Float, true
	case "number":
		return Number, true
	case "path", "pathInStore", "externalPath":
		return Path, true
	case "package", "shellPackage":
		return Package, true
	case "attrs":
		return Attrs, true
	case "anything", "raw", "unspecified":
		return Anything, true
	}
	return "", false
}

func ptr(n int64) *int64 { return &n }

// intBounds returns the bounds of the integer types of lib.types.ints.
func intBounds(name string) (lo, hi *int64, ok bool) {
	switch name {
	case "unsigned", "u64":
		return ptr(0), nil, true
	case "positive":
		return ptr(1), nil, true
	case "u8":
		return ptr(0), ptr(255), true
	case "u16":
		return ptr(0), ptr(65535), true
	case "u32":
		return ptr(0), ptr(4294967295), true
	case "s8":
		return ptr(-128), ptr(127), true
	case "s16":
		return ptr(-32768), ptr(32767), true
	case "s32":
		return ptr(-2147483648), ptr(2147483647), true
	case "s64", "int":
		return nil, nil, true
	}
	return nil, nil, false
}

// onlyDocs reports whether a set updating a type changes only its
// documentation (description, descriptionClass, name).
func onlyDocs(set *syntax.AttrSet) bool {
	if set.RecTok != nil {
		return false
	}
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok {
			return false
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) != 1 {
			return false
		}
		switch p[0] {
		case "description", "descriptionClass", "name":
		default:
			return false
		}
	}
	return true
}

// typ reads a type expression. bare is true under `with types;` (or
// `with lib.types;`), where type names stand alone. Names bound in the
// module (let, inherit (lib.types) ..., sets of types, parameters of
// local functions) are followed, and let and with inside the type read.
func (x *extractor) typ(e syntax.Expr, bare bool) *Type {
	name := x.typeName(e)
	if x.depth > maxFollow {
		return &Type{Kind: Unknown, Name: name, Note: "the type refers to itself"}
	}
	x.depth++
	defer func() { x.depth-- }()
	for inner := true; inner; {
		switch v := unwrapParen(e).(type) {
		case *syntax.Let:
			x.bind(v.Binds)
			e = v.Body
		case *syntax.With:
			if x.isTypesSet(v.Env) {
				bare = true
				// The options of submodules written inside see the
				// with too (type = with types; attrsOf (submodule {
				// options.x = mkOption { type = str; }; })).
				if !x.bare {
					x.bare = true
					defer func() { x.bare = false }()
				}
			}
			e = v.Body
		default:
			inner = false
		}
	}
	if b, ok := unwrapParen(e).(*syntax.Binary); ok && b.Op.Text == "//" {
		// types.attrsOf jsonFormat.type // { description = "..."; }: the
		// same type unless the update changes how values are checked.
		if set, ok := x.resolve(b.Y).(*syntax.AttrSet); ok && onlyDocs(set) {
			t := x.typ(b.X, bare)
			t.Name = name
			return t
		}
	}
	_, fn, args := call(e)
	if len(args) == 0 {
		if d := x.follow(fn); d != nil {
			// A type bound to a name: read its definition.
			return x.typ(d, bare)
		}
	}
	tn, isType := x.typesName(fn, bare)
	if !isType {
		if d := x.follow(fn); d != nil {
			if len(args) == 0 {
				// A type bound to a name: read its definition.
				return x.typ(d, bare)
			}
			if body, undo, ok := x.apply(fn, args); ok {
				t := x.typ(body, bare)
				undo()
				return t
			}
		}
		return &Type{Kind: Unknown, Name: name, Note: "type is not a lib.types expression"}
	}
	fnName := tn[strings.LastIndexByte(tn, '.')+1:]
	if strings.HasPrefix(tn, "ints.") {
		lo, hi, known := intBounds(fnName)
		switch {
		case fnName == "between" && len(args) == 2:
			lo, ok1 := x.literal(args[0])
			hi, ok2 := x.literal(args[1])
			l, ok3 := lo.(int64)
			h, ok4 := hi.(int64)
			if ok1 && ok2 && ok3 && ok4 {
				return &Type{Kind: Int, Name: name, Min: ptr(l), Max: ptr(h)}
			}
			return &Type{Kind: Int, Name: name}
		case known && len(args) == 0:
			return &Type{Kind: Int, Name: name, Min: lo, Max: hi}
		}
	}
	// elems reads the type arguments, and names the whole type by them
	// when one was reached through a name (a parameter of a helper).
	elems := func(args ...syntax.Expr) []*Type {
		ts := make([]*Type, len(args))
		renamed := false
		for i, a := range args {
			ts[i] = x.typ(a, bare)
			if id, ok := unwrap(a).(*syntax.Ident); ok && x.lets[id.Tok.Text].param {
				renamed = true
			}
		}
		if renamed {
			parts := []string{"types." + tn}
			for _, t := range ts {
				n := t.Name
				if n == "" {
					n = string(t.Kind)
				}
				if strings.ContainsAny(n, " ") {
					n = "(" + n + ")"
				}
				parts = append(parts, n)
			}
			name = strings.Join(parts, " ")
		}
		return ts
	}
	switch {
	case len(args) == 0:
		switch fnName {
		case "port":
			return &Type{Kind: Int, Name: name, Min: ptr(0), Max: ptr(65535)}
		case "nonEmptyStr":
			// nixpkgs: str.check x && builtins.match "[ \t\n]*" x == null
			return &Type{Kind: Str, Name: name, Pattern: "[ \t\n]*", Negate: true}
		case "singleLineStr":
			return &Type{Kind: Str, Name: name, Pattern: "[^\n\r]*\n?"}
		}
		if k, ok := simpleType(fnName); ok {
			return &Type{Kind: k, Name: name}
		}
	case fnName == "listOf" || fnName == "nonEmptyListOf":
		if len(args) == 1 {
			ts := elems(args[0])
			return &Type{Kind: ListOf, Name: name, Elem: ts[0]}
		}
	case fnName == "attrsOf" || fnName == "lazyAttrsOf":
		if len(args) == 1 {
			ts := elems(args[0])
			return &Type{Kind: AttrsOf, Name: name, Elem: ts[0]}
		}
	case fnName == "nullOr":
		if len(args) == 1 {
			ts := elems(args[0])
			return &Type{Kind: NullOr, Name: name, Elem: ts[0]}
		}
	case fnName == "uniq" || fnName == "unique":
		if len(args) >= 1 {
			t := x.typ(args[len(args)-1], bare)
			t.Name = name
			return t
		}
	case fnName == "either":
		if len(args) == 2 {
			return &Type{Kind: Either, Name: name, Alts: elems(args[0], args[1])}
		}
	case fnName == "oneOf":
		if len(args) == 1 {
			if l, ok := x.resolve(args[0]).(*syntax.List); ok {
				t := &Type{Kind: Either, Name: name}
				for _, el := range l.Elems {
					t.Alts = append(t.Alts, x.typ(el, bare))
				}
				return t
			}
		}
	case fnName == "coercedTo":
		if len(args) == 3 {
			return &Type{Kind: Either, Name: name, Alts: []*Type{x.typ(args[0], bare), x.typ(args[2], bare)}}
		}
	case fnName == "enum":
		if len(args) == 1 {
			if l, ok := x.resolve(args[0]).(*syntax.List); ok {
				t := &Type{Kind: Enum, Name: name}
				for _, el := range l.Elems {
					v, ok := x.literal(el)
					if !ok {
						return &Type{Kind: Unknown, Name: name, Note: "enum values are not literals"}
					}
					t.Values = append(t.Values, v)
				}
				return t
			}
		}
	case fnName == "strMatching":
		if len(args) == 1 {
			if p, ok := x.literalString(args[0]); ok {
				return &Type{Kind: Str, Name: name, Pattern: p}
			}
		}
		return &Type{Kind: Str, Name: name}
	case fnName == "separatedString":
		return &Type{Kind: Str, Name: name}
	case fnName == "submodule" || fnName == "submoduleWith":
		if len(args) == 1 {
			return x.submodule(args[0], name, fnName == "submoduleWith")
		}
	}
	return &Type{Kind: Unknown, Name: name, Note: fmt.Sprintf("fleet does not read %s statically", strings.TrimPrefix(name, "lib."))}
}

// typesName returns the name in lib.types an expression refers to
// ("str", "ints.positive", "listOf"): through lib.types.X and types.X,
// names bound to those (inherit (lib.types) str; t = lib.types;), and
// bare names under with types;.
func (x *extractor) typesName(e syntax.Expr, bare bool) (string, bool) {
	if x.depth > maxFollow {
		return "", false
	}
	x.depth++
	defer func() { x.depth-- }()
	switch v := unwrap(e).(type) {
	case *syntax.Ident:
		if b, ok := x.lets[v.Tok.Text]; ok {
			switch {
			case b.from != nil:
				if x.isTypesSet(b.from) {
					return b.name, true
				}
			case b.e != nil:
				return x.typesName(b.e, bare)
			}
			return "", false
		}
		if bare && knownType(v.Tok.Text) {
			return v.Tok.Text, true
		}
	case *syntax.Select:
		if v.Default != nil {
			return "", false
		}
		p, ok := staticPath(v.Path)
		if !ok {
			return "", false
		}
		if x.isTypesSet(v.X) {
			return strings.Join(p, "."), true
		}
		if len(p) > 1 && p[0] == "types" && x.isLib(v.X) {
			return strings.Join(p[1:], "."), true
		}
		// t.ints.positive with t bound to lib.types: the set is a prefix.
		if inner, ok := v.X.(*syntax.Select); ok && inner.Default == nil {
			if base, ok := x.typesName(inner, bare); ok && base == "ints" {
				return "ints." + strings.Join(p, "."), true
			}
		}
		if bare {
			if id, ok := v.X.(*syntax.Ident); ok && id.Tok.Text == "ints" {
				if _, bound := x.lets["ints"]; !bound {
					return "ints." + strings.Join(p, "."), true
				}
			}
		}
	}
	return "", false
}

// isTypesSet reports whether e is lib.types: types, lib.types, or a name
// bound to it (t = lib.types; inherit (lib) types;).
func (x *extractor) isTypesSet(e syntax.Expr) bool {
	if x.depth > maxFollow {
		return false
	}
	switch v := unwrap(e).(type) {
	case *syntax.Ident:
		b, ok := x.lets[v.Tok.Text]
		if !ok {
			return v.Tok.Text == "types"
		}
		x.depth++
		defer func() { x.depth-- }()
		if b.from != nil {
			return b.name == "types" && x.isLib(b.from)
		}
		return x.isTypesSet(b.e)
	case *syntax.Select:
		p, ok := staticPath(v.Path)
		return ok && v.Default == nil && len(p) == 1 && p[0] == "types" && x.isLib(v.X)
	}
	return false
}

// isLib reports whether e is lib (or a name bound to it).
func (x *extractor) isLib(e syntax.Expr) bool {
	id, ok := unwrap(e).(*syntax.Ident)
	if !ok {
		return false
	}
	b, bound := x.lets[id.Tok.Text]
	if !bound {
		return id.Tok.Text == "lib"
	}
	if b.e != nil && x.depth <= maxFollow {
		x.depth++
		defer func() { x.depth-- }()
		return x.isLib(b.e)
	}
	return false
}

// knownType reports whether name is a type or type function of lib.types
// fleet reads, for bare names under with types;.
func knownType(name string) bool {
	if _, ok := simpleType(name); ok {
		return true
	}
	switch name {
	case "port", "nonEmptyStr", "singleLineStr", "listOf", "nonEmptyListOf", "attrsOf", "lazyAttrsOf", "nullOr",
		"uniq", "unique", "either", "oneOf", "coercedTo", "enum", "strMatching", "separatedString",
		"submodule", "submoduleWith", "functionTo", "ints":
		return true
	}
	return false
}

// typeName renders a type expression's source on one line, without the
// lib. prefix, for documentation.
func (x *extractor) typeName(e syntax.Expr) string {
	// The modules given to submodule and submoduleWith are elided: their
	// whole source is too long for a type name.
	var elide []syntax.Node
	syntax.Inspect(e, func(n syntax.Node) bool {
		ap, ok := n.(*syntax.Apply)
		if !ok {
			return true
		}
		if name := lastName(unwrap(ap.Fn)); name == "submodule" || name == "submoduleWith" {
			if _, isPath := unwrapParen(ap.Arg).(*syntax.Path); !isPath {
				elide = append(elide, ap.Arg)
				return false
			}
		}
		return true
	})
	var b strings.Builder
	skipUntil := -1
	syntax.Tokens(e, func(t *syntax.Token) {
		if t.Off < skipUntil {
			return
		}
		for _, n := range elide {
			if first := syntax.FirstToken(n); first == t {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString("{ ... }")
				skipUntil = syntax.LastToken(n).End()
				return
			}
		}
		if t.Text == "" {
			return
		}
		// Tokens are joined by one space where the source has trivia.
		if b.Len() > 0 && t.Lead != "" {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	})
	return strings.ReplaceAll(b.String(), "lib.types.", "types.")
}

// submodule reads the options of types.submodule { options = ...; }, of a
// function returning such a set, or of submoduleWith { modules = [ ... ]; }.
func (x *extractor) submodule(arg syntax.Expr, name string, with bool) *Type {
	t := &Type{Kind: Submodule, Name: name}
	var modules []syntax.Expr
	if with {
		set, ok := x.resolve(arg).(*syntax.AttrSet)
		if !ok {
			return &Type{Kind: Unknown, Name: name, Note: "submoduleWith's argument is not readable"}
		}
		for _, b := range set.Binds {
			if a, ok := b.(*syntax.Assign); ok {
				if p, ok := staticPath(a.Path); ok && len(p) == 1 && p[0] == "modules" {
					if l, ok := x.resolve(a.Value).(*syntax.List); ok {
						modules = l.Elems
					}
				}
			}
		}
	} else if l, ok := x.resolve(arg).(*syntax.List); ok {
		// types.submodule [ moduleA moduleB ]
		modules = l.Elems
	} else {
		modules = []syntax.Expr{arg}
	}
	for _, m := range modules {
		e := x.resolve(m)
		y := x
		if z, body, ok := x.load(e); ok {
			y, e = z, body
			y.depth = x.depth + 1
		}
		if l, ok := e.(*syntax.Lambda); ok {
			e = y.resolve(l.Body)
			// submodule (args: import ./search.nix { inherit (args) config; ... })
			if z, body, ok := y.load(e); ok {
				z.depth = y.depth + 1
				y, e = z, body
				if l, ok := e.(*syntax.Lambda); ok {
					e = y.resolve(l.Body)
				}
			}
		}
		set, ok := e.(*syntax.AttrSet)
		if !ok {
			return &Type{Kind: Unknown, Name: name, Note: "submodule is not an attribute set fleet can read"}
		}
		declared := false
		for _, b := range set.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				continue
			}
			p, ok := staticPath(a.Path)
			if ok && len(p) == 1 && p[0] == "freeformType" {
				t.Freeform = true
				declared = true
				continue
			}
			if ok && len(p) == 2 && p[0] == "config" && p[1] == "_module" {
				continue
			}
			if ok && len(p) == 1 && p[0] == "imports" {
				// The submodule's own renames; any other import may
				// declare options fleet does not see.
				savedR, savedU := y.mod.Renames, y.mod.UnreadImports
				y.mod.Renames, y.mod.UnreadImports = nil, nil
				y.renames(a.Value)
				t.Renames = append(t.Renames, y.mod.Renames...)
				if u := y.mod.UnreadImports; u != nil && t.ImportsOpen == "" {
					t.ImportsOpen = "the submodule's imports are not readable statically: " + u.Reason
				} else if l, ok := y.resolve(a.Value).(*syntax.List); ok && t.ImportsOpen == "" {
					for _, el := range l.Elems {
						if _, isPath := unwrapParen(el).(*syntax.Path); isPath {
							t.ImportsOpen = "the submodule imports " + y.f.Text(el) + ", not read"
							break
						}
					}
				}
				y.mod.Renames, y.mod.UnreadImports = savedR, savedU
				continue
			}
			if !ok || len(p) == 0 || p[0] != "options" {
				continue
			}
			declared = true
			y.declarations(a.Value, p[1:], y.f.NodePos(a.Path), &t.Options)
		}
		if !declared {
			// A submodule written as a plain set of options.
			y.declarations(set, nil, y.f.NodePos(set), &t.Options)
		}
	}
	return t
}

// resolve looks through parentheses, let, with and assert, and through
// names bound in the module and selections from sets bound there (a few
// levels, so that cycles end).
func (x *extractor) resolve(e syntax.Expr) syntax.Expr {
	for range 8 {
		e = x.unwrapLets(e)
		d := x.follow(e)
		if d == nil {
			return e
		}
		e = d
	}
	return e
}
