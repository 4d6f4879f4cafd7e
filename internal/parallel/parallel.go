// Package parallel owns running independent pieces of work on every CPU:
// rendering hosts, pages and checks whose results go to their own slots.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each calls f(i) for every i in [0, n) on up to GOMAXPROCS goroutines
// and returns when every call has returned. Calls run in no particular
// order; f must only write what belongs to i.
func Each(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Slot returns the entry of *m at key, made (and the map too) when
// missing, under mu: the place of a value that workers build once and
// share (a sync.Once in V builds it).
func Slot[K comparable, V any](mu *sync.Mutex, m *map[K]*V, key K) *V {
	mu.Lock()
	defer mu.Unlock()
	if *m == nil {
		*m = map[K]*V{}
	}
	v := (*m)[key]
	if v == nil {
		v = new(V)
		(*m)[key] = v
	}
	return v
}
