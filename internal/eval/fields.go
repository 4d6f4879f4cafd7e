package eval

import "github.com/fleetdev/fleet/internal/keyindex"

// Fields holds a table node's own entries (Node.Fields), in the order
// they were first set. Most tables hold a handful (a module's settings, a
// container instance's enable and a port or two): those are searched in
// order, in one allocation with their storage, where a Go map takes 256
// bytes and a hash for every lookup. A table that grows past smallFields
// entries indexes its keys in a map as well.
//
// A nil *Fields is an empty table for reading.
type Fields = keyindex.Table[*Node]

// smallFields is the most entries a table searches without an index.
const smallFields = keyindex.Short

// NewFields returns an empty table with room for size entries.
func NewFields(size int) *Fields { return keyindex.NewTable[*Node](size) }
