package cli

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkCheckCommand measures `fleet check` end to end on synthetic
// fleets (load, evaluate, type-check, compare the generated files).
// Compare ns/host across sizes: cost grows linearly with hosts.
func BenchmarkCheckCommand(b *testing.B) {
	for _, c := range []struct{ n, containers int }{{100, 0}, {1000, 0}, {1000, 5}} {
		n := c.n
		b.Run(fmt.Sprintf("hosts=%d/containers=%d", n, c.containers), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.WriteWith(dir, n, synth.Options{Containers: c.containers}); err != nil {
				b.Fatal(err)
			}
			run := func(args ...string) int {
				a := &App{Stdio: Stdio{In: nil, Out: io.Discard, Err: io.Discard}, Env: Env{}, WorkDir: dir}
				return a.Run(context.Background(), args)
			}
			if code := run("generate"); code != 0 {
				b.Fatalf("generate exited %d", code)
			}
			b.ResetTimer()
			for b.Loop() {
				if code := run("check"); code != 0 {
					b.Fatalf("check exited %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/host")
		})
	}
}
