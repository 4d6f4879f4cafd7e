package inventory

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
)

func TestParseTOMLPositions(t *testing.T) {
	src := `name = "x"
[hardware]
gpu = "nvidia"   # comment
memory_gb = 32
[settings.monitoring]
ports = [1, 2]
inline = { secret = "a/b" }
dotted.key = true
[[arr]]
k = 1
[[arr]]
k = 2
`
	root, ds := ParseTOML("f.toml", []byte(src))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	tests := []struct {
		path    []string
		kind    Kind
		desc    string
		pos     diag.Pos
		keyPos  diag.Pos
		special bool
	}{
		{[]string{"name"}, String, `"x"`, diag.Pos{File: "f.toml", Line: 1, Col: 8}, diag.Pos{File: "f.toml", Line: 1, Col: 1}, false},
		{[]string{"hardware", "gpu"}, String, `"nvidia"`, diag.Pos{File: "f.toml", Line: 3, Col: 7}, diag.Pos{File: "f.toml", Line: 3, Col: 1}, false},
		{[]string{"hardware", "memory_gb"}, Int, "32", diag.Pos{File: "f.toml", Line: 4, Col: 13}, diag.Pos{File: "f.toml", Line: 4, Col: 1}, false},
		{[]string{"settings", "monitoring", "ports"}, Array, "[1, 2]", diag.Pos{File: "f.toml", Line: 6, Col: 9}, diag.Pos{File: "f.toml", Line: 6, Col: 1}, false},
		{[]string{"settings", "monitoring", "inline"}, Table, `{ secret = "a/b" }`, diag.Pos{File: "f.toml", Line: 7, Col: 10}, diag.Pos{File: "f.toml", Line: 7, Col: 1}, true},
		{[]string{"settings", "monitoring", "dotted", "key"}, Bool, "true", diag.Pos{File: "f.toml", Line: 8, Col: 14}, diag.Pos{File: "f.toml", Line: 8, Col: 8}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.path, "."), func(t *testing.T) {
			v := root.Lookup(tt.path...)
			if v == nil {
				t.Fatal("missing")
			}
			got := struct {
				Kind        Kind
				Desc        string
				Pos, KeyPos diag.Pos
				Special     bool
			}{v.Kind, v.Describe(), v.Pos, v.KeyPos, IsSpecial(v)}
			want := struct {
				Kind        Kind
				Desc        string
				Pos, KeyPos diag.Pos
				Special     bool
			}{tt.kind, tt.desc, tt.pos, tt.keyPos, tt.special}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if arr := root.Get("arr"); arr == nil || len(arr.List) != 2 || arr.List[1].Get("k").Int != 2 {
		t.Errorf("array of tables: got %s", arr.Describe())
	}
}

// TestParseTOMLNestedArrayPositions: an array inside an array carries no
// position of its own from the TOML parser; one that has no element to
// find one from (empty, after others) takes its outer array's '['.
func TestParseTOMLNestedArrayPositions(t *testing.T) {
	for _, tt := range []struct {
		src  string
		path []int // indexes into a's elements
		col  int32
	}{
		{`a = ["", []]`, []int{1}, 5},
		{`a = [[]]`, []int{0}, 5},
		{`a = [1, [[], [2]]]`, []int{1, 0}, 5},
		{`t = { a = ["x", []] }`, nil, 0}, // checked below, in t
	} {
		root, ds := ParseTOML("f.toml", []byte(tt.src))
		if len(ds) != 0 {
			t.Fatalf("%s: %v", tt.src, ds)
		}
		var walk func(v *Value)
		walk = func(v *Value) {
			if !v.Pos.IsValid() {
				t.Errorf("%s: %s has no position", tt.src, v.Describe())
			}
			for _, x := range v.Entries() {
				walk(x)
			}
			for _, e := range v.List {
				walk(e)
			}
		}
		walk(root)
		if tt.path == nil {
			continue
		}
		v := root.Get("a")
		for _, i := range tt.path {
			v = v.List[i]
		}
		if v.Pos.Line != 1 || v.Pos.Col != tt.col {
			t.Errorf("%s: the empty array is at %s, want 1:%d", tt.src, v.Pos, tt.col)
		}
	}
}

// TestParseTOMLEmptyTables: a table without keys (a header alone, an
// empty inline table, an array-of-tables element) is a table like any
// other, though its entries are made only with a first one; the reader's
// line index, reused from file to file, gives each file its own lines.
func TestParseTOMLEmptyTables(t *testing.T) {
	root, ds := ParseTOML("a.toml", []byte("x = {}\n[containers.app]\n[[list]]\n[[list]]\nk = 1\n"))
	if len(ds) > 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	for _, path := range [][]string{{"x"}, {"containers", "app"}, {"list"}} {
		v := root.Lookup(path...)
		if v == nil {
			t.Fatalf("%v: missing", path)
		}
		if path[0] == "list" {
			if len(v.List) != 2 || v.List[0].Kind != Table || v.List[0].Describe() != "{}" || v.List[1].Describe() != "{ k = 1 }" {
				t.Errorf("list = %s", v.Describe())
			}
			continue
		}
		if v.Kind != Table || v.Len() != 0 || v.Describe() != "{}" || v.Get("k") != nil {
			t.Errorf("%v = %s (%v), want an empty table", path, v.Describe(), v.Kind)
		}
	}
	if got := root.Lookup("containers", "app").KeyPos; got != (diag.Pos{File: "a.toml", Line: 2, Col: 13}) {
		t.Errorf("[containers.app] at %v", got)
	}
	// A second, shorter file read after the first has its own lines.
	root, _ = ParseTOML("b.toml", []byte("\n\ny = 2\n"))
	if got := root.Get("y").Pos; got != (diag.Pos{File: "b.toml", Line: 3, Col: 5}) {
		t.Errorf("y at %v, want b.toml:3:5", got)
	}
}

func TestParseTOMLErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"duplicate key", "a = 1\na = 2\n", []string{"f.toml:2:1: a is defined twice"}},
		{"duplicate table", "[a]\nx = 1\n[a]\ny = 2\n", []string{"f.toml:3:2: table [a] is defined twice"}},
		{"table over value", "a = 1\n[a.b]\n", []string{"f.toml:2:2: a is already defined as an integer"}},
		{"extend inline", "a = { b = 1 }\n[a.c]\n", []string{"f.toml:2:2: a is already defined as an inline table"}},
		{"syntax", "a = [1,\n", []string{"f.toml:1:8: invalid TOML: array is incomplete"}},
		{"dotted then header", "a.b = 1\n[a]\n", []string{"f.toml:2:2: table [a] is defined twice"}},
		{"int overflow", "a = 99999999999999999999\n", []string{"f.toml:1:5: invalid integer 99999999999999999999: out of range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := ParseTOML("f.toml", []byte(tt.src))
			var got []string
			for _, d := range ds {
				got = append(got, d.Pos.String()+": "+d.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseTOML checks that any input parses or fails with positioned
// diagnostics, never panics, and that every value has a valid position.
func FuzzParseTOML(f *testing.F) {
	for _, s := range []string{
		"a = 1\n", "[a]\nb = 'c'\n", "[[x]]\ny = [1, {z = 2}]\n", "a.b.c = true\n[d]\ne = 1979-05-27T07:32:00Z\n",
		"x = { secret = \"a/b\" }\n", "a = \"\"\"\nmulti\n\"\"\"\n", "[a]\n[a.b]\n[[a.c]]\n", "a = inf\nb = -nan\nc = 0x1F\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		root, ds := ParseTOML("f.toml", []byte(src))
		for _, d := range ds {
			if d.Pos.File != "f.toml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Fatalf("diagnostic without a position: %+v", d)
			}
		}
		if root == nil {
			if len(ds) == 0 {
				t.Fatal("no tree and no diagnostic")
			}
			return
		}
		var walk func(v *Value)
		walk = func(v *Value) {
			if v.Pos.Line < 1 || int(v.Pos.Line) > strings.Count(src, "\n")+1 {
				t.Fatalf("value %s at impossible line %d", v.Describe(), v.Pos.Line)
			}
			for _, k := range v.Keys() {
				walk(v.Get(k))
			}
			for _, e := range v.List {
				walk(e)
			}
		}
		walk(root)
	})
}

func TestParseTOMLStringBounds(t *testing.T) {
	long := strings.Repeat("x", MaxString+1)
	for name, src := range map[string]string{
		"long string": "a = \"" + long + "\"\n",
		"long key":    "\"" + long + "\" = 1\n",
		"nul string":  "a = \"x\\u0000\"\n",
		"nul key":     "\"x\\u0000\" = 1\n",
	} {
		v, ds := ParseTOML("f.toml", []byte(src))
		if v != nil || len(ds) != 1 || ds[0].Pos.Line != 1 {
			t.Errorf("%s: got %v, %v; want one positioned error", name, v, ds)
		}
	}
	if v, ds := ParseTOML("f.toml", []byte("a = \""+long[:MaxString]+"\"\n")); v == nil || len(ds) > 0 {
		t.Errorf("a string of MaxString bytes: %v", ds)
	}
}

// TestQuoteRoundTrip: what QuoteKey and QuoteString write reads back as
// the same key and string in fleet's TOML reader, control characters
// included.
func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", "with space", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "del\x7f", "nul-ish\x01", "é ü ✓", ""} {
		src := QuoteKey(s) + " = " + QuoteString(s) + "\n"
		v, ds := ParseTOML("t.toml", []byte(src))
		if len(ds) > 0 {
			t.Errorf("%q: %s does not parse: %v", s, src, ds)
			continue
		}
		if v.Len() != 1 || v.Keys()[0] != s || v.Get(s).Str != s {
			t.Errorf("%q: read back keys %q", s, v.Keys())
		}
	}
}
