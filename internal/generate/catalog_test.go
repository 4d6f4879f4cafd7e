package generate

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
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
					want.Set(i.Name, partsAttrs(entryParts(i.Spec, dir+"/", files, secretMounts(i), nil)))
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

// TestCatalogEntryOver: an entry that leaves the attributes made from
// its definition's values to the catalog is the entry made and compared
// whole, whichever value an instance changes (one at a time, and none).
func TestCatalogEntryOver(t *testing.T) {
	at := func(s string) containers.At[string] { return containers.At[string]{V: s} }
	def := &containers.Spec{
		Image:      containers.At[containers.Image]{V: containers.Image{Ref: "ghcr.io/example/app@sha256:" + strings.Repeat("a", 64)}},
		Cmd:        []string{"serve", "--port=8080"},
		Entrypoint: "/bin/app", User: "1000:1000", Workdir: "/srv", Hostname: "app",
		Ports:       []containers.At[containers.Port]{{V: containers.Port{Spec: "8080:8080"}}, {V: containers.Port{Spec: "127.0.0.1:9090:9090/udp"}}},
		Volumes:     []containers.At[containers.Volume]{{V: containers.Volume{Spec: "/var/lib/app:/data"}}, {V: containers.Volume{Spec: "cache:/cache"}}},
		Env:         []containers.Env{{Name: "TZ", Value: "UTC"}, {Name: "TOKEN", Secret: &eval.SecretRef{Name: "app/token"}}, {Name: "MODE", Value: "prod"}},
		Networks:    []string{"web"},
		DependsOn:   []containers.At[string]{at("db")},
		Labels:      [][2]string{{"org.example.app", "app"}},
		HealthCheck: &containers.HealthCheck{Command: "true", Interval: "30s"},
		Resources:   containers.Resources{Memory: "256m", CPUs: 1.5},
		Devices:     []string{"/dev/dri"}, Pull: "always",
		AutoUpdate: at("registry"), AutoStart: true, ExtraOptions: []string{"--cap-add=NET_ADMIN"},
	}
	c := catalogOf(map[string]*containers.Spec{"app": def})
	files := build.List(build.Select(build.Var("config"), "sops", "templates", "container-app.env", "path"))
	mounts := []build.Expr{build.Str("/run/secrets/x:/x:ro")}
	for _, v := range []struct {
		name   string
		change func(s *containers.Spec)
		files  build.Expr
		mounts []build.Expr
	}{
		{"none", func(*containers.Spec) {}, nil, nil},
		{"image", func(s *containers.Spec) { s.Image.V.Ref = "ghcr.io/example/app:2" }, nil, nil},
		{"cmd", func(s *containers.Spec) { s.Cmd = []string{"serve"} }, nil, nil},
		{"no cmd", func(s *containers.Spec) { s.Cmd = nil }, nil, nil},
		{"entrypoint", func(s *containers.Spec) { s.Entrypoint = "/bin/other" }, nil, nil},
		{"user", func(s *containers.Spec) { s.User = "root" }, nil, nil},
		{"no user", func(s *containers.Spec) { s.User = "" }, nil, nil},
		{"workdir", func(s *containers.Spec) { s.Workdir = "/" }, nil, nil},
		{"hostname", func(s *containers.Spec) { s.Hostname = "other" }, nil, nil},
		{"ports", func(s *containers.Spec) { s.Ports = s.Ports[:1:1] }, nil, nil},
		{"port moved", func(s *containers.Spec) {
			s.Ports = []containers.At[containers.Port]{s.Ports[0], {V: containers.Port{Spec: "9091:9090/udp"}}}
		}, nil, nil},
		{"port elsewhere", func(s *containers.Spec) {
			s.Ports = []containers.At[containers.Port]{{V: containers.Port{Spec: "8080:8080"}, Layer: "host x"}, s.Ports[1]}
		}, nil, nil},
		{"no ports", func(s *containers.Spec) { s.Ports = nil }, nil, nil},
		{"volumes", func(s *containers.Spec) { s.Volumes = s.Volumes[1:] }, nil, nil},
		{"no volumes", func(s *containers.Spec) { s.Volumes = nil }, nil, nil},
		{"config file", func(s *containers.Spec) {
			s.ConfigFiles = []containers.ConfigFile{{Target: "/etc/app.yml", Source: "containers/app.yml"}}
		}, nil, nil},
		{"secret file", func(*containers.Spec) {}, nil, mounts},
		{"env files", func(*containers.Spec) {}, files, nil},
		{"env", func(s *containers.Spec) { s.Env = []containers.Env{s.Env[0], s.Env[1], {Name: "MODE", Value: "dev"}} }, nil, nil},
		{"env secret only", func(s *containers.Spec) { s.Env = []containers.Env{s.Env[0], s.Env[2]} }, nil, nil},
		{"no env", func(s *containers.Spec) { s.Env = nil }, nil, nil},
		{"labels", func(s *containers.Spec) { s.Labels = [][2]string{{"org.example.app", "other"}} }, nil, nil},
		{"auto update", func(s *containers.Spec) { s.AutoUpdate = at("local") }, nil, nil},
		{"no auto update", func(s *containers.Spec) { s.AutoUpdate = at("none") }, nil, nil},
		{"no labels", func(s *containers.Spec) { s.Labels, s.AutoUpdate = nil, at("none") }, nil, nil},
		{"depends", func(s *containers.Spec) { s.DependsOn = []containers.At[string]{at("cache")} }, nil, nil},
		{"networks", func(s *containers.Spec) { s.Networks = []string{"web", "internal"} }, nil, nil},
		{"devices", func(s *containers.Spec) { s.Devices = nil }, nil, nil},
		{"pull", func(s *containers.Spec) { s.Pull = "missing" }, nil, nil},
		{"auto start", func(s *containers.Spec) { s.AutoStart = false }, nil, nil},
		{"health", func(s *containers.Spec) { s.HealthCheck = &containers.HealthCheck{Command: "true", Interval: "10s"} }, nil, nil},
		{"same health", func(s *containers.Spec) { s.HealthCheck = &containers.HealthCheck{Command: "true", Interval: "30s"} }, nil, nil},
		{"resources", func(s *containers.Spec) { s.Resources.PIDs = 100 }, nil, nil},
		{"no run options", func(s *containers.Spec) {
			s.HealthCheck, s.Resources, s.ExtraOptions = nil, containers.Resources{}, nil
		}, nil, nil},
		{"extra options", func(s *containers.Spec) { s.ExtraOptions = append(slices.Clip(s.ExtraOptions), "--init") }, nil, nil},
	} {
		spec := *def
		v.change(&spec)
		i := &containers.Instance{Name: "app", Definition: "app", Spec: &spec}
		print := func(base *containers.Spec) string {
			e, refers := c.entryOver(i, v.files, v.mounts, base)
			src, err := build.Print(e)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%s (refers %v)", src, refers)
		}
		if got, want := print(def), print(nil); got != want {
			t.Errorf("%s: over the definition:\n%s\nmade whole and compared:\n%s", v.name, got, want)
		}
	}
}
