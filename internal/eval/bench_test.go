package eval

import (
	"context"
	"fmt"
	"testing"

	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkCheck measures loading and evaluating synthetic fleets, the
// work of `fleet check`. Compare ns/op across sizes: cost should grow
// linearly with the number of hosts.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.Write(dir, n); err != nil {
				b.Fatal(err)
			}
			cfg := benchConfig()
			b.ResetTimer()
			for b.Loop() {
				inv, diags := inventory.Load(dir)
				f, err := Evaluate(context.Background(), inv, cfg)
				if err != nil {
					b.Fatal(err)
				}
				diags.Append(f.Diags)
				if diags.HasErrors() {
					b.Fatalf("synthetic fleet has errors: %v", diags.Items()[0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/host")
		})
	}
}

// TestSyntheticFleetIsClean keeps the benchmark's fleet free of errors,
// so that the benchmark measures a real check.
func TestSyntheticFleetIsClean(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, 60); err != nil {
		t.Fatal(err)
	}
	inv, diags := inventory.Load(dir)
	f, err := Evaluate(context.Background(), inv, benchConfig())
	if err != nil {
		t.Fatal(err)
	}
	diags.Append(f.Diags)
	if n, _ := diags.Count(); n > 0 {
		t.Fatalf("%d errors, first: %v", n, diags.Items()[0])
	}
	if len(f.Hosts) != 60 {
		t.Fatalf("%d hosts evaluated, want 60", len(f.Hosts))
	}
}
