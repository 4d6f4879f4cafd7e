package inventory

import (
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/diag"
)

func TestReplaceString(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		old, with string
		want, err string
	}{
		{"basic", "a = 1\nimage = \"x:1\" # keep\n", 2, 9, "x:1", "x:1@sha256:ab", "a = 1\nimage = \"x:1@sha256:ab\" # keep\n", ""},
		{"literal", "image = 'x'\n", 1, 9, "x", "y", "image = \"y\"\n", ""},
		{"escaped quote inside", "image = \"a\\\"b\"\nz = 2\n", 1, 9, "a\"b", "c", "image = \"c\"\nz = 2\n", ""},
		{"in a table", "[containers.app]\nimage = \"x\"\n", 2, 9, "x", "y", "[containers.app]\nimage = \"y\"\n", ""},
		{"inline table", "c = { image = \"x\", b = 1 }\n", 1, 15, "x", "y", "c = { image = \"y\", b = 1 }\n", ""},
		{"changed since read", "image = \"other:5\"\n", 1, 9, "app:1.2", "app:1.2@sha256:aa", "", "no longer holds"},
		{"not a string", "a = 1\n", 1, 5, "1", "y", "", "no longer holds"},
		{"past the end", "a = 1\n", 3, 1, "x", "y", "", "no longer holds"},
		{"multi-line string", "a = \"\"\"\\\nx\"\"\"\n", 1, 5, "x", "y", "", "spans lines"},
		{"needs escapes", "a = \"x\"\n", 1, 5, "x", "y\"z", "", "needs escapes"},
		{"a key, not a value", "\"a\" = \"x\"\n", 1, 1, "a", "y", "", "no longer holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReplaceString([]byte(tc.src), diag.Pos{File: "f.toml", Line: int32(tc.line), Col: int32(tc.col)}, tc.old, tc.with)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// FuzzReplaceString replaces each one-line string value of a TOML file:
// the result reads, with the new value where the old one was, and every
// other byte kept.
func FuzzReplaceString(f *testing.F) {
	f.Add("image = \"docker.io/a:1\" # c\n[x]\nb = 'q'\nc = [\"d\", { e = \"f\" }]\n")
	f.Add("a.b = \"\\u00e9\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		v, diags := ParseTOML("f.toml", []byte(src))
		for _, d := range diags {
			if d.Severity == diag.Error {
				return
			}
		}
		var strs []*Value
		var walk func(*Value)
		walk = func(v *Value) {
			if v.Kind == String {
				strs = append(strs, v)
			}
			for _, f := range v.Entries() {
				walk(f)
			}
			for _, it := range v.List {
				walk(it)
			}
		}
		walk(v)
		for _, s := range strs {
			out, err := ReplaceString([]byte(src), s.Pos, s.Str, "new@sha256:1")
			if err != nil {
				continue // a multi-line string, or one that starts elsewhere
			}
			at := Offset([]byte(src), s.Pos)
			end := StringEnd([]byte(src), at)
			if string(out[:at]) != src[:at] || string(out[len(out)-(len(src)-end):]) != src[end:] {
				t.Fatalf("ReplaceString(%q at %s) changed more than the string: %q", src, s.Pos, out)
			}
		}
	})
}
