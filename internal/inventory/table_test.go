package inventory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fleetdev/fleet/internal/keyindex"
)

// TestTableAgainstMap sets and drops random keys in tables that stay
// short and tables that outgrow the search, and compares each with a Go
// map and the order keys were first set in: lookups, length, keys,
// entries and sorted keys, after every change.
func TestTableAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, keys := range []int{1, 2, 5, keyindex.Short, keyindex.Short + 1, 3 * keyindex.Short} {
		for round := 0; round < 20; round++ {
			v := &Value{Kind: Table}
			want := map[string]*Value{}
			var order []string
			for op := 0; op < 6*keys; op++ {
				k := fmt.Sprintf("k%d", rng.IntN(keys))
				if rng.IntN(4) == 0 {
					v.drop(k)
					delete(want, k)
					order = slices.DeleteFunc(order, func(o string) bool { return o == k })
				} else {
					x := &Value{Kind: Int, Int: int64(op)}
					if _, ok := want[k]; !ok {
						order = append(order, k)
					}
					want[k] = x
					v.Set(k, x)
				}
				for probe := range keys + 2 {
					p := fmt.Sprintf("k%d", probe)
					if got := v.Get(p); got != want[p] {
						t.Fatalf("%d keys, op %d: Get(%q) = %v, want %v", keys, op, p, got, want[p])
					}
				}
				if v.Len() != len(want) || !slices.Equal(v.Keys(), order) && len(order) > 0 {
					t.Fatalf("%d keys, op %d: keys %v (len %d), want %v", keys, op, v.Keys(), v.Len(), order)
				}
				var got []string
				for k, x := range v.Entries() {
					got = append(got, k)
					if want[k] != x {
						t.Fatalf("%d keys: Entries yields %q = %v, want %v", keys, k, x, want[k])
					}
				}
				if !slices.Equal(got, order) {
					t.Fatalf("%d keys: Entries yields %v, want %v", keys, got, order)
				}
			}
			if sorted := slices.Sorted(slices.Values(order)); !slices.Equal(v.SortedKeys(), sorted) && len(sorted) > 0 {
				t.Fatalf("%d keys: SortedKeys = %v, want %v", keys, v.SortedKeys(), sorted)
			}
		}
	}
	var none *Value
	if none.Len() != 0 || none.Get("a") != nil || none.Keys() != nil {
		t.Fatal("a nil value has entries")
	}
	for range none.Entries() {
		t.Fatal("a nil value yields entries")
	}
	if s := (&Value{Kind: String, Str: "a"}); s.Get("a") != nil || s.Len() != 0 {
		t.Fatal("a string has entries")
	}
}
