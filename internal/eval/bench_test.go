package eval_test

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

// benchConfig reads modules' options as fleet check does. (An external
// test package: synth writes secrets with package secrets, which imports
// eval.)
func benchConfig() eval.Config { return eval.Config{ReadOptions: options.Extract} }

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
				f, err := eval.Evaluate(context.Background(), inv, cfg)
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

// BenchmarkEvaluate measures evaluation alone (the inventory is read
// once, outside the loop): the merge of every host's layers, module
// defaults, type checks and secrets. ns/host and allocs/host should stay
// flat as the fleet grows.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) { benchEvaluate(b, n, synth.Options{}) })
	}
}

// BenchmarkEvaluateContainers measures what container instances add to
// evaluation: the same 1,000-host fleet without and with 5 instances per
// NixOS host.
func BenchmarkEvaluateContainers(b *testing.B) {
	for _, k := range []int{0, 5} {
		b.Run(fmt.Sprintf("containers=%d", k), func(b *testing.B) { benchEvaluate(b, 1000, synth.Options{Containers: k}) })
	}
}

// benchEvaluate evaluates a synthetic fleet of n hosts made with o.
func benchEvaluate(b *testing.B, n int, o synth.Options) {
	dir := b.TempDir()
	if err := synth.WriteWith(dir, n, o); err != nil {
		b.Fatal(err)
	}
	inv, diags := inventory.Load(dir)
	if diags.HasErrors() {
		b.Fatalf("synthetic fleet has errors: %v", diags.Items()[0])
	}
	cfg := benchConfig()
	b.ReportAllocs()
	b.ResetTimer()
	start := mallocs()
	for b.Loop() {
		if _, err := eval.Evaluate(context.Background(), inv, cfg); err != nil {
			b.Fatal(err)
		}
	}
	reportPerHost(b, n, start)
}

// reportPerHost adds ns/host and allocs/host to a benchmark's figures;
// start is mallocs() before the loop.
func reportPerHost(b *testing.B, hosts int, start uint64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(hosts), "ns/host")
	b.ReportMetric(float64(mallocs()-start)/float64(b.N)/float64(hosts), "allocs/host")
}

// mallocs is the number of heap allocations so far.
func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// TestSyntheticFleetIsClean keeps the benchmark's fleet free of errors,
// so that the benchmark measures a real check.
func TestSyntheticFleetIsClean(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, 60); err != nil {
		t.Fatal(err)
	}
	inv, diags := inventory.Load(dir)
	f, err := eval.Evaluate(context.Background(), inv, benchConfig())
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
