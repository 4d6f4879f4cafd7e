package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/fleetdev/fleet/internal/generate"
	"github.com/fleetdev/fleet/internal/synth"
)

// BenchmarkCheckCommand measures `fleet check` end to end on synthetic
// fleets (load, evaluate, type-check, compare the generated files).
// Compare ns/host across sizes: cost grows linearly with hosts. record
// says whether generated/fleet.sums is there (as after generate) or not
// (as in a clone without it, when every host file is rendered).
//
// B/op is what one check allocates. A small fleet's check collects no
// garbage (tuneGC), so in a process of its own every byte of it is
// memory touched for the first time, and the page faults that takes are
// a large part of the check's time: compare B/op with and without
// containers, not only ns/host.
func BenchmarkCheckCommand(b *testing.B) {
	for _, c := range []struct {
		n, containers int
		record        bool
	}{{100, 0, true}, {1000, 0, true}, {1000, 5, true}, {1000, 0, false}, {1000, 5, false}} {
		n := c.n
		b.Run(fmt.Sprintf("hosts=%d/containers=%d/record=%v", n, c.containers, c.record), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.WriteWith(dir, n, synth.Options{Containers: c.containers}); err != nil {
				b.Fatal(err)
			}
			cache := b.TempDir() // the record's key
			run := func(args ...string) int {
				a := &App{Stdio: Stdio{In: nil, Out: io.Discard, Err: io.Discard}, Env: Env{"XDG_CACHE_HOME": cache}, WorkDir: dir}
				return a.Run(context.Background(), args)
			}
			if code := run("generate"); code != 0 {
				b.Fatalf("generate exited %d", code)
			}
			if !c.record {
				// As in a clone without generated/fleet.sums: every host
				// file is rendered to be compared.
				if err := os.Remove(filepath.Join(dir, filepath.FromSlash(generate.SumsFile))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
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
