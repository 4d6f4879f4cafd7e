package importer

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// flakeModules is the host-only module fleet import writes for what the
// flake gave a host besides its files: modules of inputs, inline modules,
// specialArgs.
const flakeModules = "flake-modules.nix"

// hostPlan collects one host's files and modules.
type hostPlan struct {
	im *importer
	h  *Host
	at diag.Pos // the nixosSystem call
	// base is the folder of the host's first module file: files below it
	// keep their place relative to it at the top of hosts/<host>/, files
	// elsewhere in the flake their place relative to the flake.
	base    string
	files   map[string]string // target (relative to hosts/<host>) -> absolute source
	modules map[string]bool   // targets used as modules (in imports or the flake's list)
	queue   []string
	imports []build.Expr
	args    []namedExpr
	// inlineFacts are literal facts (system.stateVersion, ...) inline
	// modules define.
	inlineFacts map[string]fact
}

// fact is a literal value a host's modules define, where.
type fact struct {
	val any
	pos diag.Pos
}

// factPaths are the options whose literal values go to host.toml.
var factPaths = []string{"system.stateVersion", "networking.hostName", "nixpkgs.hostPlatform", "nixpkgs.system"}

func literal(x syntax.Expr) any {
	switch x := syntax.Unparen(x).(type) {
	case *syntax.String:
		if s, ok := syntax.StringValue(x); ok {
			return s
		}
	case *syntax.Int:
		return x.Value
	}
	return nil
}

type namedExpr struct {
	name string
	x    build.Expr
}

func (hp *hostPlan) rel(abs string) string {
	r, _ := relSlash(hp.im.src, abs)
	return r
}

// target is where a source file goes below hosts/<host>/, or "" when it
// is outside the flake.
func (hp *hostPlan) target(abs string) string {
	if hp.base != "" {
		if r, ok := relSlash(hp.base, abs); ok {
			return r
		}
	}
	if r, ok := relSlash(hp.im.src, abs); ok {
		return r
	}
	return ""
}

func (hp *hostPlan) add(target, abs string) bool {
	if old, ok := hp.files[target]; ok {
		return old == abs
	}
	if target == flakeModules || target == "host.toml" {
		return false
	}
	hp.files[target] = abs
	hp.queue = append(hp.queue, abs)
	return true
}

// chooseBase picks the folder whose files go to the top of
// hosts/<host>/: that of the first module file whose path names the host
// (machines/<host>/default.nix, hosts/<host>.nix), else of the first
// module file.
func (hp *hostPlan) chooseBase(items []*thunk) {
	var first string
	for _, t := range items {
		var abs string
		switch v := hp.im.ev.force(t).(type) {
		case vPath:
			abs = string(v)
		case vImport:
			abs = string(v)
		default:
			continue
		}
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			abs = filepath.Join(abs, "default.nix")
		}
		if _, ok := relSlash(hp.im.src, abs); !ok {
			continue
		}
		if first == "" {
			first = filepath.Dir(abs)
		}
		r, _ := relSlash(hp.im.src, abs)
		base := strings.TrimSuffix(path.Base(r), ".nix")
		if base == hp.h.Name || slices.Contains(strings.Split(path.Dir(r), "/"), hp.h.Name) {
			hp.base = filepath.Dir(abs)
			return
		}
	}
	hp.base = first
}

func (hp *hostPlan) module(t *thunk) {
	im, name := hp.im, hp.h.Name
	p := im.pos(t.x)
	switch v := im.ev.force(t).(type) {
	case vPath, vImport:
		var abs string
		if s, ok := v.(vPath); ok {
			abs = string(s)
		} else {
			abs = string(v.(vImport))
		}
		st, err := os.Stat(abs)
		if err != nil {
			im.item(p, Left, name, "module %s does not exist: not imported", hp.rel(abs))
			return
		}
		if st.IsDir() {
			abs = filepath.Join(abs, "default.nix")
		}
		if hp.base == "" {
			if _, ok := relSlash(im.src, abs); ok {
				hp.base = filepath.Dir(abs)
			}
		}
		target := hp.target(abs)
		if target == "" || !hp.add(target, abs) {
			im.item(p, Left, name, "module %s is outside the flake or clashes with another file: copy it into hosts/%s by hand", abs, name)
			return
		}
		hp.modules[target] = true
		if strings.Contains(target, "/") {
			hp.imports = append(hp.imports, build.Path("./"+target))
			im.item(p, Mapped, name, "module ./%s -> hosts/%s/%s (copied unchanged, imported by %s)", hp.rel(abs), name, target, flakeModules)
		} else {
			im.item(p, Mapped, name, "module ./%s -> hosts/%s/%s (copied unchanged)", hp.rel(abs), name, target)
		}
	case vInput:
		if len(v.path) == 0 {
			im.item(p, Left, name, "module %s is a whole input: not imported", v.name)
			return
		}
		hp.imports = append(hp.imports, build.Select(build.Var("inputs"), append([]string{v.name}, v.path...)...))
		what := "input module"
		if v.name == "home-manager" || strings.HasSuffix(strings.Join(v.path, "."), ".home-manager") {
			what = "home-manager as a module"
		}
		im.item(p, Mapped, name, "%s %s.%s -> hosts/%s/%s", what, v.name, strings.Join(v.path, "."), name, flakeModules)
	case vAttrs, vLambda:
		var node syntax.Expr
		if a, ok := v.(vAttrs); ok {
			node = a.src
		} else {
			node = v.(vLambda).l
		}
		if node == nil {
			im.item(p, Left, name, "this module is computed: copy it into hosts/%s by hand", name)
			return
		}
		hp.inline(node)
	default:
		switch n := syntax.Unparen(t.x).(type) {
		case *syntax.AttrSet, *syntax.Lambda:
			hp.inline(n)
			return
		}
		im.item(p, Left, name, "module %s is not one fleet can follow: add it to hosts/%s by hand", strings.TrimSpace(im.flake.Text(t.x)), name)
	}
}

// inline takes a module written in the flake's list as it is, when it
// uses no name the flake binds (but the inputs).
func (hp *hostPlan) inline(node syntax.Expr) {
	im, name := hp.im, hp.h.Name
	src := im.flake.Text(node)
	if !im.scopeOK(hp.wrapper() + "(" + src + ")") {
		im.item(im.pos(node), Left, name, "inline module not imported: it uses names bound in flake.nix; move it into a file of hosts/%s by hand", name)
		return
	}
	if bad := hp.copyPaths(node, im.flake, im.src, ""); bad {
		return
	}
	x, ds := build.Raw(dedent(src, int(im.pos(node).Col-1), "    "), im.pos(node))
	if len(ds) > 0 {
		im.item(im.pos(node), Left, name, "inline module not imported: %s", ds[0].Message)
		return
	}
	hp.imports = append(hp.imports, x)
	im.item(im.pos(node), Mapped, name, "inline module -> hosts/%s/%s (as written)", name, flakeModules)
	if set, ok := node.(*syntax.AttrSet); ok && set.RecTok == nil {
		for _, d := range im.flake.Definitions(set) {
			if v := literal(d.Value); v != nil && slices.Contains(factPaths, d.PathString()) {
				if hp.inlineFacts == nil {
					hp.inlineFacts = map[string]fact{}
				}
				if _, seen := hp.inlineFacts[d.PathString()]; !seen {
					hp.inlineFacts[d.PathString()] = fact{v, d.Pos}
				}
			}
		}
	}
}

// wrapper is the start of the flake-modules.nix function, binding what the
// outputs function of the flake bound.
func (hp *hostPlan) wrapper() string {
	w := "{ inputs, ... }: let "
	for _, n := range hp.im.formals {
		if n != "inputs" {
			w += "inherit (inputs) " + n + "; "
		}
	}
	if a := hp.im.atName; a != "" && a != "inputs" {
		w += a + " = inputs; "
	}
	return w + "in "
}

func (hp *hostPlan) specialArg(n string, t *thunk, at diag.Pos) {
	im, name := hp.im, hp.h.Name
	p := at
	if t.x != nil {
		p = im.pos(t.x)
	}
	switch v := im.ev.force(t).(type) {
	case vInputs:
		if n == "inputs" {
			im.item(p, Mapped, name, "specialArgs.inputs: fleet passes the inputs as specialArgs.inputs too")
			return
		}
		hp.arg(n, build.Var("inputs"))
	case vInput:
		hp.arg(n, build.Select(build.Var("inputs"), append([]string{v.name}, v.path...)...))
	case vStr:
		hp.arg(n, build.Str(string(v)))
	default:
		im.item(p, Left, name, "specialArgs.%s is not imported: pass it to the host's modules by hand (_module.args.%s in hosts/%s)", n, n, name)
		return
	}
	im.item(p, Mapped, name, "specialArgs.%s -> _module.args.%s in hosts/%s/%s (usable in the modules' arguments, not in their imports)", n, n, name, flakeModules)
}

func (hp *hostPlan) arg(n string, x build.Expr) {
	hp.args = append(hp.args, namedExpr{n, x})
}

// copyPaths adds the files that relative path literals in n (of file f,
// in folder dir) name, when they keep pointing at the same file once
// written below hosts/<host>/ (from: the target of f, "" for the flake
// module file at the top). It reports each path that would not and
// returns true then.
func (hp *hostPlan) copyPaths(n syntax.Node, f *syntax.File, dir, from string) bool {
	bad := false
	eachRelativePath(n, func(p *syntax.Path, lit string) {
		abs := filepath.Join(dir, lit)
		if _, err := os.Stat(abs); err != nil {
			hp.im.item(f.NodePos(p), Left, hp.h.Name, "%s does not exist: nothing copied", lit)
			return
		}
		want := path.Clean(path.Join(path.Dir(from), lit))
		if from == "" {
			want = path.Clean(lit)
		}
		got := hp.target(abs)
		if got != want || strings.HasPrefix(want, "../") {
			hp.im.item(f.NodePos(p), Left, hp.h.Name, "%s leaves the host's folder: copy it into hosts/%s and change this path by hand", lit, hp.h.Name)
			bad = true
			return
		}
		hp.addTree(got, abs)
	})
	return bad
}

// eachRelativePath calls f with every path literal below n that starts
// with ./ or ../ (paths inside a path's interpolations are not looked at).
func eachRelativePath(n syntax.Node, f func(p *syntax.Path, lit string)) {
	syntax.Inspect(n, func(x syntax.Node) bool {
		p, ok := x.(*syntax.Path)
		if !ok {
			return true
		}
		if lit, ok := literalPath(p); ok && (strings.HasPrefix(lit, "./") || strings.HasPrefix(lit, "../")) {
			f(p, lit)
		}
		return false
	})
}

func (hp *hostPlan) addTree(target, abs string) {
	st, err := os.Stat(abs)
	if err != nil {
		return
	}
	if !st.IsDir() {
		hp.add(target, abs)
		return
	}
	_ = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		r, _ := relSlash(abs, p)
		hp.add(path.Join(target, r), p)
		return nil
	})
}

func literalPath(p *syntax.Path) (string, bool) {
	if len(p.Parts) != 1 {
		return "", false
	}
	t, ok := p.Parts[0].(*syntax.Text)
	if !ok || t.Tok == nil || t.Tok.Kind != syntax.TokPath {
		return "", false
	}
	return t.Tok.Text, true
}

// finish copies the files (and what they refer to), reads the host's
// facts from them and writes host.toml and flake-modules.nix.
func (hp *hostPlan) finish() {
	im, h := hp.im, hp.h
	facts := map[string]fact{}
	for k, f := range hp.inlineFacts {
		facts[k] = f
	}
	for len(hp.queue) > 0 {
		abs := hp.queue[0]
		hp.queue = hp.queue[1:]
		if !strings.HasSuffix(abs, ".nix") {
			continue
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			continue
		}
		f, ds := syntax.Parse(hp.rel(abs), data)
		if len(ds) > 0 {
			im.item(ds[0].Pos, Left, h.Name, "does not parse: %s (copied as it is)", ds[0].Message)
			continue
		}
		target := hp.target(abs)
		hp.copyPaths(f.Expr, f, filepath.Dir(abs), target)
		syntax.Inspect(f.Expr, func(n syntax.Node) bool {
			a, ok := n.(*syntax.Assign)
			if !ok || a.Path == nil || len(a.Path.Names) != 1 || a.Path.Names[0].Ident == nil || a.Path.Names[0].Ident.Text != "imports" {
				return true
			}
			if l, ok := syntax.Unparen(a.Value).(*syntax.List); ok {
				for _, e := range l.Elems {
					if p, ok := syntax.Unparen(e).(*syntax.Path); ok {
						if lit, ok := literalPath(p); ok {
							hp.modules[path.Clean(path.Join(path.Dir(target), lit))] = true
						}
					}
				}
			}
			return true
		})
		for _, d := range f.ModuleDefinitions() {
			switch ps := d.PathString(); ps {
			case "system.stateVersion", "networking.hostName", "nixpkgs.hostPlatform", "nixpkgs.system":
				var v any
				switch x := syntax.Unparen(d.Value).(type) {
				case *syntax.String:
					if s, ok := syntax.StringValue(x); ok {
						v = s
					}
				case *syntax.Int:
					v = x.Value
				}
				if v == nil {
					im.item(d.Pos, Left, h.Name, "%s is not a literal: it stays in this file only", ps)
					continue
				}
				if _, seen := facts[ps]; !seen {
					facts[ps] = fact{v, d.Pos}
				}
			}
		}
	}
	targets := make([]string, 0, len(hp.files))
	for t := range hp.files {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	for _, t := range targets {
		abs := hp.files[t]
		data, err := os.ReadFile(abs)
		if err != nil {
			continue
		}
		st, _ := os.Stat(abs)
		out := "hosts/" + h.Name + "/" + t
		im.res.Files[out] = atomicfs.File{Data: data, Mode: st.Mode().Perm()}
		h.Files[out] = hp.rel(abs)
		if !strings.Contains(t, "/") && strings.HasSuffix(t, ".nix") && !hp.modules[t] {
			im.item(diag.Pos{File: hp.rel(abs), Line: 1, Col: 1}, Left, h.Name, "fleet imports every .nix file at the top of hosts/%s as a module, and %s is not used as one: move it into a subfolder and change the paths to it", h.Name, t)
		}
	}

	if f, ok := facts["networking.hostName"]; ok {
		if f.val == h.Name {
			im.item(f.pos, Mapped, h.Name, "networking.hostName %q: fleet sets it from the host's name (the file keeps the same value)", h.Name)
		} else {
			im.item(f.pos, Left, h.Name, "networking.hostName is %v but the host is called %s: fleet sets networking.hostName = %q, so the two definitions clash; rename the host or remove this line", f.val, h.Name, h.Name)
		}
	}
	if _, ok := facts["networking.hostName"]; !ok {
		im.item(hp.at, Mapped, h.Name, "networking.hostName is not set in %s's files: fleet sets it to %q (the module's default was \"nixos\"; --verify lists it)", h.Name, h.Name)
	}
	if h.System == "" {
		for _, k := range []string{"nixpkgs.hostPlatform", "nixpkgs.system"} {
			if f, ok := facts[k]; ok {
				if s, ok := f.val.(string); ok {
					h.System = s
					im.item(f.pos, Mapped, h.Name, "%s %q -> hosts/%s/host.toml system", k, s, h.Name)
					break
				}
			}
		}
	}
	if h.System == "" {
		h.System = "x86_64-linux"
		if h.Platform == "darwin" {
			h.System = "aarch64-darwin"
		}
		im.item(hp.at, Left, h.Name, "no literal system for %s: host.toml says %s, correct it if it is wrong", h.Name, h.System)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "description = %s\n", inventory.QuoteString("Imported from "+h.Output+"."+h.Name))
	fmt.Fprintf(&b, "platform = %s\n", inventory.QuoteString(h.Platform))
	fmt.Fprintf(&b, "system = %s\n", inventory.QuoteString(h.System))
	if f, ok := facts["system.stateVersion"]; ok {
		switch v := f.val.(type) {
		case string:
			fmt.Fprintf(&b, "state_version = %s\n", inventory.QuoteString(v))
		case int64:
			fmt.Fprintf(&b, "state_version = %d\n", v)
		}
		im.item(f.pos, Mapped, h.Name, "system.stateVersion %v -> hosts/%s/host.toml state_version (the file keeps the same value)", f.val, h.Name)
	} else {
		im.item(hp.at, Left, h.Name, "no literal system.stateVersion for %s: add state_version to its host.toml", h.Name)
	}
	im.res.Files["hosts/"+h.Name+"/host.toml"] = atomicfs.File{Data: []byte(b.String())}

	if len(hp.imports) > 0 || len(hp.args) > 0 {
		body := build.Attrs()
		if len(hp.imports) > 0 {
			body.Set("imports", build.List(hp.imports...))
		}
		for _, a := range hp.args {
			body.SetPath([]string{"_module", "args", a.name}, a.x)
		}
		var e build.Expr = body
		w := build.Attrs()
		names := im.inputNames()
		if len(names) > 0 {
			w.InheritFrom(build.Var("inputs"), names...)
		}
		if a := im.atName; a != "" && a != "inputs" {
			w.Set(a, build.Var("inputs"))
		}
		if w.Len() > 0 {
			e = build.Let(w, e)
		}
		data, err := build.File([]string{
			"Written by fleet import: the modules flake.nix gave " + h.Name + " besides its files,",
			"as they were written there. fleet passes the flake's inputs as specialArgs.inputs.",
		}, build.Func([]string{"inputs", "..."}, e))
		if err != nil {
			im.item(diag.Pos{File: "flake.nix"}, Left, h.Name, "cannot write %s: %v", flakeModules, err)
			return
		}
		im.res.Files["hosts/"+h.Name+"/"+flakeModules] = atomicfs.File{Data: data}
		h.Files["hosts/"+h.Name+"/"+flakeModules] = ""
	}
}

// dedent replaces n columns of indentation by indent in the lines after
// the first of src, when every one has them and src has no indented string (whose
// text the indentation belongs to).
func dedent(src string, n int, indent string) string {
	if n <= 0 || strings.Contains(src, "''") {
		return src
	}
	lines := strings.Split(src, "\n")
	pad := strings.Repeat(" ", n)
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, pad) {
			return src
		}
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			lines[i] = ""
		} else {
			lines[i] = indent + lines[i][n:]
		}
	}
	return strings.Join(lines, "\n")
}
