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

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
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
		want  int   // GOGC right after tuning
		limit int64 // the memory limit right after tuning
	}{
		{6, Env{}, -1, smallFleetHeap + 6*smallFleetHostHeap},
		{smallFleet, Env{}, -1, smallFleetHeap + smallFleet*smallFleetHostHeap},
		{smallFleet + 1, Env{}, 100, math.MaxInt64},
		{6, Env{"GOGC": "50"}, 77, 1 << 40},         // GOGC decides: left as it was
		{6, Env{"GOMEMLIMIT": "1GiB"}, 77, 1 << 40}, // so does GOMEMLIMIT
	} {
		debug.SetGCPercent(77)
		debug.SetMemoryLimit(1 << 40)
		(&App{Env: c.env}).tuneGC(fleetOf(c.hosts))
		got, limit := gcSettings()
		if got != c.want || limit != c.limit {
			t.Errorf("%d hosts, env %v: GOGC %d and limit %d, want %d and %d", c.hosts, c.env, got, limit, c.want, c.limit)
		}
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
