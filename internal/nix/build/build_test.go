package build

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

func needNix(t *testing.T) string {
	t.Helper()
	nix, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not found: install nix-bin (Nix 2.8) to check printed Nix with Nix itself")
	}
	return nix
}

func mustPrint(t *testing.T, e Expr) string {
	t.Helper()
	b, err := Print(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// evalJSON evaluates src with nix-instantiate --eval --strict --json.
func evalJSON(t *testing.T, nix, src string, v any) {
	t.Helper()
	out, err := exec.Command(nix, "--eval", "--strict", "--json", "-E", src).CombinedOutput()
	if err != nil {
		t.Fatalf("nix: %v\n%s\nsource:\n%s", err, out, src)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestStrings(t *testing.T) {
	// Strings fleet prints must read back as the same string in Nix.
	nix := needNix(t)
	inputs := []string{
		"plain", "", "with \"quotes\"", "back\\slash", "dollar ${x} and $y and $${z}", "tab\there",
		"two\nlines", "two\nlines\n", "  indented\n  block\n", "a\n  b\n c\n", "quote at end'\nx'",
		"''already''\n${x}\n", "trailing spaces  \n  ", "\n\nleading blank lines\n", "carriage\r\nreturn",
		"unicode é ✓\nsecond", "ends with dollar $\nnext$",
		"echo '${HOME}'\n", "a'''${x}\n'''\n", "x '''' y\n$'${\n", "''${a}\n'${b}''\n",
	}
	items := make([]Expr, len(inputs))
	for i, s := range inputs {
		items[i] = Str(s)
	}
	var got []string
	evalJSON(t, nix, mustPrint(t, List(items...)), &got)
	if diff := cmp.Diff(inputs, got); diff != "" {
		t.Errorf("strings changed through Nix (-printed +read back):\n%s", diff)
	}
}

func TestPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"./a/b.nix", "./a/b.nix"},
		{"../../hosts/h/hardware-configuration.nix", "../../hosts/h/hardware-configuration.nix"},
		{"../../templates/my tpl", `../../templates + "/my tpl"`},
		{"./x y.nix", `./. + "/x y.nix"`},
		{"../x${y}.nix", `../. + "/x\${y}.nix"`},
		{"./a/", "./a"},
		{".", "./."},
		{"/etc/x", "/etc/x"},
		{"/a b", `/. + "/a b"`},
	} {
		if got := mustPrint(t, Path(tc.in)); got != tc.want {
			t.Errorf("Path(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// A path with a string part is parenthesized where it is an operand.
	if got := mustPrint(t, List(Path("./a b"), Path("./c"))); got != "[\n  (./. + \"/a b\")\n  ./c\n]" {
		t.Errorf("list of paths = %s", got)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"htop", "htop"},
		{"ssh-to-age", "ssh-to-age"},
		{"if", `"if"`},
		{"a.b", `"a.b"`},
		{"x y", `"x y"`},
		{"${x}", `"\${x}"`},
		{"", `""`},
		{"9lives", `"9lives"`},
	} {
		if got := AttrName(tc.in); got != tc.want {
			t.Errorf("AttrName(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	got := mustPrint(t, Select(Var("config"), "sops", "secrets", "backup/restic-password", "path"))
	if want := `config.sops.secrets."backup/restic-password".path`; got != want {
		t.Errorf("select = %s, want %s", got, want)
	}
}

func TestComments(t *testing.T) {
	a := Attrs().Add(Binding{Path: []string{"x"}, Value: Int(1), Comments: []string{"one\nassert false;\rtwo\r\nthree", ""}})
	got, err := File([]string{"header\nline"}, a)
	if err != nil {
		t.Fatal(err)
	}
	want := "# header\n# line\n{\n  # one\n  # assert false;\n  # two\n  # three\n  #\n  x = 1;\n}\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	if ds := syntax.Check("f.nix", got); len(ds) > 0 {
		t.Errorf("does not parse: %v", ds)
	}
}

func TestRefusals(t *testing.T) {
	for name, e := range map[string]Expr{
		"string":  Str("a\x00b"),
		"name":    Attrs().Set("a\x00", Int(1)),
		"select":  Select(Var("pkgs"), "a\x00"),
		"path":    Path("./a\x00 b"),
		"comment": Attrs().Add(Binding{Path: []string{"a"}, Value: Int(1), Comments: []string{"\x00"}}),
		"long":    Str(strings.Repeat("x", MaxString+1)),
	} {
		_, err := Print(e)
		if err == nil {
			t.Errorf("%s: printed, want a refusal", name)
			continue
		}
		if !errors.Is(err, ErrNUL) && !errors.Is(err, ErrTooLong) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRaw(t *testing.T) {
	if _, ds := Raw("1 +", diag.Pos{File: "h.toml", Line: 3, Col: 9}); len(ds) == 0 {
		t.Error("Raw accepted a syntax error")
	} else if ds[0].Pos.File != "h.toml" || ds[0].Pos.Line != 3 {
		t.Errorf("Raw error at %v, want h.toml:3", ds[0].Pos)
	}
	e, ds := Raw(" lib.mkForce true ", diag.Pos{})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if got := mustPrint(t, List(e)); got != "[ (lib.mkForce true) ]" {
		t.Errorf("raw in a list = %s", got)
	}
}

func TestLayout(t *testing.T) {
	let := Attrs().InheritFrom(Var("inputs"), "nixpkgs").Set("lib", Select(Var("nixpkgs"), "lib"))
	hostFile := Binary(Path("./hosts"), "+", Interp(Str("/"), Var("name"), Str(".nix")))
	e := Lambda("inputs", Let(let, Attrs().
		Set("f", Lambda("name", Call(Select(Var("lib"), "nixosSystem"), Attrs().Set("modules", List(Path("./shared.nix"), hostFile))))).
		Set("g", Func([]string{"lib", "..."}, Attrs().SetPath([]string{"a", "b c"}, Quoted("x\ny"))))))
	want := `inputs:
let
  inherit (inputs) nixpkgs;
  lib = nixpkgs.lib;
in
{
  f =
    name:
    lib.nixosSystem {
      modules = [
        ./shared.nix
        (./hosts + "/${name}.nix")
      ];
    };
  g =
    {
      lib,
      ...
    }:
    {
      a."b c" = "x\ny";
    };
}`
	if diff := cmp.Diff(want, mustPrint(t, e)); diff != "" {
		t.Errorf("layout (-want +got):\n%s", diff)
	}
}

// TestBindingSize: host files of a large fleet hold millions of
// bindings; the rare inherit form stays behind a pointer.
func TestBindingSize(t *testing.T) {
	if n := unsafe.Sizeof(Binding{}); n > 80 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("a Binding is %d bytes, want at most 80", n)
	}
}

// FuzzLiteralPath checks splitPath's shortcut: a path literalPath takes
// as it is splits, segment by segment, into itself and nothing else.
func FuzzLiteralPath(f *testing.F) {
	for _, p := range []string{"/etc/x", "./a", "../a/b.nix", "../../hosts/h/hardware-configuration.nix", "a/b", "./a b", "/", ".", "..", "../..", "./..", "/a//b", "../a/../b", "./a+b/c_d-e.f"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		p = strings.TrimRight(p, "/")
		if !literalPath(p) {
			return
		}
		if lit, rest := splitSegments(p); lit != p || rest != "" {
			t.Errorf("literalPath(%q) but its segments split as %q + %q", p, lit, rest)
		}
	})
}
