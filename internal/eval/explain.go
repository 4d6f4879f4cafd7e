package eval

import (
	"fmt"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Explanation says how a value came to be.
type Explanation struct {
	// Value is the resolved value as JSON types (see Plain); Text the
	// same value rendered as TOML.
	Value any            `json:"value"`
	Text  string         `json:"text"`
	Defs  []ExplainedDef `json:"definitions"`
	Why   string         `json:"why"`
}

// ExplainedDef is one definition with its part in the result.
type ExplainedDef struct {
	Layer string   `json:"layer"`
	Pos   diag.Pos `json:"pos"`
	// Text is the definition as written (TOML, or Nix for a module
	// default).
	Text   string `json:"text"`
	Forced bool   `json:"forced,omitempty"`
	// Mark is "wins", "overridden", "appended", "merged", "replaced" or
	// "conflict".
	Mark string `json:"role"`
}

func explained(d Def, mark string) ExplainedDef {
	return ExplainedDef{Layer: d.Layer, Pos: d.Pos, Text: d.Value(), Forced: d.Forced, Mark: mark}
}

// Explain describes every definition of n and which one decided it.
func Explain(n *Node) *Explanation {
	x := &Explanation{Value: Plain(n), Text: n.Describe()}
	switch n.Kind {
	case List:
		forced := lastForced(n.Defs)
		for i, d := range n.Defs {
			mark := "appended"
			switch {
			case forced >= 0 && i < forced:
				mark = "replaced"
			case d.isBase() && hasNonDefault(n.Defs):
				mark = "replaced"
			}
			x.Defs = append(x.Defs, explained(d, mark))
		}
		switch {
		case forced >= 0:
			x.Why = fmt.Sprintf("%s forces the list: lower layers are replaced, later ones append", n.Defs[forced].Layer)
		case len(n.Defs) == 0:
			x.Why = "no layer sets this list"
		case len(n.Defs) > 1 && strings.HasPrefix(n.Defs[0].Layer, LayerContainer+" "):
			x.Why = "a layer's list replaces the container definition's; the layers' lists concatenate, lower layers first, exact duplicates dropped"
		default:
			x.Why = "lists concatenate, lower layers first, exact duplicates dropped"
		}
	case Table:
		for _, d := range n.Defs {
			x.Defs = append(x.Defs, explained(d, "merged"))
		}
		x.Why = fmt.Sprintf("tables merge key by key; this one has %d keys: %s", n.Len(), strings.Join(n.Keys(), ", "))
	default:
		for i, d := range n.Defs {
			mark := "overridden"
			switch {
			case i == int(n.Winner):
				mark = "wins"
			case i > int(n.Winner):
				mark = "conflict"
			}
			x.Defs = append(x.Defs, explained(d, mark))
		}
		x.Why = whyWon(n)
	}
	return x
}

func whyWon(n *Node) string {
	if len(n.Defs) == 0 {
		return "no definition"
	}
	w := n.Won()
	switch {
	case int(n.Winner) < len(n.Defs)-1:
		return fmt.Sprintf("%s and %s are peers that disagree: a conflict (the first is shown)", w.Layer, n.Defs[len(n.Defs)-1].Layer)
	case w.Forced:
		return fmt.Sprintf("%s forces it with [force]", w.Layer)
	case w.Layer == LayerDefault && n.Computed:
		return "the module's default, a Nix expression fleet does not evaluate"
	case w.Layer == LayerDefault:
		return "no layer sets it: the module's declared default"
	case w.isBase():
		return "no layer sets it: the container definition's value"
	case len(n.Defs) == 1:
		return fmt.Sprintf("only %s sets it", w.Layer)
	}
	return fmt.Sprintf("%s is the highest layer that sets it", w.Layer)
}

func lastForced(defs []Def) int {
	idx := -1
	for i, d := range defs {
		if d.Forced {
			idx = i
			for idx > 0 && defs[idx-1].Forced && defs[idx-1].Layer == d.Layer {
				idx--
			}
		}
	}
	return idx
}

// hasNonDefault reports whether a layer (not a module default or a
// container definition) defines the value.
func hasNonDefault(defs []Def) bool {
	for _, d := range defs {
		if !d.isBase() {
			return true
		}
	}
	return false
}
