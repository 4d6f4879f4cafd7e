package generate

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// TestCatalogEntries evaluates, with Nix, every container entry of the
// generated host files (a reference to generated/containers.nix, with
// what the instance changes laid over it) and holds it equal to the
// instance's whole entry, written out. The comparison fails for an entry
// that differs in one value.
func TestCatalogEntries(t *testing.T) {
	nix := needNix(t)
	for _, name := range []string{"containers", "example"} {
		t.Run(name, func(t *testing.T) {
			dir := exampleFleet
			if name != "example" {
				dir = writeFleet(t, cases[name])
				if err := Apply(dir, changesOf(generateFleet(t, dir))); err != nil {
					t.Fatal(err)
				}
			}
			inv, _ := inventory.Load(dir)
			f, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
			if err != nil {
				t.Fatal(err)
			}
			ctrs, _ := containers.Check(inv, f.Hosts, f.Options)
			checked := 0
			for _, h := range f.Hosts {
				hc := ctrs.Host(h.Name)
				if h.Platform != inventory.NixOS || hc == nil || len(hc.Instances) == 0 {
					continue
				}
				want := build.Attrs()
				templates := build.Attrs()
				secrets := build.Attrs()
				secretSet := map[string]bool{}
				for _, i := range hc.Instances {
					for _, f := range i.SecretFiles {
						if name := f.Secret.ValueName(); !secretSet[name] {
							secretSet[name] = true
							secrets.SetPath([]string{name, "path"}, build.Str("/run/secrets/"+name))
						}
					}
					var files build.Expr
					if hasSecret(i) {
						tpl := EnvTemplate(i.Name)
						templates.SetPath([]string{tpl, "path"}, build.Str("/run/secrets/rendered/"+tpl))
						files = build.List(build.Select(build.Var("config"), "sops", "templates", tpl, "path"))
					}
					// The whole entry, evaluated from no file, names the
					// fleet's files by their absolute paths.
					want.Set(i.Name, partsAttrs(entryParts(i.Spec, dir+"/", files, secretMounts(i))))
				}
				wrong := build.Attrs().Set(hc.Instances[0].Name, build.Str("not an entry"))
				config := build.Attrs().SetPath([]string{"sops", "templates"}, templates).SetPath([]string{"sops", "secrets"}, secrets)
				file := filepath.Join(dir, filepath.FromSlash(hostFile(h)))
				for _, c := range []struct {
					want  *build.AttrSet
					equal string
				}{{want, "true"}, {wrong, "false"}} {
					src, err := build.Print(build.Let(build.Attrs().
						Set("config", config).
						Set("got", build.Select(build.Call(build.Call(build.Var("import"), build.Path(file)),
							build.Attrs().Inherit("config").Set("lib", build.Attrs()).Set("pkgs", build.Attrs())),
							"virtualisation", "oci-containers", "containers")),
						build.Binary(build.Var("got"), "==", c.want)))
					if err != nil {
						t.Fatal(err)
					}
					out, err := exec.Command(nix, "--eval", "--strict", "-E", string(src)).CombinedOutput()
					if err != nil {
						t.Fatalf("%s: %v\n%s\n%s", h.Name, err, out, src)
					}
					if got := strings.TrimSpace(string(out)); got != c.equal {
						t.Errorf("%s: the generated entries equal the whole ones written out: %s, want %s\n%s", h.Name, got, c.equal, src)
					}
				}
				checked++
			}
			if checked == 0 {
				t.Fatal("no host runs a container")
			}
		})
	}
}
