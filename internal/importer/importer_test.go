package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandwritten(t *testing.T) {
	res, ds, err := Import("testdata/handwritten", "alex")
	if err != nil || len(ds) > 0 {
		t.Fatal(err, ds)
	}
	want := map[string]string{"server": "nixos", "laptop": "nixos", "mac": "darwin"}
	if len(res.Hosts) != len(want) {
		t.Fatalf("hosts %+v", res.Hosts)
	}
	for _, h := range res.Hosts {
		if want[h.Name] != h.Platform {
			t.Errorf("host %s platform %s", h.Name, h.Platform)
		}
	}
	for _, it := range res.Items {
		if it.Status == Left {
			t.Errorf("left: %s %s", it.Pos, it.Message)
		}
	}
	// Files are copied byte for byte.
	for out, from := range map[string]string{
		"hosts/server/configuration.nix":          "hosts/server/configuration.nix",
		"hosts/server/hardware-configuration.nix": "hosts/server/hardware-configuration.nix",
		"hosts/laptop/home/alex.nix":              "home/alex.nix",
	} {
		b, _ := os.ReadFile(filepath.Join("testdata/handwritten", from))
		if string(res.Files[out].Data) != string(b) {
			t.Errorf("%s is not a copy of %s", out, from)
		}
	}
	if got := strings.Join(res.Outputs, " "); got != "nixosConfigurations darwinConfigurations formatter" {
		t.Errorf("outputs %q", got)
	}
}

// Leftovers are reported at their position: a host built from a computed
// value, a specialArg that is not a literal, an inline module using a let
// binding, a file importing a file outside its folder.
func TestLeft(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(s), 0o644)
	}
	write("flake.nix", `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }:
    let user = "alex"; in {
      nixosConfigurations = {
        a = nixpkgs.lib.nixosSystem {
          modules = [ ./a/configuration.nix { users.users.${user}.isNormalUser = true; } ];
          specialArgs = { inherit user; count = 1 + 1; };
        };
        b = builtins.foldl' (x: y: x) null [ ];
        Bad = nixpkgs.lib.nixosSystem { modules = [ ]; };
      };
    };
}
`)
	write("a/configuration.nix", "{ imports = [ ../shared.nix ]; }\n")
	write("shared.nix", "{ }\n")
	res, ds, err := Import(dir, "x")
	if err != nil || len(ds) > 0 {
		t.Fatal(err, ds)
	}
	var left []string
	for _, it := range res.Items {
		if it.Status == Left {
			left = append(left, it.Pos.String()+" "+it.Message)
		}
	}
	got := strings.Join(left, "\n")
	for _, w := range []string{
		"flake.nix:7:45 inline module not imported",
		"flake.nix:8:49 specialArgs.count is not imported",
		"flake.nix:10:13 nixosConfigurations.b is not imported",
		`flake.nix:11:15 nixosConfigurations.Bad is not imported: "Bad" is not a fleet host name`,
		"a/configuration.nix:1:15 ../shared.nix leaves the host's folder",
		"no literal system for a",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("no %q in\n%s", w, got)
		}
	}
	if string(res.Files["hosts/a/flake-modules.nix"].Data) == "" || !strings.Contains(string(res.Files["hosts/a/flake-modules.nix"].Data), `_module.args.user = "alex";`) {
		t.Errorf("flake-modules.nix:\n%s", res.Files["hosts/a/flake-modules.nix"].Data)
	}
}

func FuzzImport(f *testing.F) {
	b, _ := os.ReadFile("testdata/handwritten/flake.nix")
	f.Add(string(b))
	f.Add(`{ outputs = { self, nixpkgs }: let h = n: nixpkgs.lib.nixosSystem { modules = [ ./${n}.nix ]; }; in { nixosConfigurations.a = h "a"; }; }`)
	f.Add(`{ outputs = i: rec { nixosConfigurations = { x = nixosConfigurations.x; }; }; }`)
	f.Add(`{ outputs = i: let f = x: f x; in { nixosConfigurations.a = f 1; }; }`)
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		res, _, err := Import(dir, "fuzz")
		if err != nil || res == nil {
			return
		}
		for name := range res.Files {
			if !filepath.IsLocal(name) {
				t.Fatalf("file outside the fleet: %s", name)
			}
		}
	})
}
