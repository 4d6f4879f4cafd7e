package keyindex

import (
	"fmt"
	"testing"
)

type item struct{ key string }

func keyOf(e *item) string { return e.key }

// TestFindAdded adds keys one by one to lists that stay short and lists
// that outgrow the search, and finds every key, and one that is not
// there, at each step.
func TestFindAdded(t *testing.T) {
	for _, short := range []int{0, 1, 4, 8} {
		var es []item
		var idx map[string]int
		for n := 0; n < 3*short+3; n++ {
			es = append(es, item{fmt.Sprint("k", n)})
			idx = Added(es, idx, short, keyOf)
			if (idx != nil) != (len(es) > short) {
				t.Fatalf("short %d, %d entries: index made = %v", short, len(es), idx != nil)
			}
			for i := range es {
				if got := Find(es, idx, es[i].key, keyOf); got != i {
					t.Fatalf("short %d, %d entries: Find(%q) = %d, want %d", short, len(es), es[i].key, got, i)
				}
			}
			if got := Find(es, idx, "absent", keyOf); got != -1 {
				t.Fatalf("short %d: Find(absent) = %d", short, got)
			}
		}
	}
}
