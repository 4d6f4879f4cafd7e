package eval

import (
	"encoding/json"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Kind is the kind of a resolved value.
type Kind uint8

// Kinds of resolved values: TOML's, plus the two special values.
const (
	String Kind = iota + 1
	Int
	Float
	Bool
	Datetime
	List
	Table
	Secret // { secret = "category/name" }: the runtime path of a decrypted secret
	Expr   // { expr = "..." }: raw Nix; also a computed module default
	Null   // a null module default
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "integer"
	case Float:
		return "float"
	case Bool:
		return "boolean"
	case Datetime:
		return "datetime"
	case List:
		return "list"
	case Table:
		return "table"
	case Secret:
		return "secret"
	case Expr:
		return "nix expression"
	case Null:
		return "null"
	}
	return "invalid"
}

func (k Kind) leaf() bool { return k != List && k != Table }

// Def is one definition of a value: where it was written and what it said.
type Def struct {
	// Layer names the layer: "default", "common", "profile server",
	// "role monitoring", "user alex", "host rich-evans".
	Layer string
	Pos   diag.Pos
	// level, Forced and quote share one word: a Def is 80 bytes (a host
	// holds hundreds, a large fleet millions).
	level int32
	// Forced is true for a [force] definition.
	Forced bool
	quote  bool

	// The definition's text is rendered on demand from one of these.
	src  *inventory.Value
	strs *[]inventory.Str // a list of names as written
	text string
}

// Value is the definition as written, rendered as TOML.
func (d Def) Value() string {
	switch {
	case d.src != nil:
		if d.src.Kind == inventory.Table && !inventory.IsSpecial(d.src) {
			return ""
		}
		return d.src.Describe()
	case d.strs != nil:
		return describeStrs(*d.strs)
	case d.quote:
		return strconv.Quote(d.text)
	}
	return d.text
}

// MarshalJSON renders the definition with its value.
func (d Def) MarshalJSON() ([]byte, error) {
	return json.Marshal(defJSON{Layer: d.Layer, Pos: d.Pos, Text: d.Value(), Forced: d.Forced})
}

// defJSON is a definition in JSON. Its text is as written (TOML, or Nix
// for a module default); "value" always means a typed resolved value.
type defJSON struct {
	Layer  string   `json:"layer"`
	Pos    diag.Pos `json:"pos"`
	Text   string   `json:"text"`
	Forced bool     `json:"forced,omitempty"`
}

// Node is a resolved value with its provenance. Scalars record every
// definition and which one won; lists record the contribution of each
// layer and the origin of every element; tables record where they were
// opened.
type Node struct {
	Kind Kind
	Bool bool
	// Winner indexes the definition that decided a scalar. (An int32
	// beside Kind and Bool keeps a Node at 128 bytes.)
	Winner int32
	Str    string // String, Datetime, Secret (the secret's name), Expr (the Nix source)
	Int    int64
	Float  float64

	Items []*Node // List elements; each has one Def, its origin
	// Fields are a table's own entries. A table with a base (a container
	// instance over its catalog definition) has its base's entries too,
	// where it has none of its own: read a table with Get, Keys, Len and
	// Entries, which see both.
	Fields *Fields
	// base is the table whose entries a table shows where Fields has
	// none: the catalog definition below a container instance, shared by
	// every instance of it instead of copied into each.
	base *Node

	// Defs are the definitions of this value, lowest precedence first.
	Defs []Def
	// SecretOpts are the options of a Secret value.
	SecretOpts *SecretOpts
	// conflict records peers that disagree on this value and that no
	// higher layer has decided yet (rare: a pointer keeps Node small).
	conflict *[]conflict
	// Computed marks a module default that is a Nix expression fleet does
	// not evaluate.
	Computed bool
	// inline marks a table written inline ({ a = 1 }): under [force] it
	// replaces the lower table whole.
	inline bool
	// option marks a module default at an option's own path: a layered
	// value replaces it whole.
	option bool
	// shared marks a node built once and shared by many hosts (module
	// defaults, the merge of common and a profile chain): it is never
	// changed; own copies it first.
	shared bool
	// quiet marks a node below which there is no secret and no conflict:
	// the walks for those skip it. A shared node, or a container instance
	// once built (nothing changes either).
	quiet bool
}

// own returns n when it may be changed, or a copy of it (sharing its
// children) when n is shared.
func own(n *Node) *Node { return ownWithRoom(n, 1) }

// ownWithRoom is own, with a copied table's room for room more keys.
func ownWithRoom(n *Node, room int) *Node {
	if n == nil || !n.shared {
		return n
	}
	c := *n
	c.shared, c.quiet = false, false
	c.Defs = slices.Clip(n.Defs)
	c.Items = slices.Clip(n.Items)
	if n.conflict != nil {
		cs := slices.Clone(*n.conflict)
		c.conflict = &cs
	}
	c.Fields = n.Fields.Clone(room)
	return &c
}

// markShared marks n and everything below it shared, and quiet where no
// secret and no conflict lies below; it reports whether n is quiet.
func markShared(n *Node) bool {
	if n == nil {
		return true
	}
	if n.shared {
		return n.quiet
	}
	quiet := n.Kind != Secret && n.conflict == nil
	for _, f := range n.Entries() {
		quiet = markShared(f) && quiet
	}
	for _, it := range n.Items {
		quiet = markShared(it) && quiet
	}
	n.shared, n.quiet = true, quiet
	return quiet
}

// Shared reports whether n is shared by several hosts' trees and holds
// no secret and no conflict: it is never changed, and whatever is derived
// from it alone may be shared too.
func (n *Node) Shared() bool { return n != nil && n.shared && n.quiet }

// Keys returns a table's keys, sorted.
func (n *Node) Keys() []string {
	keys := make([]string, 0, n.Len())
	for k := range n.Entries() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Get returns a table entry, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Table {
		return nil
	}
	if f, ok := n.Fields.Lookup(key); ok || n.base == nil {
		return f
	}
	return n.base.Get(key)
}

// Entries yields a table's entries, in no order: its own, then its
// base's that it has none of its own for.
func (n *Node) Entries() iter.Seq2[string, *Node] {
	return func(yield func(string, *Node) bool) {
		for k, f := range n.Fields.All() {
			if !yield(k, f) {
				return
			}
		}
		if n.base == nil {
			return
		}
		// A base has no base: definitions are plain tables.
		for k, f := range n.base.Fields.All() {
			if !n.Fields.Has(k) && !yield(k, f) {
				return
			}
		}
	}
}

// Len is the number of a table's entries.
func (n *Node) Len() int {
	if n.base == nil {
		return n.Fields.Len()
	}
	l := n.Fields.Len()
	for k := range n.base.Fields.All() {
		if !n.Fields.Has(k) {
			l++
		}
	}
	return l
}

// Lookup follows a path through tables.
func (n *Node) Lookup(path ...string) *Node {
	for _, k := range path {
		n = n.Get(k)
	}
	return n
}

// Won is the winning definition of a scalar.
func (n *Node) Won() Def {
	if len(n.Defs) == 0 {
		return Def{}
	}
	return n.Defs[n.Winner]
}

// OnlyDefault reports whether n and everything below it come from module
// defaults alone (generated Nix leaves those to the modules).
func (n *Node) OnlyDefault() bool {
	switch n.Kind {
	case Table:
		for _, f := range n.Entries() {
			if !f.OnlyDefault() {
				return false
			}
		}
		return true
	case List:
		for _, d := range n.Defs {
			if d.Layer != LayerDefault {
				return false
			}
		}
		return true
	}
	return n.Won().Layer == LayerDefault
}

func describeSecret(n *Node) string {
	parts := []string{"secret = " + strconv.Quote(n.Str)}
	if o := n.SecretOpts; o != nil {
		for _, kv := range [][2]string{{"key", o.Key}, {"owner", o.Owner}, {"group", o.Group}, {"mode", o.Mode}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+" = "+strconv.Quote(kv[1]))
			}
		}
		if len(o.RestartUnits) > 0 {
			q := make([]string, len(o.RestartUnits))
			for i, u := range o.RestartUnits {
				q[i] = strconv.Quote(u)
			}
			parts = append(parts, "restart_units = ["+strings.Join(q, ", ")+"]")
		}
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// From says where a value came from: the deciding layer and position of
// a scalar, or the layers that contributed to a list or table.
func (n *Node) From() string {
	if n.Kind == List || n.Kind == Table {
		defs := n.Defs
		if n.Kind == List {
			defs = contributing(defs)
		}
		var layers []string
		for _, d := range defs {
			if !slices.Contains(layers, d.Layer) {
				layers = append(layers, d.Layer)
			}
		}
		switch {
		case len(layers) == 0:
			return "empty"
		case len(defs) == 1 && defs[0].Pos.IsValid():
			return defs[0].Layer + " " + defs[0].Pos.String()
		}
		return strings.Join(layers, ", ")
	}
	w := n.Won()
	if w.Pos.IsValid() {
		return w.Layer + " " + w.Pos.String()
	}
	return w.Layer
}

// contributing returns the definitions whose items are in a list: from
// the last [force] on, and without module defaults once a layer sets it.
func contributing(defs []Def) []Def {
	if f := lastForced(defs); f >= 0 {
		defs = defs[f:]
	}
	if hasNonDefault(defs) {
		defs = slices.DeleteFunc(slices.Clone(defs), Def.isBase)
	}
	return defs
}

// LayerDefault labels module defaults in provenance.
const LayerDefault = "default"

// isBase reports whether d is a value the layers replace rather than add
// to: a module's default, or a container definition's value under an
// instance.
func (d Def) isBase() bool {
	return d.Layer == LayerDefault || strings.HasPrefix(d.Layer, LayerContainer+" ")
}

// Describe renders the value as TOML-like text.
func (n *Node) Describe() string {
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case String:
		return strconv.Quote(n.Str)
	case Int:
		return strconv.FormatInt(n.Int, 10)
	case Float:
		return strconv.FormatFloat(n.Float, 'g', -1, 64)
	case Bool:
		return strconv.FormatBool(n.Bool)
	case Datetime:
		return n.Str
	case Null:
		return "null"
	case Secret:
		return describeSecret(n)
	case Expr:
		if n.Computed {
			return "(computed) " + n.Str
		}
		return "{ expr = " + strconv.Quote(n.Str) + " }"
	case List:
		parts := make([]string, len(n.Items))
		for i, e := range n.Items {
			parts[i] = e.Describe()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Table:
		keys := n.Keys()
		if len(keys) == 0 {
			return "{}"
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = inventory.QuoteKey(k) + " = " + n.Get(k).Describe()
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return "?"
}

// SecretOpts are how a decrypted secret is installed on the host.
type SecretOpts struct {
	Key          string   `json:"key,omitempty"`
	Owner        string   `json:"owner,omitempty"`
	Group        string   `json:"group,omitempty"`
	Mode         string   `json:"mode,omitempty"`
	RestartUnits []string `json:"restart_units,omitempty"`
	// NeededForUsers decrypts the secret before the users are created
	// (a password hash).
	NeededForUsers bool `json:"needed_for_users,omitempty"`
}

func secretOpts(v *inventory.Value) *SecretOpts {
	o := &SecretOpts{}
	str := func(k string) string {
		if f := v.Get(k); f != nil && f.Kind == inventory.String {
			return f.Str
		}
		return ""
	}
	o.Key, o.Owner, o.Group, o.Mode = str("key"), str("owner"), str("group"), str("mode")
	if f := v.Get("restart_units"); f != nil {
		for _, e := range f.List {
			if e.Kind == inventory.String {
				o.RestartUnits = append(o.RestartUnits, e.Str)
			}
		}
	}
	return o
}

// equal reports whether two leaves hold the same value.
func (n *Node) equal(o *Node) bool {
	if n.Kind != o.Kind {
		return false
	}
	switch n.Kind {
	case Int:
		return n.Int == o.Int
	case Float:
		return n.Float == o.Float
	case Bool:
		return n.Bool == o.Bool
	case List:
		if len(n.Items) != len(o.Items) {
			return false
		}
		for i := range n.Items {
			if !n.Items[i].equal(o.Items[i]) {
				return false
			}
		}
		return true
	case Secret:
		// Two references to one secret differ when they read another key
		// or install the file otherwise.
		return n.Str == o.Str && secretKey(n.SecretOpts) == secretKey(o.SecretOpts) && describeOpts(n.SecretOpts) == describeOpts(o.SecretOpts)
	case Table:
		if n.Len() != o.Len() {
			return false
		}
		for k, f := range n.Entries() {
			g := o.Get(k)
			if g == nil || !f.equal(g) {
				return false
			}
		}
		return true
	}
	return n.Str == o.Str
}

// fromValue converts a TOML value of one layer into a Node whose every
// part carries that layer's definition.
func fromValue(v *inventory.Value, layer string, level int, forced bool) *Node {
	n := newNode(Def{Layer: layer, Pos: v.Pos, src: v, Forced: forced, level: int32(level)})
	switch v.Kind {
	case inventory.String:
		n.Kind, n.Str = String, v.Str
	case inventory.Int:
		n.Kind, n.Int = Int, v.Int
	case inventory.Float:
		n.Kind, n.Float = Float, v.Float
	case inventory.Bool:
		n.Kind, n.Bool = Bool, v.Bool
	case inventory.Datetime:
		n.Kind, n.Str = Datetime, v.Str
	case inventory.Array:
		n.Kind = List
		n.Items = make([]*Node, 0, len(v.List))
		for _, e := range v.List {
			n.Items = append(n.Items, fromValue(e, layer, level, forced))
		}
	case inventory.Table:
		switch inventory.SpecialKind(v) {
		case "expr":
			n.Kind, n.Str = Expr, v.Get("expr").Str
			return n
		case "secret":
			n.Kind, n.Str = Secret, v.Get("secret").Str
			n.SecretOpts = secretOpts(v)
			return n
		}
		n.Kind = Table
		n.inline = v.Inline
		n.Fields = NewFields(v.Len())
		// A table's definition points at where it was opened.
		n.Defs[0].Pos = v.KeyPos
		for k, f := range v.Entries() {
			n.Fields.Set(k, fromValue(f, layer, level, forced))
		}
	}
	return n
}

// conflicts returns the peer conflicts recorded on n.
func (n *Node) conflicts() []conflict {
	if n.conflict == nil {
		return nil
	}
	return *n.conflict
}

// addConflict records a peer conflict on n (which must be owned).
func (n *Node) addConflict(c conflict) {
	if n.conflict == nil {
		n.conflict = &[]conflict{}
	}
	*n.conflict = append(*n.conflict, c)
}

// conflict is two peer definitions of one value that differ.
type conflict struct {
	path string
	a, b Def
}

// reportConflicts reports the peer conflicts left in a merged tree.
func reportConflicts(dl *diag.List, n *Node) {
	findOwnNodes(n, func(n *Node) bool { return n.conflict != nil }, func(_ []string, n *Node) {
		for _, c := range n.conflicts() {
			hint := "roles are peers: set the value in one role only, or decide it in the host"
			if c.a.src != nil && c.a.src.Kind == inventory.Array {
				hint += " with [force]: a plain list would be appended to theirs"
			}
			dl.Errorf(c.b.Pos, "conflict", "conflicting values for %s: %s sets %s, %s sets %s", c.path, c.a.Layer, c.a.Value(), c.b.Layer, c.b.Value()).
				Also(c.a.Pos, "%s sets %s here", c.a.Layer, c.a.Value()).
				Hint("%s", hint)
		}
	})
}

// merger merges layer values and reports conflicts.
type merger struct {
	diags *diag.List
	// peer is the level shared by roles: two different definitions at this
	// level are a conflict.
	peer int
	path []string
}

func (m *merger) where() string { return JoinPath(m.path) }

// merge merges in (from a higher or peer layer) onto acc and returns the
// result. in is consumed; a shared in is copied where it would change.
func (m *merger) merge(acc, in *Node) *Node {
	if acc == nil {
		return in
	}
	if in == nil {
		return acc
	}
	forced := len(in.Defs) > 0 && in.Defs[0].Forced
	if acc.Kind == Table && in.Kind == Table && !(forced && in.inline) {
		// Tables merge key by key; a forced header table only navigates,
		// its values replace one by one.
		acc = own(acc)
		acc.Defs = append(acc.Defs, in.Defs...)
		for _, k := range in.Fields.SortedKeys() {
			m.path = append(m.path, k)
			acc.Fields.Set(k, m.merge(acc.Fields.At(k), in.Fields.At(k)))
			m.path = m.path[:len(m.path)-1]
		}
		return acc
	}
	if forced || acc.Won().Forced {
		if c := m.peerConflict(acc, in); c != nil {
			return c
		}
	}
	if forced {
		// [force] replaces: the lower definitions stay in the record, but
		// the forced value is the value.
		in = own(in)
		in.Winner += int32(len(acc.Defs))
		in.Defs = slices.Concat(acc.Defs, in.Defs)
		return in
	}
	switch {
	case acc.Kind == List && in.Kind == List:
		acc = own(acc)
		acc.Defs = append(acc.Defs, in.Defs...)
		for _, it := range in.Items {
			if !slices.ContainsFunc(acc.Items, it.equal) {
				acc.Items = append(acc.Items, it)
			}
		}
		return acc
	case acc.Kind.leaf() && in.Kind.leaf(), acc.Kind == Expr, in.Kind == Expr:
		won := acc.Won()
		d := in.Defs[0]
		if won.level == d.level && int(d.level) == m.peer && !acc.equal(in) {
			// Peers disagree. A higher layer may still decide the value;
			// the conflict is reported only if none does.
			acc = own(acc)
			acc.Defs = append(acc.Defs, d)
			acc.addConflict(conflict{path: m.where(), a: won, b: d})
			return acc
		}
		in = own(in)
		in.Winner += int32(len(acc.Defs))
		in.Defs = slices.Concat(acc.Defs, in.Defs)
		return in
	default:
		d := in.Defs[0]
		won := acc.Defs[len(acc.Defs)-1]
		m.diags.Errorf(d.Pos, "type-mismatch", "%s is a %s in %s but a %s in %s", m.where(), acc.Kind, won.Layer, in.Kind, d.Layer).
			Also(won.Pos, "%s defines it as a %s here", won.Layer, acc.Kind).
			Hint("use the same shape in every layer, or put the value under [force] to replace the lower one")
		return acc
	}
}

// peerConflict records a conflict when two peer layers (roles) disagree
// and one of them forces its value: [force] replaces lower layers, not a
// peer, so which role is listed first must not decide. A higher layer (the
// host) may still decide; the conflict is reported only if none does.
// It returns the node that records the conflict, or nil when there is
// none.
func (m *merger) peerConflict(acc, in *Node) *Node {
	won, d := acc.Won(), in.Defs[0]
	if int(won.level) != m.peer || int(d.level) != m.peer || won.Layer == d.Layer || acc.equal(in) {
		return nil
	}
	acc = own(acc)
	acc.Defs = append(acc.Defs, d)
	acc.addConflict(conflict{path: m.where(), a: won, b: d})
	return acc
}
