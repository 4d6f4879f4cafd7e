package keyindex

import (
	"iter"
	"slices"
)

// Short is the most entries a Table searches in order; past it, a
// Table indexes its keys.
const Short = 16

// Table holds values by key, in the order their keys were first added: a
// TOML table as read, an evaluated table's own entries. A table of a few
// entries (most of them) is searched in order, and a small one's storage
// comes in one allocation with it (NewTable). A nil *Table is an empty
// table for reading.
type Table[V any] struct {
	entries []entry[V]
	idx     map[string]int
}

type entry[V any] struct {
	key string
	val V
}

func entryKey[V any](e *entry[V]) string { return e.key }

// NewTable returns an empty table with room for size entries.
func NewTable[V any](size int) *Table[V] {
	switch {
	case size <= 1:
		return tableIn[V](func(a *[1]entry[V]) []entry[V] { return a[:0] })
	case size <= 2:
		return tableIn[V](func(a *[2]entry[V]) []entry[V] { return a[:0] })
	case size <= 4:
		return tableIn[V](func(a *[4]entry[V]) []entry[V] { return a[:0] })
	case size <= 8:
		return tableIn[V](func(a *[8]entry[V]) []entry[V] { return a[:0] })
	case size <= Short:
		return tableIn[V](func(a *[Short]entry[V]) []entry[V] { return a[:0] })
	}
	return &Table[V]{entries: make([]entry[V], 0, size), idx: make(map[string]int, size)}
}

// tableIn returns an empty table whose storage is an array A, made in one
// allocation with it; empty gives the array's slice of length 0.
func tableIn[V, A any](empty func(*A) []entry[V]) *Table[V] {
	x := &struct {
		t Table[V]
		a A
	}{}
	x.t.entries = empty(&x.a)
	return &x.t
}

// index returns the position of key, or -1.
func (t *Table[V]) index(key string) int {
	if t == nil {
		return -1
	}
	return Find(t.entries, t.idx, key, entryKey[V])
}

// At returns the value of key, or V's zero value.
func (t *Table[V]) At(key string) V {
	v, _ := t.Lookup(key)
	return v
}

// Lookup returns the value of key and whether the table has it.
func (t *Table[V]) Lookup(key string) (V, bool) {
	if i := t.index(key); i >= 0 {
		return t.entries[i].val, true
	}
	var zero V
	return zero, false
}

// Has reports whether the table has key.
func (t *Table[V]) Has(key string) bool { return t.index(key) >= 0 }

// Set sets key to v, after the others when the table does not have it.
func (t *Table[V]) Set(key string, v V) {
	if i := t.index(key); i >= 0 {
		t.entries[i].val = v
		return
	}
	t.Add(key, v)
}

// Add adds key, which the table does not have, after the others: Set
// without the search, for a caller that has searched already.
func (t *Table[V]) Add(key string, v V) {
	t.entries = append(t.entries, entry[V]{key, v})
	t.idx = Added(t.entries, t.idx, Short, entryKey[V])
}

// Delete removes key, when the table has it.
func (t *Table[V]) Delete(key string) {
	i := t.index(key)
	if i < 0 {
		return
	}
	t.entries = slices.Delete(t.entries, i, i+1)
	t.idx = nil
	if len(t.entries) > Short {
		t.idx = Added(t.entries, nil, Short, entryKey[V])
	}
}

// Len is the number of entries.
func (t *Table[V]) Len() int {
	if t == nil {
		return 0
	}
	return len(t.entries)
}

// Entry returns the i'th entry in the order keys were first added, for
// 0 <= i < Len(): a caller's own loop where a range over All would cost
// it an allocation.
func (t *Table[V]) Entry(i int) (string, V) {
	e := t.entries[i]
	return e.key, e.val
}

// All yields the entries in the order their keys were first added.
// Setting an entry that is there already while ranging is allowed;
// adding one is, but it is not yielded.
func (t *Table[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
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

// Keys returns the keys in the order they were first added (nil for
// none), in a new slice.
func (t *Table[V]) Keys() []string {
	if t.Len() == 0 {
		return nil
	}
	return t.AppendKeys(make([]string, 0, len(t.entries)))
}

// AppendKeys appends the keys, in the order they were first added, to
// dst: a copy in storage the caller has.
func (t *Table[V]) AppendKeys(dst []string) []string {
	if t == nil {
		return dst
	}
	for _, e := range t.entries {
		dst = append(dst, e.key)
	}
	return dst
}

// SortedKeys returns the keys in lexical order.
func (t *Table[V]) SortedKeys() []string {
	keys := t.Keys()
	slices.Sort(keys)
	return keys
}

// Clone returns a copy of t with room for room more entries (nil for a
// nil t).
func (t *Table[V]) Clone(room int) *Table[V] {
	if t == nil {
		return nil
	}
	c := NewTable[V](len(t.entries) + room)
	c.entries = append(c.entries, t.entries...)
	if c.idx != nil {
		for i, e := range c.entries {
			c.idx[e.key] = i
		}
	}
	return c
}
