package fleettest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

// equal reports whether a resolved value is the TOML value a test
// expects. Integers and floats compare as numbers; { secret = ... } and
// { expr = ... } compare with the special values.
func equal(n *eval.Node, v *inventory.Value) bool {
	if n == nil || v == nil {
		return false
	}
	switch v.Kind {
	case inventory.String:
		return n.Kind == eval.String && n.Str == v.Str
	case inventory.Datetime:
		return n.Kind == eval.Datetime && n.Str == v.Str
	case inventory.Bool:
		return n.Kind == eval.Bool && n.Bool == v.Bool
	case inventory.Int, inventory.Float:
		x, ok := numeric(n)
		return ok && x == number(v)
	case inventory.Array:
		if n.Kind != eval.List || len(n.Items) != len(v.List) {
			return false
		}
		for i, e := range v.List {
			if !equal(n.Items[i], e) {
				return false
			}
		}
		return true
	case inventory.Table:
		switch inventory.SpecialKind(v) {
		case "secret":
			if n.Kind != eval.Secret || n.Str != v.Get("secret").Str {
				return false
			}
			if k := v.Get("key"); k != nil && (n.SecretOpts == nil || n.SecretOpts.Key != k.Str) {
				return false
			}
			return true
		case "expr":
			return n.Kind == eval.Expr && !n.Computed && n.Str == v.Get("expr").Str
		}
		if n.Kind != eval.Table || n.Len() != v.Len() {
			return false
		}
		for k, x := range v.Entries() {
			if !equal(n.Get(k), x) {
				return false
			}
		}
		return true
	}
	return false
}

// contains checks a list for items (one value, or every element of an
// array), a string for a substring, a table for a key.
func contains(n *eval.Node, v *inventory.Value) (bool, string) {
	switch n.Kind {
	case eval.List:
		want := []*inventory.Value{v}
		if v.Kind == inventory.Array {
			want = v.List
		}
		for _, w := range want {
			if !slices.ContainsFunc(n.Items, func(it *eval.Node) bool { return equal(it, w) }) {
				return false, ""
			}
		}
		return true, ""
	case eval.String:
		if v.Kind != inventory.String {
			return false, "a string: contains needs a string to look for"
		}
		return strings.Contains(n.Str, v.Str), ""
	case eval.Table:
		if v.Kind != inventory.String {
			return false, "a table: contains needs a key name"
		}
		return n.Get(v.Str) != nil, ""
	}
	return false, "a " + n.Kind.String() + ": contains looks into lists, strings and tables"
}

// text is the string a regular expression is matched against.
func text(n *eval.Node) (string, bool) {
	switch n.Kind {
	case eval.String, eval.Datetime, eval.Secret, eval.Expr:
		return n.Str, true
	}
	return "", false
}

func numeric(n *eval.Node) (float64, bool) {
	switch n.Kind {
	case eval.Int:
		return float64(n.Int), true
	case eval.Float:
		return n.Float, true
	}
	return 0, false
}

// Provenance says where a resolved value came from: the definition that
// decided a scalar, the layers that contributed to a list, the places a
// table was opened. Each place reads "file:line:col (layer)".
func Provenance(n *eval.Node) string {
	x := eval.Explain(n)
	var places []string
	add := func(d eval.ExplainedDef) {
		p := d.Layer
		if d.Pos.IsValid() {
			p = d.Pos.String() + " (" + d.Layer + ")"
		}
		if d.Layer == eval.LayerDefault {
			p = "the module default at " + d.Pos.String()
		}
		if !slices.Contains(places, p) {
			places = append(places, p)
		}
	}
	for _, d := range x.Defs {
		switch d.Mark {
		case "wins", "appended", "merged":
			add(d)
		}
	}
	switch len(places) {
	case 0:
		return ""
	case 1, 2, 3:
		return strings.Join(places, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(places[:3], ", "), len(places)-3)
}
