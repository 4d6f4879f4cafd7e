package inventory_test

import (
	"fmt"
	"testing"

	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkLoad measures reading a 1,000-host synthetic fleet, without
// and with 5 container instances per NixOS host: what fleet check does
// before evaluating.
func BenchmarkLoad(b *testing.B) {
	const n = 1000
	for _, k := range []int{0, 5} {
		b.Run(fmt.Sprintf("hosts=%d/containers=%d", n, k), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.WriteWith(dir, n, synth.Options{Containers: k}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, diags := inventory.Load(dir); diags.HasErrors() {
					b.Fatalf("synthetic fleet has errors: %v", diags.Items()[0])
				}
			}
		})
	}
}
