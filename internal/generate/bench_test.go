package generate

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkRender measures rendering every generated file of an evaluated
// synthetic fleet (evaluation is done once, outside the loop), the work
// generate and check do after evaluation. ns/host and allocs/host should
// stay flat as the fleet grows.
//
// containers=5 gives each NixOS host 5 container instances, read and
// checked once before the loop as fleet.Load does.
func BenchmarkRender(b *testing.B) {
	for _, c := range []struct{ n, containers int }{{1000, 0}, {1000, 5}, {10000, 0}} {
		n := c.n
		b.Run(fmt.Sprintf("hosts=%d/containers=%d", n, c.containers), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.WriteWith(dir, n, synth.Options{Containers: c.containers}); err != nil {
				b.Fatal(err)
			}
			inv, diags := inventory.Load(dir)
			f, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
			if err != nil {
				b.Fatal(err)
			}
			diags.Append(f.Diags)
			ctrs, cdiags := containers.Check(inv, f.Hosts, f.Options)
			diags.Append(cdiags)
			if diags.HasErrors() {
				b.Fatalf("synthetic fleet has errors: %v", diags.Items()[0])
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := mallocs()
			for b.Loop() {
				files, dl := FilesWith(f, ctrs, nil)
				if dl.HasErrors() || len(files) < n {
					b.Fatalf("%d files, errors: %v", len(files), dl.Items())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/host")
			b.ReportMetric(float64(mallocs()-start)/float64(b.N)/float64(n), "allocs/host")
		})
	}
}

// mallocs is the number of heap allocations so far.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}
