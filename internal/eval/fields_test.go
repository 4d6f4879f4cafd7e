package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFieldsAgainstMap sets random keys in tables of every size class and
// past the index, and compares each with a Go map and the order keys were
// first set in: lookups, length, order, sorted keys and clones.
func TestFieldsAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 40} {
		for round := 0; round < 20; round++ {
			f := NewFields(size)
			want := map[string]*Node{}
			var order []string
			keys := 1 + rng.IntN(3*smallFields)
			for op := 0; op < 4*keys; op++ {
				k := fmt.Sprintf("k%d", rng.IntN(keys))
				v := &Node{Kind: Int, Int: int64(op)}
				if _, ok := want[k]; !ok {
					order = append(order, k)
				}
				want[k] = v
				f.Set(k, v)
				probe := fmt.Sprintf("k%d", rng.IntN(keys+2))
				got, ok := f.Lookup(probe)
				if w, wok := want[probe]; got != w || ok != wok || f.At(probe) != w || f.Has(probe) != wok {
					t.Fatalf("size %d: Lookup(%q) = %v, %v; want %v, %v", size, probe, got, ok, w, wok)
				}
			}
			if f.Len() != len(want) {
				t.Fatalf("size %d: Len = %d, want %d", size, f.Len(), len(want))
			}
			var gotOrder []string
			for k, v := range f.All() {
				gotOrder = append(gotOrder, k)
				if want[k] != v {
					t.Fatalf("size %d: All yields %q = %v, want %v", size, k, v, want[k])
				}
			}
			if !slices.Equal(gotOrder, order) {
				t.Fatalf("size %d: All yields %v, want the order of first setting %v", size, gotOrder, order)
			}
			if sorted := slices.Sorted(slices.Values(order)); !slices.Equal(f.SortedKeys(), sorted) {
				t.Fatalf("size %d: SortedKeys = %v, want %v", size, f.SortedKeys(), sorted)
			}
			c := f.Clone(1)
			c.Set("new", &Node{})
			if f.Has("new") || c.Len() != f.Len()+1 || !slices.Equal(slices.Collect(keysOf(c))[:f.Len()], order) {
				t.Fatalf("size %d: a clone shares or loses entries", size)
			}
			for k, v := range want {
				if c.At(k) != v {
					t.Fatalf("size %d: clone has %q = %v, want %v", size, k, c.At(k), v)
				}
			}
		}
	}
	var none *Fields
	if none.Len() != 0 || none.At("a") != nil || none.Has("a") || none.Clone(1) != nil || none.SortedKeys() != nil {
		t.Fatal("a nil table is not empty")
	}
	for range none.All() {
		t.Fatal("a nil table yields entries")
	}
}

func keysOf(f *Fields) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range f.All() {
			if !yield(k) {
				return
			}
		}
	}
}
