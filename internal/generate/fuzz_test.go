package generate

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

var (
	plainName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// fileName reports whether s can name a file of its own in a folder.
func fileName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) < 100 && utf8.ValidString(s) &&
		!strings.ContainsAny(s, "/\x00") && !strings.HasPrefix(s, ".")
}

// FuzzNames runs generate on a fleet whose host-only module, package and
// template are named by the fuzzer, and whose host description and a
// pass-through string are the fuzzer's text. Whatever the names, either
// the fleet is refused with diagnostics, or every generated file parses
// and holds no interpolation but the one outputs.nix writes on purpose
// (the host file path): no name or text becomes code.
func FuzzNames(f *testing.F) {
	f.Add("hardware-configuration", "hello", "rust", "A host", "text")
	f.Add("extra disk", "x (builtins.getEnv \"X\")", "my tpl", "ThinkPad\nassert false;", "echo '${HOME}'\n''x\n")
	f.Add("x${builtins.getEnv \"X\"}", "p'q", "t-1", "a\r# b", "$${x}\\${y}'''")
	f.Add("a\"b", "${x}", "_", "''", "'")
	f.Fuzz(func(t *testing.T, hostFile, pkg, tpl, desc, text string) {
		if !fileName(hostFile+".nix") || !fileName(pkg) || !fileName(tpl) || !utf8.ValidString(desc+text) {
			return
		}
		files := map[string]string{
			"hosts/web/host.toml":                  nixosHost + "description = " + inventory.QuoteString(desc) + "\n[nixos.environment.etc.x]\ntext = " + inventory.QuoteString(text) + "\n",
			"hosts/web/" + hostFile + ".nix":       "{ ... }: { }\n",
			"hosts/web/hardware-configuration.nix": "{ ... }: { fileSystems.\"/\".device = \"/dev/sda1\"; }\n",
		}
		// Names the loader refuses (with a positioned error, pinned by the
		// testscripts) stop the whole fleet; leave them out half the time
		// so that the other names still reach generation.
		if len(hostFile)%2 == 1 || plainName.MatchString(pkg) {
			files["packages/"+pkg+"/default.nix"] = "{ stdenv }: stdenv.mkDerivation { name = \"p\"; }\n"
		}
		if len(hostFile)%2 == 1 || templateName.MatchString(tpl) {
			files["templates/"+tpl+"/flake.nix"] = "{ outputs = { ... }: { }; }\n"
			files["templates/"+tpl+"/README.md"] = "# " + desc + "\n"
		}
		dir := writeFleet(t, files)
		inv, diags := inventory.Load(dir)
		ev, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
		if err != nil {
			t.Fatal(err)
		}
		diags.Append(ev.Diags)
		if diags.HasErrors() {
			return // refused, with diagnostics
		}
		out, gd := Files(ev, syntax.Check)
		if gd.HasErrors() {
			t.Fatalf("generation: %v", gd.Items())
		}
		for name, data := range out {
			file, ds := syntax.Parse(name, data)
			if len(ds) > 0 {
				t.Fatalf("%s does not parse: %v\n%s", name, ds, data)
			}
			interps := 0
			syntax.Inspect(file.Expr, func(n syntax.Node) bool {
				if _, ok := n.(*syntax.Interp); ok {
					interps++
				}
				return true
			})
			want := 0
			if name == Dir+"/outputs.nix" {
				want = 1 // modules = [ ... (./hosts + "/${name}.nix") ]
			}
			if interps != want {
				t.Fatalf("%s has %d interpolations, want %d:\n%s", name, interps, want, data)
			}
		}
	})
}
