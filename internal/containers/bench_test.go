package containers_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkCheck measures reading and checking the containers of an
// evaluated synthetic fleet (the fleet is loaded once, outside the
// loop): what containers add to `fleet check` beside evaluation.
// allocs/instance and B/instance should stay flat as the fleet grows.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprintf("hosts=%d/containers=5", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.WriteWith(dir, n, synth.Options{Containers: 5}); err != nil {
				b.Fatal(err)
			}
			f, err := fleet.Load(context.Background(), dir, fleet.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if f.Diags.HasErrors() {
				b.Fatalf("synthetic fleet has errors: %v", f.Diags.Items()[0])
			}
			instances := 0
			for _, h := range f.Containers.Hosts {
				instances += len(h.Instances)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				containers.Check(f.Inventory, f.Eval.Hosts, f.Eval.Options)
			}
			runtime.ReadMemStats(&after)
			per := float64(b.N) * float64(instances)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/instance")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/per, "allocs/instance")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/per, "B/instance")
		})
	}
}
