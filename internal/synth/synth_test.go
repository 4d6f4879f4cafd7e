package synth_test

import (
	"context"
	"testing"

	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/synth"
)

// TestContainersClean keeps the synthetic fleet with containers free of
// errors and warnings, with the asked number of instances on every NixOS
// host: its benchmark measures a real check.
func TestContainersClean(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteWith(dir, 40, synth.Options{Containers: 5}); err != nil {
		t.Fatal(err)
	}
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Diags.Items() {
		if d.Code != "stale" { // generated/ is not written here
			t.Errorf("%v", d)
		}
	}
	nixos := 0
	for _, h := range f.Eval.Hosts {
		if h.Platform != "nixos" {
			if len(h.Containers) != 0 {
				t.Errorf("%s (%s) runs %v", h.Name, h.Platform, h.Containers)
			}
			continue
		}
		nixos++
		if len(h.Containers) != 5 {
			t.Errorf("%s runs %d instances, want 5: %v", h.Name, len(h.Containers), h.Containers)
		}
	}
	if nixos < 30 {
		t.Errorf("only %d NixOS hosts of 40", nixos)
	}
}
