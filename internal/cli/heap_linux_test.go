package cli

import (
	"bufio"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// hugeMappings reads /proc/self/smaps: the address ranges whose
// mappings carry the huge-page advice (VmFlags hg).
func hugeMappings(t *testing.T) [][2]uintptr {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("cannot read the mappings: %v", err)
	}
	defer f.Close()
	var out [][2]uintptr
	var cur [2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if field, _, _ := strings.Cut(line, " "); strings.Contains(field, "-") && !strings.HasSuffix(field, ":") {
			lo, hi, _ := strings.Cut(field, "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				cur = [2]uintptr{uintptr(a), uintptr(b)}
			}
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && strings.Contains(" "+flags+" ", " hg ") {
			out = append(out, cur)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAdviseHugePages: the heap memory hugeHeap advises keeps the advice
// after the object it allocated is collected, and the heap's next large
// object is made in it.
func TestAdviseHugePages(t *testing.T) {
	if !thpOnRequest() {
		t.Skipf("Linux here does not give huge pages on request (%s does not select madvise)", thpEnabled)
	}
	const size = 64 << 20
	if !adviseHugePages(size) {
		t.Fatal("the kernel refused the advice")
	}
	advised := hugeMappings(t)
	if !slices.ContainsFunc(advised, func(m [2]uintptr) bool { return m[1]-m[0] >= size }) {
		t.Fatalf("advised mappings %x: none of %d MB", advised, size>>20)
	}
	// The object may begin in free memory just below the advised
	// memory: most of it lies in the advised memory.
	b := make([]byte, 16<<20)
	lo := uintptr(unsafe.Pointer(&b[0]))
	hi := lo + uintptr(len(b))
	in := uintptr(0)
	for _, m := range advised {
		if a, z := max(lo, m[0]), min(hi, m[1]); a < z {
			in += z - a
		}
	}
	if in < uintptr(len(b))/2 {
		t.Errorf("a 16 MB object at %#x has %d KB in the advised memory %x", lo, in>>10, advised)
	}
}

// TestReusableHeap: memory the heap freed and kept counts as reusable,
// so hugeHeap leaves a heap that has worked alone (its object would be
// cleared page by page).
//
// A memory limit makes the runtime return freed memory to the system at
// once, and a command run earlier in this process may have left one
// (tuneGC): the test runs without it.
func TestReusableHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	b := make([]byte, 32<<20)
	b[len(b)-1] = 1
	runtime.KeepAlive(b)
	b = nil
	runtime.GC()
	if got := reusableHeap(); got < 16<<20 {
		t.Errorf("after freeing 32 MB the heap holds %d KB for reuse, want at least 16 MB", got>>10)
	}
}
