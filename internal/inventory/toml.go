package inventory

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/keyindex"
)

// Kind is the kind of a TOML value.
type Kind uint8

// The kinds of TOML values.
const (
	String Kind = iota + 1
	Int
	Float
	Bool
	Datetime // any of TOML's date and time forms, kept as written
	Array
	Table
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
	case Array:
		return "array"
	case Table:
		return "table"
	}
	return "invalid"
}

// Value is a TOML value with the position of its key and of itself. Tables
// keep their keys in source order.
type Value struct {
	Kind Kind
	Bool bool
	// Inline is true for inline tables ({ a = 1 }); fleet reads
	// `{ secret = ... }` and `{ expr = ... }` only in that form.
	Inline bool
	// defined is true for tables that have been defined by a header or a
	// key/value; false for tables created implicitly as parents.
	defined bool
	// closed is true for inline tables and arrays of tables' values, which
	// TOML forbids extending. (The flags share a word with Kind: a Value
	// is 120 bytes, in Go's 128-byte size class, and a fleet's files hold
	// hundreds of thousands.)
	closed bool

	Pos    diag.Pos // where the value starts
	KeyPos diag.Pos // where the key naming this value starts (zero for array elements and the root)

	Str   string // String and Datetime (as written)
	Int   int64
	Float float64

	List []*Value // Array elements

	// tbl holds a table's entries in source order: nil for a table with
	// none and for every other kind. (A pointer keeps a scalar small.)
	tbl *keyindex.Table[*Value]
}

// Keys returns a table's keys in source order (nil for none, or for a
// value that is not a table), in a new slice: a caller may change the
// table while it ranges over them. Entries reads a table without one.
func (v *Value) Keys() []string {
	if v == nil {
		return nil
	}
	return v.tbl.Keys()
}

// appendKeys appends a table's keys, in source order, to dst: a copy,
// in the caller's storage.
func (v *Value) appendKeys(dst []string) []string {
	if v == nil {
		return dst
	}
	return v.tbl.AppendKeys(dst)
}

// Len is the number of a table's entries.
func (v *Value) Len() int {
	if v == nil {
		return 0
	}
	return v.tbl.Len()
}

// Get returns the entry key of a table, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Table {
		return nil
	}
	return v.tbl.At(key)
}

// Entries yields a table's entries in source order. (Its own loop, not
// the table's All: ranging over Entries then costs no allocation.)
func (v *Value) Entries() iter.Seq2[string, *Value] {
	return func(yield func(string, *Value) bool) {
		if v == nil {
			return
		}
		for i := range v.tbl.Len() {
			if !yield(v.tbl.Entry(i)) {
				return
			}
		}
	}
}

// Set makes x the entry key of table v: in place of the entry key has,
// or after the others.
func (v *Value) Set(key string, x *Value) {
	v.table().Set(key, x)
}

// add adds the entry key, which the table does not have, after the
// others.
func (v *Value) add(key string, x *Value) {
	v.table().Add(key, x)
}

// table returns v's entries, made with the first: many tables (an
// instance that runs as defined, [containers.app]) have none. The first
// entry is kept in the same allocation as the entries.
func (v *Value) table() *keyindex.Table[*Value] {
	if v.tbl == nil {
		v.tbl = keyindex.NewTable[*Value](1)
	}
	return v.tbl
}

// drop removes the entry key from a table, when it has one.
func (v *Value) drop(key string) {
	if v.tbl != nil {
		v.tbl.Delete(key)
	}
}

// Lookup follows a path of keys through nested tables.
func (v *Value) Lookup(path ...string) *Value {
	for _, k := range path {
		v = v.Get(k)
	}
	return v
}

// SortedKeys returns a table's keys in lexical order.
func (v *Value) SortedKeys() []string {
	if v == nil {
		return nil
	}
	return v.tbl.SortedKeys()
}

// Describe renders a scalar or small value as TOML-like text for messages
// and provenance: "3001", "\"zsh\"", "[\"a\", \"b\"]", "{ secret = \"x\" }".
func (v *Value) Describe() string {
	if v == nil {
		return "null"
	}
	switch v.Kind {
	case String:
		return strconv.Quote(v.Str)
	case Int:
		return strconv.FormatInt(v.Int, 10)
	case Float:
		return formatFloat(v.Float)
	case Bool:
		return strconv.FormatBool(v.Bool)
	case Datetime:
		return v.Str
	case Array:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = e.Describe()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Table:
		if v.Len() == 0 {
			return "{}"
		}
		parts := make([]string, 0, v.Len())
		for k, f := range v.Entries() {
			parts = append(parts, QuoteKey(k)+" = "+f.Describe())
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return "?"
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// QuoteKey renders a key as TOML writes it: bare when it can be.
func QuoteKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return QuoteString(k)
		}
	}
	return k
}

// QuoteString renders s as a TOML basic string, with the escapes TOML
// defines (control characters as \uXXXX).
func QuoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lines maps byte offsets of one file to line and column.
type lines struct {
	file   string
	starts []int
}

// index sets l to the lines of src, reusing its storage: nothing keeps
// the index once the file is read.
func (l *lines) index(file string, src []byte) {
	l.file, l.starts = file, append(l.starts[:0], 0)
	for i, c := range src {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
}

func (l *lines) pos(offset int) diag.Pos {
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > offset }) - 1
	if i < 0 {
		i = 0
	}
	return diag.Pos{File: l.file, Line: int32(i + 1), Col: int32(offset - l.starts[i] + 1)}
}

// tomlScratch is what reading a file uses and the next file may reuse (a
// fleet has a host.toml per host): the parser, which keeps the storage
// of its syntax nodes, the parts of keys being read, and one copy of each
// key seen, and the index of the file's lines.
type tomlScratch struct {
	p     unstable.Parser
	parts []string
	pos   []diag.Pos
	keys  map[string]string
	lines lines
}

// maxSharedKeys bounds tomlScratch.keys: beyond it, keys are copied.
const maxSharedKeys = 4096

var tomlScratches = sync.Pool{New: func() any { return &tomlScratch{keys: map[string]string{}} }}

// ParseTOML parses src into a positioned tree. file is the name used in
// positions. Syntax errors and TOML's redefinition rules are reported as
// diagnostics; the tree is nil when the file cannot be parsed.
func ParseTOML(file string, src []byte) (*Value, []diag.Diagnostic) {
	t := &tomlReader{src: src}
	root := &Value{Kind: Table, Pos: diag.Pos{File: file, Line: 1, Col: 1}, defined: true}
	t.current = root
	t.s = tomlScratches.Get().(*tomlScratch)
	defer tomlScratches.Put(t.s)
	t.s.lines.index(file, src)
	p := &t.s.p
	p.Reset(src)
	t.p = p
	for p.NextExpression() {
		t.expression(root, p.Expression())
		// Nothing keeps the parts of an expression's keys.
		t.s.parts, t.s.pos = t.s.parts[:0], t.s.pos[:0]
	}
	if err := p.Error(); err != nil {
		var perr *unstable.ParserError
		pos := diag.Pos{File: file, Line: 1, Col: 1}
		msg := err.Error()
		if errors.As(err, &perr) {
			if len(perr.Highlight) > 0 || cap(perr.Highlight) > 0 {
				pos = t.offsetPos(cap(src) - cap(perr.Highlight))
			}
			msg = perr.Message
		}
		t.diags.Errorf(pos, "toml-syntax", "invalid TOML: %s", msg).Hint("fix the syntax; see https://toml.io")
		return nil, t.diags.Items()
	}
	t.checkStrings(root)
	if t.diags.HasErrors() {
		return nil, t.diags.Items()
	}
	return root, t.diags.Items()
}

// MaxString is the longest string value or key fleet accepts, in bytes
// (the Nix printer's bound too): longer values are not configuration, and
// copying them through every layer would make evaluation crawl.
const MaxString = 1 << 20

// checkStrings refuses strings and keys that no generated file can hold
// as written: a NUL byte (Nix strings end at NUL) or more than MaxString
// bytes.
func (t *tomlReader) checkStrings(v *Value) {
	check := func(s string, pos diag.Pos, what string) {
		switch {
		case len(s) > MaxString:
			t.diags.Errorf(pos, "value", "%s is %d bytes long; fleet accepts at most %d", what, len(s), MaxString).
				Hint("keep large content in a file of the fleet and refer to it from Nix")
		case strings.IndexByte(s, 0) >= 0:
			t.diags.Errorf(pos, "value", "%s contains a NUL character (\\u0000), which Nix strings cannot hold", what).
				Hint("remove the \\u0000 escape")
		}
	}
	switch v.Kind {
	case String:
		check(v.Str, v.Pos, "string")
	case Array:
		for _, e := range v.List {
			t.checkStrings(e)
		}
	case Table:
		for k, f := range v.Entries() {
			check(k, f.KeyPos, "key")
			t.checkStrings(f)
		}
	}
}

type tomlReader struct {
	src     []byte
	p       *unstable.Parser
	s       *tomlScratch
	current *Value
	diags   diag.List
}

func (t *tomlReader) offsetPos(off int) diag.Pos {
	if off < 0 {
		off = 0
	}
	if off > len(t.src) {
		off = len(t.src)
	}
	return t.s.lines.pos(off)
}

func (t *tomlReader) rangePos(r unstable.Range) diag.Pos { return t.offsetPos(int(r.Offset)) }

// keyParts returns the parts of a key and the position of each, in the
// scratch storage: valid until the expression is read.
func (t *tomlReader) keyParts(it unstable.Iterator) ([]string, []diag.Pos) {
	start := len(t.s.parts)
	for it.Next() {
		n := it.Node()
		t.s.parts = append(t.s.parts, t.key(n.Data))
		t.s.pos = append(t.s.pos, t.rangePos(n.Raw))
	}
	end := len(t.s.parts)
	return t.s.parts[start:end:end], t.s.pos[start:end:end]
}

// str returns a string value: a short one (most repeat from file to
// file: platforms, systems, module names) as key does.
func (t *tomlReader) str(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	return t.key(b)
}

// key returns a key as a string, one copy of each for the files read
// with the same scratch storage.
func (t *tomlReader) key(b []byte) string {
	if k, ok := t.s.keys[string(b)]; ok {
		return k
	}
	k := string(b)
	if len(t.s.keys) < maxSharedKeys {
		t.s.keys[k] = k
	}
	return k
}

func (t *tomlReader) expression(root *Value, n *unstable.Node) {
	switch n.Kind {
	case unstable.Table:
		parts, pos := t.keyParts(n.Key())
		tbl := t.descend(root, parts, pos, true)
		if tbl == nil {
			t.current = &Value{Kind: Table} // keep going; errors reported
			return
		}
		if tbl.defined {
			t.diags.Errorf(pos[0], "duplicate-key", "table [%s] is defined twice", joinKey(parts)).
				Also(tbl.KeyPos, "first defined here").Hint("merge the two tables into one")
		}
		tbl.defined = true
		tbl.KeyPos = pos[len(pos)-1]
		tbl.Pos = pos[0]
		t.current = tbl
	case unstable.ArrayTable:
		parts, pos := t.keyParts(n.Key())
		parent := t.descend(root, parts[:len(parts)-1], pos[:len(pos)-1], false)
		if parent == nil {
			return
		}
		last := parts[len(parts)-1]
		arr := parent.Get(last)
		if arr == nil {
			arr = &Value{Kind: Array, Pos: pos[0], KeyPos: pos[len(pos)-1]}
			parent.add(last, arr)
		} else if arr.Kind != Array || arr.closed {
			t.diags.Errorf(pos[len(pos)-1], "duplicate-key", "%s is already defined as %s", joinKey(parts), kindName(arr)).Also(arr.KeyPos, "defined here")
			t.current = &Value{Kind: Table}
			return
		}
		elem := &Value{Kind: Table, Pos: pos[0], KeyPos: pos[len(pos)-1], defined: true}
		arr.List = append(arr.List, elem)
		t.current = elem
	case unstable.KeyValue:
		t.keyValue(t.current, n)
	}
}

// descend walks to (creating) the table at path below from. For table
// headers (header=true) the last part may name an existing implicit table.
func (t *tomlReader) descend(from *Value, parts []string, pos []diag.Pos, header bool) *Value {
	cur := from
	for i, k := range parts {
		next := cur.Get(k)
		switch {
		case next == nil:
			next = &Value{Kind: Table, Pos: pos[i], KeyPos: pos[i]}
			cur.add(k, next)
		case next.Kind == Array && !next.closed && len(next.List) > 0 && next.List[0].Kind == Table:
			// [[a]] then [a.b]: extends the last element of a.
			next = next.List[len(next.List)-1]
		case next.Kind != Table || next.closed:
			t.diags.Errorf(pos[i], "duplicate-key", "%s is already defined as %s", joinKey(parts[:i+1]), kindName(next)).
				Also(next.KeyPos, "defined here")
			return nil
		}
		cur = next
	}
	return cur
}

func kindName(v *Value) string {
	switch {
	case v.Kind == Table && v.Inline:
		return "an inline table"
	case v.Kind == Array && v.closed:
		return "an array"
	case v.Kind == Array:
		return "an array of tables"
	}
	return article(v.Kind) + " " + v.Kind.String()
}

func (t *tomlReader) keyValue(tbl *Value, n *unstable.Node) {
	parts, pos := t.keyParts(n.Key())
	parent := tbl
	if len(parts) > 1 {
		parent = t.descend(tbl, parts[:len(parts)-1], pos[:len(pos)-1], false)
		if parent == nil {
			return
		}
		// Tables created by dotted keys are defined: a later [a] header for
		// them is a redefinition.
		for cur, i := tbl, 0; i < len(parts)-1; i++ {
			cur = cur.Get(parts[i])
			if cur.Kind == Table {
				cur.defined = true
			}
		}
	}
	last := parts[len(parts)-1]
	if prev := parent.Get(last); prev != nil {
		t.diags.Errorf(pos[len(pos)-1], "duplicate-key", "%s is defined twice", joinKey(parts)).
			Also(prev.KeyPos, "first defined here").Hint("remove one of the two definitions")
		return
	}
	v := t.value(n.Value())
	if v == nil {
		return
	}
	v.KeyPos = pos[len(pos)-1]
	if v.Kind == Array || !v.Pos.IsValid() {
		// An array's position is its '[' (value found it only near its
		// first element, if it has one). An array inside it that found
		// none, an empty one after others (["a", []]), takes the same.
		v.Pos = t.valuePosAfter(n)
		fillPos(v, v.Pos)
	}
	parent.add(last, v)
}

// valuePosAfter finds the position of a value whose node has no range (an
// array): the first non-blank byte after the '=' that follows the key.
func (t *tomlReader) valuePosAfter(n *unstable.Node) diag.Pos {
	off := int(n.Raw.Offset)
	end := min(off+int(n.Raw.Length), len(t.src))
	i := off
	for i < end && t.src[i] != '=' {
		i++
	}
	i++
	for i < end && (t.src[i] == ' ' || t.src[i] == '\t') {
		i++
	}
	return t.offsetPos(i)
}

func (t *tomlReader) value(n *unstable.Node) *Value {
	v := &Value{}
	if n.Raw.Length > 0 {
		v.Pos = t.rangePos(n.Raw)
	}
	switch n.Kind {
	case unstable.String:
		v.Kind, v.Str = String, t.str(n.Data)
	case unstable.Bool:
		v.Kind, v.Bool = Bool, n.Data[0] == 't'
	case unstable.Integer:
		i, err := parseTOMLInt(string(n.Data))
		if err != nil {
			t.diags.Errorf(v.Pos, "toml-syntax", "invalid integer %s: %v", n.Data, err)
			return nil
		}
		v.Kind, v.Int = Int, i
	case unstable.Float:
		f, err := parseTOMLFloat(string(n.Data))
		if err != nil {
			t.diags.Errorf(v.Pos, "toml-syntax", "invalid float %s", n.Data)
			return nil
		}
		v.Kind, v.Float = Float, f
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		v.Kind, v.Str = Datetime, string(n.Data)
	case unstable.Array:
		v.Kind, v.closed = Array, true
		it := n.Children()
		for it.Next() {
			e := t.value(it.Node())
			if e == nil {
				return nil
			}
			if !e.Pos.IsValid() {
				e.Pos = v.Pos
			}
			v.List = append(v.List, e)
		}
		if !v.Pos.IsValid() && len(v.List) > 0 {
			// Arrays carry no range: point just before the first element.
			v.Pos = v.List[0].Pos
			if v.Pos.Col > 1 {
				v.Pos.Col--
			}
		}
	case unstable.InlineTable:
		v.Kind, v.Inline, v.closed, v.defined = Table, true, true, true
		it := n.Children()
		for it.Next() {
			t.keyValue(v, it.Node())
		}
		closeInline(v)
	default:
		t.diags.Errorf(v.Pos, "toml-syntax", "unsupported TOML value")
		return nil
	}
	return v
}

// closeInline marks the tables created by dotted keys inside an inline
// table as closed too.
func closeInline(v *Value) {
	for _, f := range v.Entries() {
		if f.Kind == Table {
			f.closed, f.defined = true, true
			closeInline(f)
		}
	}
}

func parseTOMLInt(s string) (int64, error) {
	s = strings.ReplaceAll(s, "_", "")
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "0o"):
		base, s = 8, s[2:]
	case strings.HasPrefix(s, "0b"):
		base, s = 2, s[2:]
	}
	i, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("out of range")
		}
		return 0, fmt.Errorf("not a number")
	}
	return i, nil
}

func parseTOMLFloat(s string) (float64, error) {
	s = strings.ReplaceAll(s, "_", "")
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

func joinKey(parts []string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = QuoteKey(p)
	}
	return strings.Join(q, ".")
}

// fillPos gives the values below v that have no position (empty arrays
// nested in arrays carry no range) the position pos.
func fillPos(v *Value, pos diag.Pos) {
	for _, e := range v.List {
		if !e.Pos.IsValid() {
			e.Pos = pos
			fillPos(e, pos)
		}
	}
}
