package eval

import (
	"encoding/json"
	"maps"
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
		j.Fields = maps.Collect(n.Entries())
	}
	if n.Kind.leaf() && len(n.Defs) > 0 {
		w := int(n.Winner)
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

// Plain returns a resolved value as JSON types, the form every --json
// output uses for a value: strings (and datetimes) as strings, integers,
// floats and booleans as such, lists as arrays, tables as objects, a
// secret as {"secret": "category/name"}, a Nix expression as
// {"expr": "..."} and a null default as null.
func Plain(n *Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case String, Datetime:
		return n.Str
	case Int:
		return n.Int
	case Float:
		return n.Float
	case Bool:
		return n.Bool
	case Secret:
		return map[string]any{"secret": n.Str}
	case Expr:
		return map[string]any{"expr": n.Str}
	case List:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = Plain(it)
		}
		return out
	case Table:
		out := make(map[string]any, n.Len())
		for k, f := range n.Entries() {
			out[k] = Plain(f)
		}
		return out
	}
	return nil
}
