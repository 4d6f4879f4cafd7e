package verify

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{
		{"2.8.0", "2.18", true},
		{"2.18", "2.8.0", false},
		{"2.3", "2.3", false},
		{"2.8.0pre", "2.8.1", true},
	} {
		if got := VersionLess(tc.a, tc.b); got != tc.less {
			t.Errorf("VersionLess(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

// explain takes Nix 2.8's message and the fleet's own positions from the
// trace, leaving out the trees'.
func TestExplain(t *testing.T) {
	out := "error: A definition for option `x' is not of type `boolean'. Definition values:\n" +
		"       - In `/f/generated/hosts/a.nix': 3\n" +
		"\n" +
		"       … while evaluating the attribute 'x'\n" +
		"       at /t/nixpkgs/lib/modules.nix:10:5:\n" +
		"       at /f/generated/hosts/a.nix:12:3:\n" +
		"       at /f/modules/nixos/m/default.nix:4:7:\n" +
		"       at /f/generated/hosts/a.nix:12:3:\n"
	msg, detail, trace := explain(out, "/f", Trees{Nixpkgs: "/t/nixpkgs"})
	if msg != "A definition for option `x' is not of type `boolean'. Definition values:" {
		t.Errorf("msg = %q", msg)
	}
	if d := cmp.Diff([]string{"- In `/f/generated/hosts/a.nix': 3"}, detail); d != "" {
		t.Errorf("detail (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"generated/hosts/a.nix:12:3", "modules/nixos/m/default.nix:4:7"}, trace); d != "" {
		t.Errorf("trace (-want +got):\n%s", d)
	}
}
