package generate

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFlakeInputs(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"set", `{ inputs = { nixpkgs.url = "x"; home-manager = { url = "y"; inputs.nixpkgs.follows = "nixpkgs"; }; }; outputs = i: i; }`, []string{"home-manager", "nixpkgs"}},
		{"dotted", `{ inputs.nixpkgs.url = "x"; inputs."sops-nix".url = "y"; outputs = i: i; }`, []string{"nixpkgs", "sops-nix"}},
		{"parenthesized", `({ inputs = { a.url = "x"; }; })`, []string{"a"}},
		{"none", `{ outputs = i: i; }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have, _, ds := FlakeInputs("flake.nix", []byte(tt.src))
			if len(ds) > 0 {
				t.Fatal(ds)
			}
			var got []string
			for n := range have {
				got = append(got, n)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, _, ds := FlakeInputs("flake.nix", []byte(`{ inputs = `)); len(ds) == 0 {
		t.Error("a broken flake.nix gave no diagnostic")
	}
}
