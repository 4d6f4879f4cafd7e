// Package importer owns the way into fleet from an existing flake: it
// reads a hand-written systems flake statically with fleet's Nix parser
// (no evaluation), maps each nixosConfigurations and darwinConfigurations
// entry to a host whose Nix files are copied unchanged as host-only
// modules, and reports what it mapped and what it left, with positions.
package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Status says what became of something the flake defines.
type Status string

const (
	// Mapped: fleet holds it now (host.toml, fleet.toml, a copied file).
	Mapped Status = "mapped"
	// Left: fleet could not take it over; the user has to.
	Left Status = "left"
)

// Item is one line of the report: a position in the source flake (paths
// relative to it), what became of what is there.
type Item struct {
	Pos     diag.Pos `json:"pos"`
	Status  Status   `json:"status"`
	Host    string   `json:"host,omitempty"`
	Message string   `json:"message"`
}

// Host is one imported machine.
type Host struct {
	Name     string `json:"name"`
	Output   string `json:"output"` // nixosConfigurations | darwinConfigurations
	Platform string `json:"platform"`
	System   string `json:"system"`
	// Files maps each written file (relative to the fleet) to the source
	// file it copies (relative to the flake).
	Files map[string]string `json:"files"`
}

// Result is an import: the files of the new fleet and the report.
type Result struct {
	Hosts   []Host                   `json:"hosts"`
	Inputs  []string                 `json:"inputs"`
	Outputs []string                 `json:"outputs"` // every output name the old flake had, all kept
	Items   []Item                   `json:"items"`
	Files   map[string]atomicfs.File `json:"-"`
}

// Import reads the flake in src and returns the fleet it becomes, called
// name. Diagnostics are errors that stop the import (the flake does not
// parse, is not a flake fleet can read); what fleet cannot map is in the
// report instead.
func Import(src, name string) (*Result, []diag.Diagnostic, error) {
	srcAbs, err := filepath.Abs(src)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(filepath.Join(srcAbs, "flake.nix"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, []diag.Diagnostic{{Pos: diag.Pos{File: "flake.nix"}, Code: "import", Message: "no flake.nix in " + src,
				Hints: []string{"give the folder of the flake to import"}}}, nil
		}
		return nil, nil, err
	}
	f, ds := syntax.Parse("flake.nix", data)
	if len(ds) > 0 {
		return nil, ds, nil
	}
	im := &importer{
		src:    srcAbs,
		flake:  f,
		ev:     &evaluator{f: f, dir: srcAbs},
		res:    &Result{Files: map[string]atomicfs.File{}},
		parsed: map[string]*syntax.File{},
	}
	if ds := im.run(name); len(ds) > 0 {
		return nil, ds, nil
	}
	return im.res, nil, nil
}

type importer struct {
	src    string
	flake  *syntax.File
	ev     *evaluator
	res    *Result
	parsed map[string]*syntax.File
	// origin maps a written file to the source file it copies, to find
	// two sources claiming one target.
	origin  map[string]string
	formals []string // names the outputs function binds to inputs
	atName  string
	// darwinAlias is the name of the nix-darwin input when it is not
	// nix-darwin (darwin.lib.darwinSystem): the new flake adds
	// nix-darwin.follows = "<alias>", which fleet's generated outputs use.
	darwinAlias string
	darwinAt    diag.Pos
	// wrapped is the outputs' body when it is not an attribute set
	// literal (flake-parts' mkFlake): flake.nix keeps it whole.
	wrapped syntax.Expr
}

// inputNames are the inputs the old outputs function names as formals
// (inputs itself aside): the new files bind them with inherit (inputs).
func (im *importer) inputNames() []string {
	var names []string
	for _, n := range im.formals {
		if n != "inputs" {
			names = append(names, n)
		}
	}
	return names
}

func (im *importer) pos(x syntax.Node) diag.Pos {
	if x == nil || syntax.FirstToken(x) == nil {
		return diag.Pos{File: "flake.nix", Line: 1, Col: 1}
	}
	return im.flake.NodePos(x)
}

func (im *importer) item(p diag.Pos, st Status, host, format string, args ...any) {
	im.res.Items = append(im.res.Items, Item{Pos: p, Status: st, Host: host, Message: fmt.Sprintf(format, args...)})
}

func bindings(set *syntax.AttrSet) map[string]*syntax.Assign {
	m := map[string]*syntax.Assign{}
	for _, b := range set.Binds {
		if a, ok := b.(*syntax.Assign); ok && a.Path != nil && len(a.Path.Names) == 1 && a.Path.Names[0].Ident != nil {
			m[a.Path.Names[0].Ident.Text] = a
		}
	}
	return m
}

func (im *importer) run(name string) []diag.Diagnostic {
	top, ok := syntax.Unparen(im.flake.Expr).(*syntax.AttrSet)
	if !ok {
		return []diag.Diagnostic{{Pos: im.pos(im.flake.Expr), Code: "import", Message: "flake.nix is not an attribute set"}}
	}
	binds := bindings(top)
	out, ok := binds["outputs"]
	if !ok {
		return []diag.Diagnostic{{Pos: im.pos(top), Code: "import", Message: "flake.nix has no outputs"}}
	}
	lam, ok := syntax.Unparen(out.Value).(*syntax.Lambda)
	if !ok {
		return []diag.Diagnostic{{Pos: im.pos(out.Value), Code: "import", Message: "the outputs of flake.nix are not a function fleet can read",
			Hints: []string{"write outputs = { self, nixpkgs, ... }@inputs: { ... };"}}}
	}
	description := ""
	if d, ok := binds["description"]; ok {
		if s, ok := syntax.Unparen(d.Value).(*syntax.String); ok {
			description, _ = syntax.StringValue(s)
		}
	}

	// Inputs.
	type input struct{ name, url string }
	var inputs []input
	var inputsSrc string
	var inputsAt diag.Pos
	for _, b := range top.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok || a.Path == nil || len(a.Path.Names) == 0 || a.Path.Names[0].Ident == nil || a.Path.Names[0].Ident.Text != "inputs" {
			continue
		}
		if len(a.Path.Names) == 1 {
			inputsSrc = im.flake.Text(a.Value)
			inputsAt = im.pos(a.Value)
		}
	}
	topVal, _ := im.ev.eval(top, &env{}).(vAttrs)
	if t, ok := topVal.m["inputs"]; ok {
		if iv, ok := im.ev.force(t).(vAttrs); ok {
			for _, n := range iv.names {
				url := ""
				switch v := im.ev.force(iv.m[n]).(type) {
				case vAttrs:
					if u, ok := v.m["url"]; ok {
						if s, ok := im.ev.force(u).(vStr); ok {
							url = string(s)
						}
					}
				case vStr:
					url = string(v)
				}
				inputs = append(inputs, input{n, url})
			}
		}
	}
	if inputsSrc == "" && len(inputs) > 0 {
		// inputs.x.url = ...; written as separate bindings.
		var parts []string
		for _, b := range top.Binds {
			if a, ok := b.(*syntax.Assign); ok && a.Path != nil && len(a.Path.Names) > 1 && a.Path.Names[0].Ident != nil && a.Path.Names[0].Ident.Text == "inputs" {
				if ft := syntax.FirstToken(a); ft != nil {
					for _, l := range strings.Split(ft.Lead, "\n") {
						if l = strings.TrimSpace(l); strings.HasPrefix(l, "#") {
							parts = append(parts, "    "+l)
						}
					}
				}
				parts = append(parts, "    "+strings.TrimPrefix(im.flake.Text(a), "inputs."))
				if !inputsAt.IsValid() {
					inputsAt = im.pos(a)
				}
			}
		}
		inputsSrc = "{\n" + strings.Join(parts, "\n") + "\n  }"
	}
	for _, in := range inputs {
		im.res.Inputs = append(im.res.Inputs, in.name)
		if in.url == "" {
			im.item(inputsAt, Left, "", "input %s has no literal url: it is kept in flake.nix but not listed in fleet.toml", in.name)
		} else {
			im.item(inputsAt, Mapped, "", "input %s (%s) -> fleet.toml [inputs] and flake.nix", in.name, in.url)
		}
	}

	// The outputs function: its arguments are the inputs.
	oe := &env{vars: map[string]*thunk{}}
	if lam.Arg != nil {
		im.atName = lam.Arg.Text
		oe.vars[lam.Arg.Text] = valueThunk(vInputs{})
	}
	if lam.Formals != nil {
		for _, fm := range lam.Formals.Items {
			if fm.Name != nil {
				im.formals = append(im.formals, fm.Name.Text)
				oe.vars[fm.Name.Text] = valueThunk(vInput{name: fm.Name.Text})
			}
		}
	}
	body := syntax.Unparen(lam.Body)
	var letBinds []syntax.Binding
	for {
		l, ok := body.(*syntax.Let)
		if !ok {
			break
		}
		letBinds = append(letBinds, l.Binds...)
		body = syntax.Unparen(l.Body)
	}
	outs, ok := im.ev.eval(lam.Body, oe).(vAttrs)
	outSet, ok2 := body.(*syntax.AttrSet)
	if ok && !ok2 {
		// flake-parts' mkFlake: the outputs are computed; flake.nix keeps
		// the call and takes the machines from the fleet.
		im.wrapped = lam.Body
	}
	if !ok {
		return []diag.Diagnostic{{Pos: im.pos(lam.Body), Code: "import", Message: "the outputs of flake.nix are not an attribute set fleet can read",
			Hints: []string{"write outputs = inputs: let ... in { nixosConfigurations = ...; }"}}}
	}
	im.res.Outputs = slices.Clone(outs.names)
	im.origin = map[string]string{}

	for _, output := range []string{"nixosConfigurations", "darwinConfigurations"} {
		t, ok := outs.m[output]
		if !ok {
			continue
		}
		hosts, ok := im.ev.force(t).(vAttrs)
		if !ok {
			im.item(im.pos(t.x), Left, "", "%s is not an attribute set fleet can read: not imported", output)
			continue
		}
		for _, h := range hosts.names {
			im.host(output, h, hosts.m[h])
		}
	}
	if len(im.res.Hosts) == 0 {
		return []diag.Diagnostic{{Pos: im.pos(outSet), Code: "import", Message: "flake.nix defines no nixosConfigurations or darwinConfigurations fleet can read",
			Hints: []string{"each machine should be nixpkgs.lib.nixosSystem { ... } or nix-darwin.lib.darwinSystem { ... }, inline or through a function of the flake"}}}
	}

	if a := im.darwinAlias; a != "" {
		url := ""
		has := false
		for _, in := range inputs {
			if in.name == a {
				url = in.url
			}
			has = has || in.name == "nix-darwin"
		}
		switch {
		case has:
			im.item(im.darwinAt, Left, "", "the darwin hosts are built with the input %q, not nix-darwin: fleet's generated outputs use inputs.nix-darwin", a)
		case url == "" || !strings.HasSuffix(strings.TrimSpace(inputsSrc), "}"):
			im.item(im.darwinAt, Left, "", "nix-darwin is the input %q here: add nix-darwin.follows = %q; to the inputs of flake.nix and nix-darwin to fleet.toml", a, a)
		default:
			src := strings.TrimSpace(inputsSrc)
			inputsSrc = strings.TrimRight(src[:len(src)-1], " \t") + "    nix-darwin.follows = " + strconv.Quote(a) + ";\n  }"
			inputs = append(inputs, input{"nix-darwin", url})
			im.res.Inputs = append(im.res.Inputs, "nix-darwin")
			im.item(im.darwinAt, Mapped, "", "nix-darwin is the input %q here: flake.nix gets nix-darwin.follows = %q (fleet's generated outputs use inputs.nix-darwin), fleet.toml nix-darwin = %q", a, a, url)
		}
	}

	// fleet.toml.
	var b strings.Builder
	fmt.Fprintf(&b, "name = %s\n", inventory.QuoteString(name))
	if description != "" {
		fmt.Fprintf(&b, "description = %s\n", inventory.QuoteString(description))
	}
	b.WriteString("\n# The inputs of the imported flake; flake.nix declares each.\n[inputs]\n")
	for _, in := range inputs {
		if in.url != "" {
			fmt.Fprintf(&b, "%s = %s\n", inventory.QuoteKey(in.name), inventory.QuoteString(in.url))
		}
	}
	b.WriteString("\n# Admins read every secret: name = \"age1...\" (fleet secrets init creates a key).\n[admins]\n")
	im.res.Files["fleet.toml"] = atomicfs.File{Data: []byte(b.String())}

	return im.flakeNix(description, inputsSrc, inputsAt, letBinds, outSet)
}

// flakeNix writes the new flake.nix: the old inputs as written, outputs
// from the generated files, and every other output of the old flake
// copied with the let bindings it may use.
func (im *importer) flakeNix(description, inputsSrc string, inputsAt diag.Pos, letBinds []syntax.Binding, outSet *syntax.AttrSet) []diag.Diagnostic {
	top := build.Attrs()
	if description != "" {
		top.Set("description", build.Str(description))
	}
	if inputsSrc != "" {
		in, ds := build.Raw(inputsSrc, inputsAt)
		if len(ds) > 0 {
			return ds
		}
		top.Set("inputs", in)
	}
	let := build.Attrs()
	names := im.inputNames()
	if len(names) > 0 {
		let.InheritFrom(build.Var("inputs"), names...)
	}
	prefix := "inputs: let "
	if len(names) > 0 {
		prefix += "inherit (inputs) " + strings.Join(names, " ") + "; "
	}
	if im.atName != "" && im.atName != "inputs" {
		let.Set(im.atName, build.Var("inputs"))
		prefix += im.atName + " = inputs; "
	}
	var letSrc strings.Builder
	for _, b := range letBinds {
		letSrc.WriteString(im.flake.Text(b))
		letSrc.WriteString(" ")
	}
	prefix += letSrc.String()
	usesLet := false
	extra := build.Attrs()
	var binds []syntax.Binding
	if outSet != nil {
		binds = outSet.Binds
	}
	for _, b := range binds {
		a, ok := b.(*syntax.Assign)
		if !ok || a.Path == nil || len(a.Path.Names) == 0 {
			im.item(im.pos(b), Left, "", "this output binding is not copied: fleet reads only name = value; bindings here")
			continue
		}
		first, _ := im.flake.AttrNameText(a.Path.Names[0])
		if first == "nixosConfigurations" || first == "darwinConfigurations" {
			continue
		}
		var path []string
		static := true
		for _, n := range a.Path.Names {
			s, ok := n.Static()
			static = static && ok
			path = append(path, s)
		}
		src := im.flake.Text(a.Value)
		if !static || !im.scopeOK(prefix+"in ("+src+")") {
			im.item(im.pos(a), Left, "", "output %s is not copied: it uses names flake.nix binds outside its outputs' let; copy it into the new flake.nix by hand", strings.Join(path, "."))
			continue
		}
		if !im.scopeOK(strings.Replace(prefix, letSrc.String(), "", 1) + "in (" + src + ")") {
			usesLet = true
		}
		v, ds := build.Raw(src, im.pos(a.Value))
		if len(ds) > 0 {
			return ds
		}
		extra.SetPath(path, v)
		im.item(im.pos(a), Mapped, "", "output %s copied into flake.nix as written", strings.Join(path, "."))
		im.copyRootPaths(a.Value)
	}
	if usesLet {
		for _, b := range letBinds {
			switch b := b.(type) {
			case *syntax.Assign:
				var path []string
				for _, n := range b.Path.Names {
					s, _ := n.Static()
					path = append(path, s)
				}
				v, ds := build.Raw(im.flake.Text(b.Value), im.pos(b.Value))
				if len(ds) > 0 {
					return ds
				}
				let.SetPath(path, v)
			case *syntax.Inherit:
				var ns []string
				for _, n := range b.Names {
					s, _ := n.Static()
					ns = append(ns, s)
				}
				if b.From != nil {
					from, ds := build.Raw(im.flake.Text(b.From), im.pos(b.From))
					if len(ds) > 0 {
						return ds
					}
					let.InheritFrom(from, ns...)
				} else {
					let.Inherit(ns...)
				}
			}
		}
	}
	var outputs build.Expr = build.Call(build.Var("import"), build.Path("./generated/outputs.nix"), build.Var("inputs"))
	if im.wrapped != nil {
		src := im.flake.Text(im.wrapped)
		if !im.scopeOK(prefix + "in (" + src + ")") {
			return []diag.Diagnostic{{Pos: im.pos(im.wrapped), Code: "import", Message: "the outputs of flake.nix use names bound outside them: fleet cannot keep them"}}
		}
		old, ds := build.Raw(src, im.pos(im.wrapped))
		if len(ds) > 0 {
			return ds
		}
		var machines []string
		for _, o := range im.res.Outputs {
			if o == "nixosConfigurations" || o == "darwinConfigurations" {
				machines = append(machines, o)
			}
		}
		outputs = build.Binary(old, "//", build.Attrs().InheritFrom(outputs, machines...))
		im.item(im.pos(im.wrapped), Mapped, "", "the outputs are computed (%s): flake.nix keeps them as written, with %s from the fleet", strings.TrimSpace(firstLine(src)), strings.Join(machines, " and "))
		im.copyRootPaths(im.wrapped)
		letBinds, usesLet = nil, false
	}
	if extra.Len() > 0 {
		outputs = build.Binary(outputs, "//", extra)
	}
	if let.Len() > 0 {
		outputs = build.Let(let, outputs)
	}
	top.Set("outputs", build.Lambda("inputs", outputs))
	data, err := build.File([]string{"Imported by fleet import: nixosConfigurations and darwinConfigurations come", "from the fleet (generated/outputs.nix); the other outputs are the old flake's."}, top)
	if err != nil {
		return []diag.Diagnostic{{Pos: diag.Pos{File: "flake.nix"}, Code: "import", Message: err.Error()}}
	}
	im.res.Files["flake.nix"] = atomicfs.File{Data: data}
	return nil
}

// scopeOK reports whether src parses and uses no unbound variable.
func (im *importer) scopeOK(src string) bool {
	return len(syntax.Check("x.nix", []byte(src))) == 0
}

func (im *importer) host(output, name string, t *thunk) {
	at := im.pos(t.x)
	if !inventory.IsHostName(name) {
		im.item(at, Left, "", "%s.%s is not imported: %q is not a fleet host name (lowercase letters, digits and -)", output, name, name)
		return
	}
	sys, ok := im.ev.force(t).(vSystem)
	if !ok {
		im.item(at, Left, name, "%s.%s is not imported: it is not a call of nixpkgs.lib.nixosSystem or nix-darwin.lib.darwinSystem fleet can follow", output, name)
		return
	}
	want := "nixos"
	if output == "darwinConfigurations" {
		want = "darwin"
	}
	if sys.platform != want {
		im.item(im.pos(sys.call), Left, name, "%s.%s is built with %s.lib.%sSystem: not imported", output, name, sys.input, sys.platform)
		return
	}
	args, ok := im.ev.force(sys.arg).(vAttrs)
	if !ok {
		im.item(im.pos(sys.call), Left, name, "the argument of %s.lib.%sSystem is not an attribute set fleet can read: %s not imported", sys.input, sys.platform, name)
		return
	}
	h := Host{Name: name, Output: output, Platform: sys.platform, Files: map[string]string{}}
	im.item(im.pos(sys.call), Mapped, name, "%s.%s -> hosts/%s (platform %s)", output, name, name, sys.platform)
	if sys.platform == "darwin" && sys.input != "nix-darwin" && im.darwinAlias == "" {
		im.darwinAlias = sys.input
		im.darwinAt = im.pos(sys.call)
	}
	hp := &hostPlan{h: &h, im: im, files: map[string]string{}, modules: map[string]bool{}, at: im.pos(sys.call)}
	for _, arg := range args.names {
		at := args.m[arg]
		p := im.pos(at.x)
		if at.x == nil {
			p = im.pos(sys.call)
		}
		switch arg {
		case "system":
			if s, ok := im.ev.force(at).(vStr); ok {
				h.System = string(s)
				im.item(p, Mapped, name, "system %q -> hosts/%s/host.toml system", h.System, name)
			} else {
				im.item(p, Left, name, "system is not a literal: set system in hosts/%s/host.toml", name)
			}
		case "modules":
			l, ok := im.ev.force(at).(vList)
			if !ok {
				im.item(p, Left, name, "modules is not a list fleet can read: none of them is imported")
				continue
			}
			hp.chooseBase(l.items)
			for _, m := range l.items {
				hp.module(m)
			}
		case "specialArgs":
			sv := im.ev.force(at)
			if _, ok := sv.(vInputs); ok {
				for _, in := range im.res.Inputs {
					hp.arg(in, build.Select(build.Var("inputs"), in))
				}
				hp.arg("self", build.Select(build.Var("inputs"), "self"))
				im.item(p, Mapped, name, "specialArgs are the inputs: fleet passes them as specialArgs.inputs, and each input by name as _module.args.<name> in hosts/%s/%s (usable in the modules' arguments, not in their imports)", name, flakeModules)
				continue
			}
			sa, ok := sv.(vAttrs)
			if !ok {
				im.item(p, Left, name, "specialArgs is not an attribute set fleet can read: pass its values by hand")
				continue
			}
			for _, n := range sa.names {
				hp.specialArg(n, sa.m[n], p)
			}
		default:
			im.item(p, Left, name, "%s = ... is not imported: fleet builds the host with its own %s.lib.%sSystem call", arg, sys.input, sys.platform)
		}
	}
	hp.finish()
	im.res.Hosts = append(im.res.Hosts, h)
}

func relSlash(base, p string) (string, bool) {
	r, err := filepath.Rel(base, p)
	if err != nil || !filepath.IsLocal(r) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// copyRootPaths copies the files relative path literals in an output
// copied into the new flake.nix name, to the same place in the fleet.
func (im *importer) copyRootPaths(n syntax.Node) {
	hostSources := map[string]bool{}
	for _, h := range im.res.Hosts {
		for _, from := range h.Files {
			hostSources[from] = true
			if path.Base(from) == "default.nix" {
				hostSources[path.Dir(from)] = true
			}
		}
	}
	eachRelativePath(n, func(p *syntax.Path, lit string) {
		abs := filepath.Join(im.src, lit)
		r, ok := relSlash(im.src, abs)
		if ok && hostSources[r] {
			return // a machine's file: the fleet has it
		}
		top := strings.SplitN(r, "/", 2)[0]
		if !ok || fleetNames[top] {
			im.item(im.flake.NodePos(p), Left, "", "%s is outside the flake or where fleet keeps its own files: copy it by hand and change this path", lit)
			return
		}
		_ = filepath.WalkDir(abs, func(q string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			rq, _ := relSlash(im.src, q)
			if _, dup := im.res.Files[rq]; !dup {
				data, err := os.ReadFile(q)
				if err == nil {
					st, _ := d.Info()
					im.res.Files[rq] = atomicfs.File{Data: data, Mode: st.Mode().Perm()}
				}
			}
			return nil
		})
	})
}

// fleetNames are the top-level names of a fleet's own files.
var fleetNames = map[string]bool{
	"fleet.toml": true, "flake.nix": true, "flake.lock": true, "generated": true, "hosts": true, "profiles": true, "roles": true,
	"common": true, "users": true, "modules": true, "packages": true, "containers": true, "secrets": true,
	"templates": true, "tests": true, "docs": true, ".sops.yaml": true, "IMPORT.md": true,
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
