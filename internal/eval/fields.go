package eval

import (
	"iter"
	"slices"

	"github.com/fleetdev/fleet/internal/keyindex"
)

// Fields holds a table node's own entries (Node.Fields), in the order
// they were first set. Most tables hold a handful (a module's settings, a
// container instance's enable and a port or two): those are searched in
// order, in one allocation with their storage, where a Go map takes 256
// bytes and a hash for every lookup. A table that grows past smallFields
// entries indexes its keys in a map as well.
//
// A nil *Fields is an empty table for reading.
type Fields struct {
	entries []entry
	idx     map[string]int
}

type entry struct {
	key string
	val *Node
}

// smallFields is the most entries a table searches without an index.
const smallFields = 16

// NewFields returns an empty table with room for size entries.
func NewFields(size int) *Fields {
	// The storage of a small table comes in one allocation with it.
	switch {
	case size <= 1:
		return fieldsIn(func(a *[1]entry) []entry { return a[:0] })
	case size <= 2:
		return fieldsIn(func(a *[2]entry) []entry { return a[:0] })
	case size <= 4:
		return fieldsIn(func(a *[4]entry) []entry { return a[:0] })
	case size <= 8:
		return fieldsIn(func(a *[8]entry) []entry { return a[:0] })
	case size <= smallFields:
		return fieldsIn(func(a *[smallFields]entry) []entry { return a[:0] })
	}
	return &Fields{entries: make([]entry, 0, size), idx: make(map[string]int, size)}
}

// fieldsIn returns an empty table whose storage is an array A, made in
// one allocation with it; empty gives the array's slice of length 0.
func fieldsIn[A any](empty func(*A) []entry) *Fields {
	x := &struct {
		f Fields
		a A
	}{}
	x.f.entries = empty(&x.a)
	return &x.f
}

// index returns the position of key, or -1.
func (t *Fields) index(key string) int {
	if t == nil {
		return -1
	}
	return keyindex.Find(t.entries, t.idx, key, entryKey)
}

func entryKey(e *entry) string { return e.key }

// At returns the entry key, or nil.
func (t *Fields) At(key string) *Node {
	if i := t.index(key); i >= 0 {
		return t.entries[i].val
	}
	return nil
}

// Lookup returns the entry key and whether the table has it.
func (t *Fields) Lookup(key string) (*Node, bool) {
	if i := t.index(key); i >= 0 {
		return t.entries[i].val, true
	}
	return nil, false
}

// Has reports whether the table has an entry key.
func (t *Fields) Has(key string) bool { return t.index(key) >= 0 }

// Set sets the entry key to v, adding it after the others when it is new.
func (t *Fields) Set(key string, v *Node) {
	if i := t.index(key); i >= 0 {
		t.entries[i].val = v
		return
	}
	t.entries = append(t.entries, entry{key, v})
	t.idx = keyindex.Added(t.entries, t.idx, smallFields, entryKey)
}

// Len is the number of entries.
func (t *Fields) Len() int {
	if t == nil {
		return 0
	}
	return len(t.entries)
}

// All yields the entries in the order they were first set. Setting an
// entry that is there already while ranging is allowed; adding one is,
// but it is not yielded.
func (t *Fields) All() iter.Seq2[string, *Node] {
	return func(yield func(string, *Node) bool) {
		if t == nil {
			return
		}
		for i, n := 0, len(t.entries); i < n; i++ {
			if e := t.entries[i]; !yield(e.key, e.val) {
				return
			}
		}
	}
}

// SortedKeys returns the keys in lexical order.
func (t *Fields) SortedKeys() []string {
	if t == nil {
		return nil
	}
	keys := make([]string, len(t.entries))
	for i, e := range t.entries {
		keys[i] = e.key
	}
	slices.Sort(keys)
	return keys
}

// Clone returns a copy of t with room for room more entries (nil for a
// nil t).
func (t *Fields) Clone(room int) *Fields {
	if t == nil {
		return nil
	}
	c := NewFields(len(t.entries) + room)
	c.entries = append(c.entries, t.entries...)
	if c.idx != nil {
		for i, e := range c.entries {
			c.idx[e.key] = i
		}
	}
	return c
}
