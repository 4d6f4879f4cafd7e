package eval

import (
	"iter"
	"slices"
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
		x := &struct {
			f Fields
			e [1]entry
		}{}
		x.f.entries = x.e[:0]
		return &x.f
	case size <= 2:
		x := &struct {
			f Fields
			e [2]entry
		}{}
		x.f.entries = x.e[:0]
		return &x.f
	case size <= 4:
		x := &struct {
			f Fields
			e [4]entry
		}{}
		x.f.entries = x.e[:0]
		return &x.f
	case size <= 8:
		x := &struct {
			f Fields
			e [8]entry
		}{}
		x.f.entries = x.e[:0]
		return &x.f
	case size <= smallFields:
		x := &struct {
			f Fields
			e [smallFields]entry
		}{}
		x.f.entries = x.e[:0]
		return &x.f
	}
	return &Fields{entries: make([]entry, 0, size), idx: make(map[string]int, size)}
}

// index returns the position of key, or -1.
func (t *Fields) index(key string) int {
	if t == nil {
		return -1
	}
	if t.idx != nil {
		if i, ok := t.idx[key]; ok {
			return i
		}
		return -1
	}
	for i := range t.entries {
		if t.entries[i].key == key {
			return i
		}
	}
	return -1
}

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
	switch {
	case t.idx != nil:
		t.idx[key] = len(t.entries) - 1
	case len(t.entries) > smallFields:
		t.idx = make(map[string]int, 2*len(t.entries))
		for i, e := range t.entries {
			t.idx[e.key] = i
		}
	}
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
