package options

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fixtureIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := BuildIndex("nixos", []Tree{{Input: "nixpkgs", Dir: "testdata/upstream/nixpkgs/nixos/modules"}})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// Each declaration pattern of the fixture tree is found, and paths below
// what cannot be read statically are open, never unknown.
func TestIndexLookup(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		path    string
		verdict Verdict
		depth   int
		suggest string
	}{
		{"services.openssh.enable", Declared, 3, ""},
		{"services.openssh.package", Declared, 3, ""},
		{"services.openssh.extraPort", Declared, 3, ""},
		{"services.openssh.ports", Declared, 3, ""},
		{"services.openssh.settings.PasswordAuthentication", Declared, 4, ""},
		{"services.openssh.settings.X11Forwarding", Open, 3, ""}, // freeformType
		{"services.openssh.hostKeys", Declared, 3, ""},
		{"services.openssh.enabel", Unknown_, 2, "enable"},
		{"services.opensh.enable", Open, 1, ""}, // services.${computed} may be it
		{"users.user.alex", Unknown_, 1, "users"},
		{"users.users.alex.shell", Declared, 4, ""}, // attrsOf (submodule ./file.nix)
		{"users.users.alex.shel", Unknown_, 3, "shell"},
		{"programs.zsh.enable", Open, 2, ""}, // mapAttrs over literal names
		{"programs.bash", Unknown_, 1, ""},
		{"services.computed", Open, 1, ""}, // a computed name opens its parent
		{"services.imported.level", Declared, 3, ""},
		{"services.sshd.enable", Moved, 2, ""},
		{"sound.enable", Moved, 1, ""},
		{"hardware.opengl", Moved, 2, ""},
		{"hardware.graphics.enable", Declared, 3, ""},
		{"_module.args", Open, 1, ""},
		{"services.openssh.ports.extra", Below, 3, ""},
		{`system.defaults."com.apple.swipescrolldirection"`, Declared, 3, ""},
		{`system.defaults."com.apple.swipescroll"`, Unknown_, 2, "com.apple.swipescrolldirection"},
		{"programs.fzf.fileWidgetCommand", Moved, 3, ""},    // map helper [ names ]
		{"programs.fzf.historyWidgetCommand", Moved, 3, ""}, //
		{"programs.fzf.fromExtra", Open, 2, ""},             // an unread import
		{"programs.fzf.widgets.fileWidgetComand", Unknown_, 3, "fileWidgetCommand"},
	}
	for _, tc := range tests {
		got := ix.Lookup(SplitPath(tc.path))
		if got.Verdict != tc.verdict || got.Depth != tc.depth || got.Suggest != tc.suggest {
			t.Errorf("Lookup(%s) = verdict %d depth %d suggest %q, want %d %d %q", tc.path, got.Verdict, got.Depth, got.Suggest, tc.verdict, tc.depth, tc.suggest)
		}
	}
}

func TestIndexRenames(t *testing.T) {
	ix := fixtureIndex(t)
	var got []string
	var sound *IndexRename
	for _, r := range ix.Renames {
		if !strings.HasPrefix(r.Pos.File, "nixpkgs/rename.nix") {
			continue
		}
		if r.From == "sound" {
			sound = &r
		}
		got = append(got, string(r.Kind)+" "+r.From+" -> "+r.To+" "+r.Since+" "+r.Pos.String())
	}
	want := []string{
		"renamed services.sshd -> services.openssh  nixpkgs/rename.nix:6:6",
		"removed sound ->   nixpkgs/rename.nix:7:6",
		"renamed hardware.opengl -> hardware.graphics 2411 nixpkgs/rename.nix:8:6",
		"alias environment.checkConfigurationOptions -> _module.check  nixpkgs/rename.nix:9:6",
		"changed services.openssh.permitRootLogin -> services.openssh.settings.PermitRootLogin  nixpkgs/rename.nix:10:6",
		"changed a.b -> a.d  nixpkgs/rename.nix:12:6",
		"changed a.c -> a.d  nixpkgs/rename.nix:12:6",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("renames (-want +got):\n%s", d)
	}
	if r := sound; r == nil || !strings.Contains(r.Message, "ALSA") {
		t.Errorf("removal message = %q", r.Message)
	}
}

func TestIndexShowSearch(t *testing.T) {
	ix := fixtureIndex(t)
	opts := ix.Option("users.users.<name>.shell")
	if len(opts) != 1 || opts[0].Type != "lib.types.str" && opts[0].Type != "types.str" || opts[0].Default != `"bash"` {
		t.Fatalf("Option(users.users.<name>.shell) = %+v", opts)
	}
	if got := opts[0].Pos.String(); got != "nixpkgs/misc/user-options.nix:4:5" {
		t.Errorf("declared at %s", got)
	}
	var paths []string
	for _, e := range ix.Search("openssh settings") {
		paths = append(paths, e.Path)
	}
	if d := cmp.Diff([]string{"services.openssh.settings", "services.openssh.settings.PasswordAuthentication"}, paths); d != "" {
		t.Errorf("search (-want +got):\n%s", d)
	}
}

// The cache returns the same index, keyed by the tree's files: a changed
// file builds anew.
func TestIndexCache(t *testing.T) {
	tree := t.TempDir()
	src := "{ lib, ... }: { options.a.b = lib.mkOption { type = lib.types.int; }; }"
	if err := os.WriteFile(filepath.Join(tree, "a.nix"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	p := &Plan{Class: "nixos", Trees: []Tree{{Input: "nixpkgs", Dir: tree}}, Open: []string{"sops"}}
	ix, cached, err := LoadIndex(p, cache)
	if err != nil || cached {
		t.Fatalf("first load: cached %v, err %v", cached, err)
	}
	ix2, cached, err := LoadIndex(p, cache)
	if err != nil || !cached {
		t.Fatalf("second load: cached %v, err %v", cached, err)
	}
	if d := cmp.Diff(ix.Stats(), ix2.Stats()); d != "" {
		t.Errorf("stats differ: %s", d)
	}
	if got := ix2.Lookup([]string{"sops", "secrets"}); got.Verdict != Open {
		t.Errorf("sops.secrets from the cache: verdict %d, want open", got.Verdict)
	}
	later := time.Now().Add(time.Minute)
	os.WriteFile(filepath.Join(tree, "a.nix"), []byte(strings.Replace(src, "a.b", "a.c", 1)), 0o644)
	os.Chtimes(filepath.Join(tree, "a.nix"), later, later)
	ix3, cached, err := LoadIndex(p, cache)
	if err != nil || cached {
		t.Fatalf("after a change: cached %v, err %v", cached, err)
	}
	if got := ix3.Lookup([]string{"a", "c"}); got.Verdict != Declared {
		t.Errorf("a.c after the change: verdict %d", got.Verdict)
	}
}

// Sources finds a given tree and plans the classes it can index; the
// namespaces of inputs without a tree are open.
func TestPlans(t *testing.T) {
	root := t.TempDir()
	lock := `{"nodes":{"root":{"inputs":{"nixpkgs":"nixpkgs","sops-nix":"sops-nix","disko":"disko"}},
"nixpkgs":{"locked":{"rev":"abc","narHash":"sha256-g7rTRNBq6SYByf8gpsE8feE8s3+/bZO+zTOfMQjEXgk="}},
"sops-nix":{"locked":{"rev":"def"}},"disko":{"locked":{}}},"root":"root","version":7}`
	os.WriteFile(filepath.Join(root, "flake.lock"), []byte(lock), 0o644)
	abs, _ := filepath.Abs("testdata/upstream/nixpkgs")
	srcs, inputs, err := Sources(root, "", map[string]string{"nixpkgs": abs})
	if err != nil {
		t.Fatal(err)
	}
	plans := Plans(srcs, inputs)
	if plans["home"] != nil || plans["darwin"] != nil {
		t.Errorf("plans for classes without their tree: %v", plans)
	}
	p := plans["nixos"]
	if p == nil || len(p.Trees) != 1 || p.Trees[0].Dir != filepath.Join(abs, "nixos/modules") {
		t.Fatalf("nixos plan = %+v", p)
	}
	if d := cmp.Diff([]string{"disko", "home-manager", "sops"}, p.Open); d != "" {
		t.Errorf("open namespaces (-want +got):\n%s", d)
	}
}

// TestRealTrees indexes fetched upstream trees when FLEET_UPSTREAM_TEST
// names them (input=folder of modules,...): no panic, many options, and
// no tree-wide open path.
func TestRealTrees(t *testing.T) {
	spec := os.Getenv("FLEET_UPSTREAM_TEST")
	if spec == "" {
		t.Skip("FLEET_UPSTREAM_TEST is not set (input=modules folder,... of fetched trees)")
	}
	for _, kv := range strings.Split(spec, ",") {
		in, dir, _ := strings.Cut(kv, "=")
		start := time.Now()
		ix, err := BuildIndex(in, []Tree{{Input: in, Dir: dir}})
		if err != nil {
			t.Fatal(err)
		}
		st := ix.Stats()
		t.Logf("%s: %+v in %s", in, st, time.Since(start))
		if st.Options < 20 {
			t.Errorf("%s: only %d options", in, st.Options)
		}
		if ix.root.open != "" {
			t.Errorf("%s: the whole tree is open: %s", in, ix.root.open)
		}
	}
}

// FuzzIndex indexes a tree of one module that may import itself as
// options or a submodule, and looks paths up: no panic, no cycle.
func FuzzIndex(f *testing.F) {
	f.Add(`{ lib, ... }: { imports = [ (lib.mkRenamedOptionModule [ "a" ] [ "b" ]) ] ++ [ (mkRemovedOptionModule [ "c" ] "x") ]; options.b = import ./m.nix { }; }`)
	f.Add(`{ lib, ... }: { options.a = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule ./m.nix); }; }`)
	f.Add(`let n = "x"; in { options.${n} = builtins.mapAttrs (k: v: v) { a = 1; }; options.y.${z} = 1; }`)
	f.Add(`{ options.a = lib.mkOption { type = types.submodule { freeformType = t; options.b = mkEnableOption "b"; }; }; }`)
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "m.nix"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		ix, err := BuildIndex("nixos", []Tree{{Input: "t", Dir: dir}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"a", "a.b", "a.x.b", "b.c", "x.a"} {
			ix.Lookup(strings.Split(p, "."))
		}
		ix.Search("a")
		ix.Stats()
	})
}

// An input locked in flake.lock is found at the store path its narHash
// names, and its revision keys the cache.
func TestSourcesFromStore(t *testing.T) {
	root, store := t.TempDir(), t.TempDir()
	nar := "sha256-g7rTRNBq6SYByf8gpsE8feE8s3+/bZO+zTOfMQjEXgk="
	lock := `{"nodes":{"root":{"inputs":{"home-manager":"hm","nixpkgs":["hm","nixpkgs"]}},
"hm":{"locked":{"rev":"0123456789abcdef","narHash":"` + nar + `"}}},"root":"root","version":7}`
	os.WriteFile(filepath.Join(root, "flake.lock"), []byte(lock), 0o644)
	p, err := StorePath(store, nar)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(p, "modules"), 0o755)
	os.WriteFile(filepath.Join(p, "modules", "git.nix"), []byte(`{ lib, ... }: { options.programs.git.enable = lib.mkEnableOption "git"; }`), 0o644)
	srcs, inputs, err := Sources(root, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || srcs[0].Dir != p || srcs[0].Rev != "0123456789abcdef" || srcs[0].How != "flake.lock" {
		t.Fatalf("sources = %+v", srcs)
	}
	if d := cmp.Diff([]string{"home-manager"}, inputs); d != "" {
		t.Errorf("inputs (-want +got):\n%s", d)
	}
	plan := Plans(srcs, inputs)["home"]
	if plan == nil {
		t.Fatal("no home plan")
	}
	ix, _, err := LoadIndex(plan, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Lookup([]string{"programs", "git", "enable"}); got.Verdict != Declared {
		t.Errorf("programs.git.enable: verdict %d", got.Verdict)
	}
}

// BenchmarkIndex indexes the trees FLEET_UPSTREAM_TEST names
// (input=modules folder,...), or the fixture tree, cold and from the
// cache.
func BenchmarkIndex(b *testing.B) {
	trees := []Tree{{Input: "nixpkgs", Dir: "testdata/upstream/nixpkgs/nixos/modules"}}
	if spec := os.Getenv("FLEET_UPSTREAM_TEST"); spec != "" {
		trees = nil
		for _, kv := range strings.Split(spec, ",") {
			in, dir, _ := strings.Cut(kv, "=")
			trees = append(trees, Tree{Input: in, Dir: dir})
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := BuildIndex("nixos", trees); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		cache := b.TempDir()
		p := &Plan{Class: "nixos", Trees: trees}
		if _, _, err := LoadIndex(p, cache); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, cached, err := LoadIndex(p, cache); err != nil || !cached {
				b.Fatal("not from the cache", err)
			}
		}
	})
}
