// Package keyindex owns finding an entry by its key in a list kept in the
// order entries were added: a search in order while the list is short,
// and a map from key to position once it is long. Fleet's small ordered
// tables (a TOML table read from a fleet file, an evaluated table's
// fields, a generated file's tree, a Nix attribute set being lowered)
// hold a handful of entries each, where a search beats a map's hashing
// and a map would cost more than the list.
//
// Table is such a list of values by key, for the tables that hold
// nothing else (TOML's, evaluation's); a generated file's tree and the
// lowering keep more beside each key, and use Find and Added on their own
// lists.
package keyindex

// Find returns the position of the entry whose key is key in es, or -1.
// idx is the list's index, nil while the list is short.
func Find[E any](es []E, idx map[string]int, key string, keyOf func(*E) string) int {
	if idx != nil {
		if i, ok := idx[key]; ok {
			return i
		}
		return -1
	}
	for i := range es {
		if keyOf(&es[i]) == key {
			return i
		}
	}
	return -1
}

// Added returns the index of es after its last entry was added: idx with
// that entry, or a new index of every entry once es holds more than
// short, or nil while it does not.
func Added[E any](es []E, idx map[string]int, short int, keyOf func(*E) string) map[string]int {
	switch {
	case idx != nil:
		idx[keyOf(&es[len(es)-1])] = len(es) - 1
	case len(es) > short:
		idx = make(map[string]int, 2*len(es))
		for i := range es {
			idx[keyOf(&es[i])] = i
		}
	}
	return idx
}
