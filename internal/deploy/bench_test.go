package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/runner"
)

// instant answers every command at once as a healthy target would: it
// measures fleet's own work per host (planning, scripts, parsing,
// scheduling), without Nix's or ssh's.
type instant struct{}

func (instant) Run(_ context.Context, c runner.Cmd) (runner.Result, error) {
	switch {
	case c.Name == "nix" && strings.Contains(strings.Join(c.Args, " "), " build "):
		return runner.Result{Stdout: []byte(`[{"outputs":{"out":"/nix/store/00000000000000000000000000000000-new"}}]`)}, nil
	case c.Name == "ssh" && strings.Contains(string(c.Stdin), "fleet-rc"):
		return runner.Result{Stdout: []byte("watchdog=armed\nfleet-rc=0\n")}, nil
	case c.Name == "ssh" && strings.Contains(string(c.Stdin), "is-active"):
		return runner.Result{Stdout: []byte("unit=podman-a.service active\n")}, nil
	case c.Name == "ssh" && strings.Contains(string(c.Stdin), "current="):
		return runner.Result{Stdout: []byte("current=/nix/store/00000000000000000000000000000000-old\ngeneration=system-3-link\nsystemd=1\n")}, nil
	}
	return runner.Result{}, nil
}

// BenchmarkDeploy20 deploys 20 hosts, 10 at a time, against targets that
// answer instantly: ns/op over 20 is fleet's overhead per host.
func BenchmarkDeploy20(b *testing.B) {
	var plan []*Target
	for i := range 20 {
		plan = append(plan, &Target{Host: fmt.Sprintf("h%02d", i), Platform: "nixos", User: "root", Addr: "h.lan", BuildOn: "local",
			Attr: "nixosConfigurations.h.config.system.build.toplevel", Checks: []Check{{Kind: CheckUnit, Name: "podman-a.service"}}})
	}
	for b.Loop() {
		for _, r := range Deploy(context.Background(), instant{}, plan, Options{Mode: Switch, FlakeDir: "/f", Parallel: 10, ConfirmTimeout: 1e9}) {
			if r.Outcome != Deployed {
				b.Fatalf("%s: %s %s", r.Host, r.Outcome, r.Message)
			}
		}
	}
}
