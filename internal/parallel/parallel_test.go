package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		seen := make([]int32, n)
		var calls atomic.Int32
		Each(n, func(i int) {
			atomic.AddInt32(&seen[i], 1)
			calls.Add(1)
		})
		if int(calls.Load()) != n {
			t.Errorf("n=%d: %d calls", n, calls.Load())
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: f(%d) called %d times", n, i, c)
			}
		}
	}
}

// TestSlot: every caller of one key gets the same value, made once.
func TestSlot(t *testing.T) {
	var mu sync.Mutex
	var m map[int]*int
	got := make([]*int, 1000)
	Each(len(got), func(i int) { got[i] = Slot(&mu, &m, i%3) })
	if len(m) != 3 {
		t.Fatalf("%d values made, want 3", len(m))
	}
	for i, v := range got {
		if v != m[i%3] {
			t.Fatalf("caller %d got another value for key %d", i, i%3)
		}
	}
}
