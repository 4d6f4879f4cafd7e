package devenv_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetdev/fleet/internal/devenv"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
)

const example = "../../examples/homelab"

func load(t *testing.T, dir string) *fleet.Fleet {
	t.Helper()
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Diags.HasErrors() {
		t.Fatalf("%s has errors: %v", dir, f.Diags.Items())
	}
	return f
}

func needNix(t *testing.T) string {
	t.Helper()
	nix, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not found: install nix-bin (Nix 2.8) to evaluate the templates' dev shells")
	}
	return nix
}

// evalJSON evaluates expr with nix-instantiate --eval --strict --json.
func evalJSON(t *testing.T, nix, expr string, v any) {
	t.Helper()
	out, err := exec.Command(nix, "--eval", "--strict", "--json", "-E", expr).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("nix-instantiate: %v\n%s\nexpression:\n%s", err, stderr, expr)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// standInPkgs is a package set holding each name as { name = "<name>"; }
// (dotted names nested), mkShell returning its arguments, and what the
// example templates read besides their packages.
func standInPkgs(names []string) *build.AttrSet {
	pkgs := build.Attrs()
	for _, n := range names {
		pkgs.SetPath(strings.Split(n, "."), build.Attrs().Set("name", build.Str(n)))
	}
	pkgs.Set("mkShell", build.Lambda("args", build.Var("args")))
	pkgs.SetPath([]string{"rustPlatform", "rustLibSrc"}, build.Str("/rust-lib-src"))
	return pkgs
}

// writeStandInNixpkgs writes a tiny nixpkgs flake stand-in: lib.genAttrs
// and legacyPackages.<system> for each system.
func writeStandInNixpkgs(t *testing.T, dir string, systems, names []string) string {
	t.Helper()
	legacy := build.Attrs()
	for _, s := range systems {
		legacy.Set(s, build.Var("pkgs"))
	}
	n := build.Var("n")
	genAttrs := build.Lambda("names", build.Lambda("f", build.Call(build.Select(build.Var("builtins"), "listToAttrs"),
		build.Call(build.Var("map"), build.Lambda("n", build.Attrs().Set("name", n).Set("value", build.Call(build.Var("f"), n))), build.Var("names")))))
	body := build.Let(build.Attrs().Set("pkgs", standInPkgs(names)),
		build.Attrs().SetPath([]string{"lib", "genAttrs"}, genAttrs).Set("legacyPackages", legacy))
	src, err := build.File([]string{"A stand-in for nixpkgs: every package is { name = <attribute>; }."}, body)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "nixpkgs.nix")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func allToolsetPackages(f *fleet.Fleet) []string {
	var out []string
	for _, ts := range f.Inventory.Toolsets {
		for _, p := range ts.Packages {
			out = append(out, p.V)
		}
		for _, pl := range ts.Platforms {
			for _, p := range pl.Packages {
				out = append(out, p.V)
			}
		}
	}
	out = append(out, "nixfmt")
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTemplateDevShells writes a project from each of the example's
// templates and evaluates its flake with Nix against a stand-in nixpkgs:
// there is a dev shell for every system of the fleet's dev machines, and
// its packages are, by name and in order, the packages the template's
// toolsets give that system.
func TestTemplateDevShells(t *testing.T) {
	nix := needNix(t)
	f := load(t, example)
	systems := devenv.Systems(f.Eval)
	if !slices.Equal(systems, []string{"aarch64-darwin", "x86_64-linux"}) {
		t.Fatalf("dev machine systems = %v, want aarch64-darwin and x86_64-linux (marshmallow, cronut, work-macbook)", systems)
	}
	if got := f.Inventory.Templates; len(got) < 4 {
		t.Fatalf("the example has templates %v, want at least go, node, python, rust", got)
	}
	tmp := t.TempDir()
	nixpkgs := writeStandInNixpkgs(t, tmp, systems, allToolsetPackages(f))
	for _, name := range f.Inventory.Templates {
		t.Run(name, func(t *testing.T) {
			tpl := f.Inventory.TemplateDefs[name]
			if len(tpl.Toolsets) == 0 {
				t.Fatalf("template %s names no toolset", name)
			}
			dir := filepath.Join(tmp, name)
			p, err := devenv.New(f.Eval, devenv.Options{Template: name, Name: "demo-" + name, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Create(); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Shells    map[string][]string `json:"shells"`
				Formatter map[string]string   `json:"formatter"`
			}
			evalJSON(t, nix, `let
  flake = import `+dir+`/flake.nix;
  outputs = flake.outputs { self = outputs; nixpkgs = import `+nixpkgs+`; };
in {
  shells = builtins.mapAttrs (system: shells: map (p: p.name) shells.default.packages) outputs.devShells;
  formatter = builtins.mapAttrs (system: f: f.name) outputs.formatter;
}`, &got)
			want := map[string][]string{}
			for _, s := range systems {
				var names []string
				for _, ts := range tpl.Toolsets {
					for _, p := range f.Inventory.Toolsets[ts.V].PackagesFor(s) {
						if !slices.Contains(names, p.V) {
							names = append(names, p.V)
						}
					}
				}
				want[s] = names
			}
			if diff := cmp.Diff(want, got.Shells); diff != "" {
				t.Errorf("dev shell packages differ from the toolsets' (-toolsets +shell):\n%s", diff)
			}
			for _, s := range systems {
				if got.Formatter[s] != "nixfmt" {
					t.Errorf("formatter.%s = %q, want nixfmt", s, got.Formatter[s])
				}
			}
		})
	}
}

// TestDevMachinesShareToolset evaluates the home of alex in the generated
// configurations of the three dev machines with Nix: each enables direnv,
// installs the dev toolset (the common packages, the same on the three,
// plus Linux's on marshmallow), and every template whose toolsets a
// machine has gives, on the machine's system, packages the machine's home
// installs too.
func TestDevMachinesShareToolset(t *testing.T) {
	nix := needNix(t)
	f := load(t, example)
	machines := []string{"marshmallow", "cronut", "work-macbook"}
	var names []string
	for _, m := range machines {
		h, err := f.Host(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range h.Tree.Get("users").Get("alex").Get("home_packages").Items {
			names = append(names, it.Str)
		}
	}
	slices.Sort(names)
	pkgs, err := build.Print(standInPkgs(slices.Compact(names)))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(example)
	home := map[string][]string{}
	for _, m := range machines {
		var got struct {
			Packages []string `json:"packages"`
			Direnv   bool     `json:"direnv"`
		}
		evalJSON(t, nix, `let
  host = import `+abs+`/generated/hosts/`+m+`.nix { config = { }; lib = { }; pkgs = `+string(pkgs)+`; };
  alex = host.home-manager.users.alex;
in { packages = map (p: p.name) alex.home.packages; direnv = alex.fleet.direnv.enable or false; }`, &got)
		home[m] = got.Packages
		if !got.Direnv {
			t.Errorf("%s does not enable direnv (with nix-direnv) for alex", m)
		}
	}
	dev := f.Inventory.Toolsets["dev"]
	if dev == nil {
		t.Fatal("the example has no dev toolset")
	}
	var devAll []string
	for _, p := range dev.Packages {
		devAll = append(devAll, p.V)
	}
	common := slices.Clone(devAll)
	for _, pl := range dev.Platforms {
		for _, p := range pl.Packages {
			devAll = append(devAll, p.V)
		}
	}
	resolved := map[string][]string{}
	for _, m := range machines {
		var l []string
		for _, n := range home[m] {
			if slices.Contains(devAll, n) {
				l = append(l, n)
			}
		}
		resolved[m] = l
	}
	linux := append(slices.Clone(common), "strace", "gdb")
	want := map[string][]string{"marshmallow": linux, "cronut": common, "work-macbook": common}
	if diff := cmp.Diff(want, resolved); diff != "" {
		t.Errorf("the dev toolset as the machines' homes install it (-want +got):\n%s", diff)
	}
	for _, m := range machines[1:] {
		if !slices.Equal(resolved[m], resolved["cronut"]) {
			t.Errorf("%s and cronut install different dev toolsets: %v, %v", m, resolved[m], resolved["cronut"])
		}
	}
	for _, m := range machines {
		h, _ := f.Host(m)
		mine := h.Users[0].Toolsets
		for _, name := range f.Inventory.Templates {
			tpl := f.Inventory.TemplateDefs[name]
			if !slices.ContainsFunc(tpl.Toolsets, func(s inventory.Str) bool { return slices.Contains(mine, s.V) }) {
				continue
			}
			var shell []string
			evalJSON(t, nix, `map (p: p.name) ((import `+abs+`/templates/`+name+`/toolset.nix).packages.`+h.System+` `+string(pkgs)+`)`, &shell)
			for _, p := range shell {
				if !slices.Contains(home[m], p) {
					t.Errorf("template %s's dev shell has %s on %s, which %s's home does not install", name, p, h.System, m)
				}
			}
		}
	}
}

// TestRenderedProjects compares the projects written from the example's
// templates, in a copy of the example with a flake.lock, with
// testdata/projects/<template>.txtar (FLEET_UPDATE=1 rewrites them).
func TestRenderedProjects(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("testdata/flake.lock")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.lock"), lock, 0o644); err != nil {
		t.Fatal(err)
	}
	f := load(t, dir)
	for _, name := range f.Inventory.Templates {
		t.Run(name, func(t *testing.T) {
			p, err := devenv.New(f.Eval, devenv.Options{Template: name, Dir: filepath.Join(t.TempDir(), "hello-world")})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Pinned || !strings.HasSuffix(p.Nixpkgs, "/0123456789abcdef0123456789abcdef01234567") {
				t.Errorf("nixpkgs = %q (pinned %v), want the locked revision", p.Nixpkgs, p.Pinned)
			}
			ar := &txtar.Archive{Comment: []byte("The project `fleet new project hello-world --template " + name + "` writes from examples/homelab.\n")}
			var paths []string
			for p := range p.Files {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			for _, q := range paths {
				ar.Files = append(ar.Files, txtar.File{Name: q, Data: p.Files[q].Data})
				if strings.Contains(string(p.Files[q].Data), "@name") {
					t.Errorf("%s still holds a placeholder", q)
				}
			}
			got := txtar.Format(ar)
			golden := filepath.Join("testdata", "projects", name+".txtar")
			if os.Getenv("FLEET_UPDATE") == "1" {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (FLEET_UPDATE=1 writes it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("project from template %s differs from %s (-want +got):\n%s", name, golden, diff)
			}
		})
	}
}

// TestFlakeTemplatesOutput evaluates the example's generated outputs with
// Nix: templates.<name> is what `nix flake init -t FLEET#<name>` copies, a
// folder of the fleet holding the flake, the .envrc and toolset.nix, with
// template.toml's description.
func TestFlakeTemplatesOutput(t *testing.T) {
	nix := needNix(t)
	f := load(t, example)
	abs, _ := filepath.Abs(example)
	var got map[string]struct {
		Path        string `json:"path"`
		Files       bool   `json:"files"`
		Description string `json:"description"`
	}
	evalJSON(t, nix, `let
  outputs = import `+abs+`/generated/outputs.nix { self = outputs; nixpkgs.lib = { }; };
  has = t: f: builtins.pathExists (t.path + "/${f}");
in builtins.mapAttrs (n: t: {
  path = toString t.path;
  files = has t "flake.nix" && has t ".envrc" && has t "toolset.nix";
  inherit (t) description;
}) outputs.templates`, &got)
	if len(got) != len(f.Inventory.Templates) {
		t.Errorf("templates output has %d templates, the fleet %d", len(got), len(f.Inventory.Templates))
	}
	for _, name := range f.Inventory.Templates {
		g := got[name]
		if g.Path != filepath.Join(abs, "templates", name) || !g.Files {
			t.Errorf("templates.%s.path = %s (files present: %v), want the template's folder", name, g.Path, g.Files)
		}
		if g.Description != f.Inventory.TemplateDefs[name].Description.V || g.Description == "" {
			t.Errorf("templates.%s.description = %q", name, g.Description)
		}
	}
}
