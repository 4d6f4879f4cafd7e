package options

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// kindSig renders a type's kind as testdata/nixeval/opts.nix does for
// Nix's types: bounds, patterns and enum values left out, alternatives
// flattened.
func kindSig(t *Type) string {
	switch t.Kind {
	case ListOf, AttrsOf, NullOr:
		return string(t.Kind) + "(" + kindSig(t.Elem) + ")"
	case Either:
		return "either(" + strings.Join(flatAlts(t), "|") + ")"
	}
	return string(t.Kind)
}

func flatAlts(t *Type) []string {
	if t.Kind != Either {
		return []string{kindSig(t)}
	}
	var out []string
	for _, a := range t.Alts {
		out = append(out, flatAlts(a)...)
	}
	return out
}

func entrySigs(opts []*Option, prefix string, out map[string]string) {
	for _, o := range opts {
		p := prefix + strings.Join(o.Path, ".")
		out[p] = kindSig(o.Type)
		for _, s := range submodulesIn(o.Type, p) {
			entrySigs(s.t.Options, s.prefix, out)
		}
	}
}

// TestExtractAgainstNix compares extraction with what lib.evalModules of
// Nix 2.8 evaluates, on the modules listed in $FLEET_NIX_MODULES as
// prefix=file[=lib expression] separated by ';' (lib defaults to
// $FLEET_NIX_LIB, a Nix expression such as "import /src/nixpkgs/lib"). For
// each module it reports the options under prefix that Nix evaluates,
// those fleet found, and whether their types agree (unknown: fleet says
// it does not know, and accepts any value).
func TestExtractAgainstNix(t *testing.T) {
	spec := os.Getenv("FLEET_NIX_MODULES")
	if spec == "" {
		t.Skip("FLEET_NIX_MODULES not set: name real modules to compare with lib.evalModules")
	}
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate not installed")
	}
	expr, _ := filepath.Abs("testdata/nixeval/opts.nix")
	for _, item := range strings.Split(spec, ";") {
		parts := strings.SplitN(item, "=", 3)
		if len(parts) < 2 {
			t.Fatalf("bad module spec %q", item)
		}
		prefix, file := parts[0], parts[1]
		lib := os.Getenv("FLEET_NIX_LIB")
		if len(parts) == 3 {
			lib = parts[2]
		}
		t.Run(prefix, func(t *testing.T) {
			out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", expr,
				"--arg", "lib", lib, "--arg", "file", file, "--argstr", "prefix", prefix).Output()
			if err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					t.Fatalf("nix-instantiate: %s", ee.Stderr)
				}
				t.Fatal(err)
			}
			var nix []struct{ Path, Type string }
			if err := json.Unmarshal(out, &nix); err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := Reader{ReadFile: os.ReadFile}.Extract(file, src)
			ours := map[string]string{}
			entrySigs(m.Options, "", ours)
			found, agree, open := 0, 0, 0
			var missed, differ []string
			for _, o := range nix {
				sig, ok := ours[o.Path]
				if !ok {
					missed = append(missed, o.Path)
					continue
				}
				found++
				switch {
				case sig == o.Type:
					agree++
				case strings.Contains(sig, "unknown"):
					open++
				default:
					differ = append(differ, o.Path+": fleet "+sig+", Nix "+o.Type)
				}
			}
			slices.Sort(missed)
			t.Logf("%s: Nix evaluates %d options; fleet found %d; types equal %d, open (unknown to fleet) %d, different %d",
				filepath.Base(file), len(nix), found, agree, open, len(differ))
			for _, p := range missed {
				t.Logf("  missed %s", p)
			}
			for _, d := range differ {
				t.Logf("  differs %s", d)
			}
		})
	}
}
