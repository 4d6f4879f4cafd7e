package options

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAssignments(t *testing.T) {
	src := `{ config, lib, ... }:
{
  options.fleet.x.enable = lib.mkEnableOption "x";
  config = lib.mkIf config.fleet.x.enable (lib.mkMerge [
    { services.a.enable = true; }
    (lib.mkDefault { b = { c = 1; }; } // { d.e = 2; })
    { ${name} = 1; f."g.h" = lib.mkForce 3; }
  ]);
}`
	as, ds := Assignments("m.nix", []byte(src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	var got []string
	for _, a := range as {
		got = append(got, strings.Join(a.Path, ".")+" "+a.Pos.String()+" "+a.NamePos[len(a.NamePos)-1].String())
	}
	want := []string{
		"services.a.enable m.nix:5:7 m.nix:5:18",
		"b m.nix:6:22 m.nix:6:22",
		"b.c m.nix:6:28 m.nix:6:28",
		"d.e m.nix:6:45 m.nix:6:47",
		"f.g.h m.nix:7:20 m.nix:7:22",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("assignments (-want +got):\n%s", d)
	}
	as, _ = Assignments("m.nix", []byte(`{ options.a = 1; config.z.y = 1; }`))
	if len(as) != 1 || strings.Join(as[0].Path, ".") != "z.y" || as[0].Pos.Col != 25 {
		t.Errorf("config.z.y: %+v", as)
	}
	// A module without options or config is all config.
	as, _ = Assignments("m.nix", []byte(`{ imports = [ ]; services.a = { enable = true; }; }`))
	if len(as) != 2 || strings.Join(as[1].Path, ".") != "services.a.enable" {
		t.Errorf("shorthand module: %+v", as)
	}
}

func FuzzAssignments(f *testing.F) {
	f.Add(`{ config = lib.mkIf c (lib.mkMerge [ { a.b = 1; } (mkDefault { c = { d = 2; }; }) ]); }`)
	f.Add(`{ lib, ... }: { a = { b = 1; } // { c = 2; }; ${x} = 3; }`)
	f.Fuzz(func(t *testing.T, src string) {
		as, _ := Assignments("f.nix", []byte(src))
		for _, a := range as {
			if len(a.NamePos) != len(a.Path) {
				t.Fatalf("%v: %d positions", a.Path, len(a.NamePos))
			}
		}
	})
}
