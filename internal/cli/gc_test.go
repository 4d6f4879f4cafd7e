package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcSettings reads GOGC (-1 when off) and the memory limit without
// changing them.
func gcSettings() (int, int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	gogc := int(s[0].Value.Uint64())
	if gogc == 0 {
		gogc = -1 // off
	}
	return gogc, int64(s[1].Value.Uint64())
}

// TestGCLimit: a small fleet's command collects first at 24 MB plus 96
// KB a host; a larger fleet's keeps Go's default; the environment wins.
// (The limit is tested, not the collector's settings: in a test process
// a collection and its switch may come at any time.)
func TestGCLimit(t *testing.T) {
	fleetOf := func(hosts int) string {
		dir := t.TempDir()
		for i := range hosts {
			if err := os.MkdirAll(filepath.Join(dir, "hosts", fmt.Sprintf("h%05d", i)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		hosts int
		env   Env
		limit int64
		small bool
	}{
		{6, Env{}, 24<<20 + 6*96<<10, true},
		{smallFleet, Env{}, 24<<20 + smallFleet*96<<10, true},
		{smallFleet + 1, Env{}, math.MaxInt64, false},
		{6, Env{"GOGC": "50"}, 0, false},
		{6, Env{"GOMEMLIMIT": "1GiB"}, 0, false},
	} {
		limit, small := (&App{Env: c.env}).gcLimit(fleetOf(c.hosts))
		if limit != c.limit || small != c.small {
			t.Errorf("%d hosts, env %v: limit %d (small %v), want %d (%v)", c.hosts, c.env, limit, small, c.limit, c.small)
		}
	}
}

// TestTuneGCLarge: a larger fleet's command collects at Go's default with
// no limit.
func TestTuneGCLarge(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 40))
	dir := t.TempDir()
	for i := range smallFleet + 1 {
		if err := os.MkdirAll(filepath.Join(dir, "hosts", fmt.Sprintf("h%05d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	(&App{Env: Env{}}).tuneGC(dir)
	if got, limit := gcSettings(); got != 100 || limit != math.MaxInt64 {
		t.Errorf("GOGC %d and limit %d, want 100 and none", got, limit)
	}
}

// TestFirstCollection: after the first collection, a small fleet's
// command collects at GOGC=smallFleetGC with no memory limit.
func TestFirstCollection(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	collectFirstAt(1 << 40)
	if got, _ := gcSettings(); got != -1 {
		t.Fatalf("before the first collection: GOGC %d, want off (-1)", got)
	}
	// The finalizer that restores collection is queued by the first
	// collection; a sentinel set up after that collection runs after it.
	awaitFinalizer(t)
	awaitFinalizer(t)
	if got, _ := gcSettings(); got != smallFleetGC {
		t.Fatalf("after collections: GOGC %d, want %d", got, smallFleetGC)
	}
	if _, limit := gcSettings(); limit != math.MaxInt64 {
		t.Errorf("after the first collection: memory limit %d, want none", limit)
	}
}

// TestFirstCollectionStale: a small fleet's switch does not apply once
// the collector was tuned for another fleet.
func TestFirstCollectionStale(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	collectFirstAt(1 << 40)
	large := t.TempDir()
	for i := range smallFleet + 1 {
		if err := os.MkdirAll(filepath.Join(large, "hosts", fmt.Sprintf("h%05d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	(&App{Env: Env{}}).tuneGC(large)
	// The small fleet's finalizer is queued by the first collection; a
	// sentinel set up after that collection runs after it.
	awaitFinalizer(t)
	awaitFinalizer(t)
	if got, limit := gcSettings(); got != 100 || limit != math.MaxInt64 {
		t.Errorf("after a large fleet's tuning and a collection: GOGC %d and limit %d, want 100 and none", got, limit)
	}
}

// awaitFinalizer collects garbage until a finalizer set up now has run.
func awaitFinalizer(t *testing.T) {
	t.Helper()
	ran := make(chan struct{})
	runtime.SetFinalizer(new(firstCollection), func(*firstCollection) { close(ran) })
	for deadline := time.Now().Add(time.Minute); ; {
		runtime.GC()
		select {
		case <-ran:
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no finalizer ran within a minute")
		}
		time.Sleep(time.Millisecond)
	}
}
