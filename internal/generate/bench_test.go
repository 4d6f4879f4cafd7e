package generate

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkRender measures rendering every generated file of an evaluated
// synthetic fleet (evaluation is done once, outside the loop), the work
// generate and check do after evaluation. ns/host and allocs/host should
// stay flat as the fleet grows.
func BenchmarkRender(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.Write(dir, n); err != nil {
				b.Fatal(err)
			}
			inv, diags := inventory.Load(dir)
			f, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
			if err != nil {
				b.Fatal(err)
			}
			diags.Append(f.Diags)
			if diags.HasErrors() {
				b.Fatalf("synthetic fleet has errors: %v", diags.Items()[0])
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := mallocs()
			for b.Loop() {
				files, dl := FilesWith(f, nil, nil)
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
