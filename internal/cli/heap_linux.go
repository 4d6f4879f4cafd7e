package cli

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
)

// thpEnabled is where Linux says when it backs memory with transparent
// huge pages: "always [madvise] never" when only memory that asks gets
// them.
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// hugeHeapOnce advises the heap once per process: the first fleet's size
// decides.
var hugeHeapOnce sync.Once

// hugeHeap asks Linux to back the first size bytes of the heap with
// transparent huge pages (2 MB instead of 4 KB), when the system gives
// them only to memory that asks for them, and GODEBUG=disablethp=1 does
// not say otherwise.
//
// A small fleet's command runs without collecting garbage until its
// heap reaches size (tuneGC), so every page of that heap is touched for
// the first time once, and each first touch is a page fault: a check of
// 1,000 hosts takes about 16,000 of them. On a virtual machine one can
// cost 10 µs, and then the faults are 40% of the check's CPU. Backed by
// huge pages, the same heap takes a few hundred faults.
//
// Go's runtime does not ask for huge pages for its heap, and a program
// cannot name the heap's memory before it has it. So hugeHeap allocates
// one object of size bytes, which the runtime places in fresh memory it
// has not touched, advises the kernel on that memory, and collects the
// object at once: the heap's later objects are made in the same memory,
// which keeps the advice.
func (a *App) hugeHeap(size int64) {
	hugeHeapOnce.Do(func() {
		if strings.Contains(a.Env.Get("GODEBUG"), "disablethp=1") || !thpOnRequest() || reusableHeap() > maxReusable {
			return
		}
		adviseHugePages(size)
	})
}

// maxReusable is the most memory the heap may hold for reuse when
// hugeHeap allocates: the runtime clears reused memory before handing it
// out, and clearing the object would touch all of it, page by page.
// A command comes to hugeHeap at its start, when its heap is fresh
// memory; a process that has worked for a while (a test, or a command
// that ran others first) keeps the pages it has.
const maxReusable = 4 << 20

// reusableHeap returns the bytes of memory the heap has used and freed
// but kept (not returned to the system).
func reusableHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return math.MaxUint64
	}
	return s[0].Value.Uint64()
}

// thpOnRequest reports whether Linux gives transparent huge pages only to
// memory that asks for them (madvise mode). Always means the heap has
// them already; never means it cannot.
func thpOnRequest() bool {
	b, err := os.ReadFile(thpEnabled)
	return err == nil && bytes.Contains(b, []byte("[madvise]"))
}

// adviseHugePages allocates size bytes, advises huge pages for them and
// lets them go; it reports whether the kernel took the advice.
// (Collection is off while the object is made, so that only the one
// that lets it go runs.)
func adviseHugePages(size int64) bool {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	b := make([]byte, size)
	err := syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	b = nil
	runtime.GC()
	return err == nil
}
