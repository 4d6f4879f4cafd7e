package containers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/synth"
)

// TestSharedReading holds what Check reads, with its memo of shared
// values and Specs, to what ForHost reads afresh for each host: the same
// instances, value for value, on a synthetic fleet where most instances
// share their definition's values and some override them.
func TestSharedReading(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteWith(dir, 60, synth.Options{Containers: 5}); err != nil {
		t.Fatal(err)
	}
	shared, fresh := sameReading(t, dir)
	// The synthetic fleet enables most instances as defined: their Specs
	// must be shared, or the memo does nothing.
	if shared < fresh {
		t.Errorf("%d instances share a Spec, %d have their own: want most shared", shared, fresh)
	}
}

// TestSharedReadingExample is TestSharedReading on the example, whose
// ntfy definition reads a secret in its environment (each host gets its
// own reference to it) and whose bartleby lays a value over
// uptime-kuma's; then with bartleby running ntfy too, under another name
// and on another port: two hosts, two references (two value paths) to one
// secret of one definition.
func TestSharedReadingExample(t *testing.T) {
	example := filepath.Join("..", "..", "examples", "homelab")
	if _, fresh := sameReading(t, example); fresh == 0 {
		t.Error("no instance of the example has a Spec of its own")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example)); err != nil {
		t.Fatal(err)
	}
	host := filepath.Join(dir, "hosts", "bartleby", "host.toml")
	src, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	src = append(src, "\n[containers.ntfy-lab]\nfrom = \"ntfy\"\nports = [\"8091:80\"]\n"...)
	if err := os.WriteFile(host, src, 0o644); err != nil {
		t.Fatal(err)
	}
	sameReading(t, dir)
}

// sameReading loads the fleet at dir and compares each host's instances
// as Check read them with ForHost's; it counts the instances whose Spec
// another instance shares and those with a Spec of their own.
func sameReading(t *testing.T, dir string) (shared, fresh int) {
	t.Helper()
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*containers.Spec]bool{}
	for _, h := range f.Eval.Hosts {
		want := containers.ForHost(f.Inventory, h, &diag.List{})
		got := f.Containers.Host(h.Name)
		if len(got.Instances) != len(want.Instances) {
			t.Fatalf("%s: %d instances, want %d", h.Name, len(got.Instances), len(want.Instances))
		}
		for k, i := range got.Instances {
			// Values, positions and the host's secret references; not
			// whether the Spec is shared (ForHost shares nothing).
			if d := cmp.Diff(want.Instances[k], i, cmp.AllowUnexported(containers.Instance{}), cmpopts.IgnoreUnexported(containers.Spec{}),
				cmp.Comparer(func(a, b *eval.Node) bool { return a == b })); d != "" {
				t.Errorf("%s: instance %s read with the memo differs (-fresh +memo):\n%s", h.Name, i.Name, d)
			}
			if seen[i.Spec] != i.Spec.Shared() && seen[i.Spec] {
				t.Errorf("%s: instance %s shares a Spec that says it is not shared", h.Name, i.Name)
			}
			if seen[i.Spec] {
				shared++
			} else {
				fresh++
				seen[i.Spec] = true
			}
		}
	}
	return shared, fresh
}
