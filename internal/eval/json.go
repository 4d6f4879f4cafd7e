package eval

import (
	"encoding/json"
)

// nodeJSON is the JSON form of a Node: a scalar's "value", a list's
// "items" or a table's "fields", each with the definitions behind it.
type nodeJSON struct {
	Kind     string           `json:"kind"`
	Value    any              `json:"value,omitempty"`
	Items    []*Node          `json:"items,omitempty"`
	Fields   map[string]*Node `json:"fields,omitempty"`
	Defs     []Def            `json:"defs,omitempty"`
	Winner   *int             `json:"winner,omitempty"`
	Computed bool             `json:"computed,omitempty"`
}

// MarshalJSON renders the node with its provenance.
func (n *Node) MarshalJSON() ([]byte, error) {
	j := nodeJSON{Kind: n.Kind.String(), Defs: n.Defs, Computed: n.Computed}
	switch n.Kind {
	case String, Datetime, Secret, Expr:
		j.Value = n.Str
	case Int:
		j.Value = n.Int
	case Float:
		j.Value = n.Float
	case Bool:
		j.Value = n.Bool
	case List:
		j.Items = n.Items
		if j.Items == nil {
			j.Items = []*Node{}
		}
	case Table:
		j.Fields = n.Fields
	}
	if n.Kind.leaf() && len(n.Defs) > 0 {
		w := n.Winner
		j.Winner = &w
	}
	if n.Kind == Bool {
		// false is a value, not an omission.
		return json.Marshal(struct {
			nodeJSON
			Value bool `json:"value"`
		}{j, n.Bool})
	}
	return json.Marshal(j)
}
