package inventory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Str is a string read from a file, with its position.
type Str struct {
	V   string
	Pos diag.Pos
}

// IsSet reports whether the string was present in its file.
func (s Str) IsSet() bool { return s.Pos.IsValid() }

// IntVal is an integer read from a file, with its position.
type IntVal struct {
	V   int64
	Pos diag.Pos
}

// IsSet reports whether the integer was present in its file.
func (i IntVal) IsSet() bool { return i.Pos.IsValid() }

// BoolVal is a boolean read from a file, with its position.
type BoolVal struct {
	V   bool
	Pos diag.Pos
}

// IsSet reports whether the boolean was present in its file.
func (b BoolVal) IsSet() bool { return b.Pos.IsValid() }

// Names returns the values of a list of Str.
func Names(ss []Str) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.V
	}
	return out
}

// decoder reads typed values out of a parsed TOML tree and reports what is
// missing, mistyped or unknown.
type decoder struct {
	diags *diag.List
}

// keys checks that t has only the allowed keys. what names the table in
// messages ("host.toml", "[hardware]").
func (d *decoder) keys(t *Value, what string, allowed ...string) {
	for k, f := range t.Entries() {
		if slices.Contains(allowed, k) {
			continue
		}
		e := d.diags.Errorf(f.KeyPos, "unknown-key", "unknown key %q in %s", k, what)
		if hint := diag.DidYouMean(k, allowed); hint != "" {
			e.Hint("%s", hint)
		} else {
			e.Hint("allowed keys: %s", strings.Join(allowed, ", "))
		}
	}
}

func (d *decoder) wrongType(v *Value, key, want string) {
	d.diags.Errorf(v.Pos, "type", "%s must be %s, not %s %s", key, want, article(v.Kind), v.Kind)
}

func article(k Kind) string {
	switch k {
	case Int, Array:
		return "an"
	}
	return "a"
}

func (d *decoder) str(t *Value, key string) Str {
	v := t.Get(key)
	if v == nil {
		return Str{}
	}
	if v.Kind != String {
		d.wrongType(v, key, "a string")
		return Str{}
	}
	return Str{V: v.Str, Pos: v.Pos}
}

// oneOf reads a string that must be one of choices.
func (d *decoder) oneOf(t *Value, key string, choices ...string) Str {
	s := d.str(t, key)
	if s.IsSet() && !slices.Contains(choices, s.V) {
		e := d.diags.Errorf(s.Pos, "value", "%s must be one of %s, not %q", key, quoteAll(choices), s.V)
		if hint := diag.DidYouMean(s.V, choices); hint != "" {
			e.Hint("%s", hint)
		}
		return Str{}
	}
	return s
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func (d *decoder) integer(t *Value, key string) IntVal {
	v := t.Get(key)
	if v == nil {
		return IntVal{}
	}
	if v.Kind != Int {
		d.wrongType(v, key, "an integer")
		return IntVal{}
	}
	return IntVal{V: v.Int, Pos: v.Pos}
}

func (d *decoder) boolean(t *Value, key string) BoolVal {
	v := t.Get(key)
	if v == nil {
		return BoolVal{}
	}
	if v.Kind != Bool {
		d.wrongType(v, key, "true or false")
		return BoolVal{}
	}
	return BoolVal{V: v.Bool, Pos: v.Pos}
}

// strList reads an array of strings. Duplicates are reported as warnings.
func (d *decoder) strList(t *Value, key string) []Str {
	v := t.Get(key)
	if v == nil {
		return nil
	}
	if v.Kind != Array {
		d.wrongType(v, key, "an array of strings")
		return nil
	}
	out := make([]Str, 0, len(v.List))
	seen := map[string]diag.Pos{}
	for _, e := range v.List {
		if e.Kind != String {
			d.wrongType(e, key+" element", "a string")
			continue
		}
		if p, dup := seen[e.Str]; dup {
			d.diags.Warnf(e.Pos, "duplicate", "%q is listed twice in %s", e.Str, key).Also(p, "first listed here")
			continue
		}
		seen[e.Str] = e.Pos
		out = append(out, Str{V: e.Str, Pos: e.Pos})
	}
	return out
}

// table reads a sub-table (header or inline).
func (d *decoder) table(t *Value, key string) *Value {
	v := t.Get(key)
	if v == nil {
		return nil
	}
	if v.Kind != Table {
		d.wrongType(v, key, "a table")
		return nil
	}
	return v
}

// stringTable reads a table of strings as (key, value) pairs in source
// order; want describes the values for messages.
func (d *decoder) stringTable(t *Value, key, want string) [][2]Str {
	v := d.table(t, key)
	if v == nil {
		return nil
	}
	var out [][2]Str
	for k, f := range v.Entries() {
		if f.Kind != String {
			d.wrongType(f, key+"."+QuoteKey(k), want)
			continue
		}
		out = append(out, [2]Str{{V: k, Pos: f.KeyPos}, {V: f.Str, Pos: f.Pos}})
	}
	return out
}

// tableOfTables reads a table whose entries must all be tables, such as
// [settings.<module>].
func (d *decoder) tableOfTables(t *Value, key string) *Value {
	v := d.table(t, key)
	if v == nil {
		return nil
	}
	ok := true
	for k, f := range v.Entries() {
		if f.Kind != Table || IsSpecial(f) {
			d.diags.Errorf(f.Pos, "type", "%s.%s must be a table of option values, not %s", key, QuoteKey(k), f.Describe()).
				Hint("write [%s.%s] with the module's options below it", key, QuoteKey(k))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return v
}

// SecretKeys are the keys a `{ secret = ... }` value may have.
var SecretKeys = []string{"secret", "key", "owner", "group", "mode", "restart_units"}

// IsSpecial reports whether v is a `{ secret = ... }` or `{ expr = ... }`
// inline table: a value rather than a table.
func IsSpecial(v *Value) bool {
	if v.Kind != Table || !v.Inline {
		return false
	}
	if v.Len() == 1 && v.Get("expr") != nil {
		return true
	}
	return v.Get("secret") != nil
}

// SpecialKind returns "secret", "expr" or "" for a value.
func SpecialKind(v *Value) string {
	switch {
	case !IsSpecial(v):
		return ""
	case v.Get("secret") != nil:
		return "secret"
	}
	return "expr"
}
