package diag

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSuggest(t *testing.T) {
	known := []string{"monitoring", "backup-server", "openssh", "system", "firmware"}
	tests := []struct{ name, want string }{
		{"monitorin", "monitoring"},
		{"opnessh", "openssh"}, // transposition
		{"sytem", "system"},
		{"firmwear", "firmware"},
		{"backup", "backup-server"}, // a prefix
		{"zzz", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.name, known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestListSortsAndDedupes(t *testing.T) {
	var l List
	l.Errorf(Pos{File: "b.toml", Line: 2, Col: 1}, "x", "second")
	l.Warnf(Pos{File: "a.toml", Line: 9, Col: 3}, "x", "first").Hint("do this")
	l.Errorf(Pos{File: "b.toml", Line: 2, Col: 1}, "x", "second")
	var b bytes.Buffer
	Render(&b, l.Items())
	want := "a.toml:9:3: warning: first\n    hint: do this\nb.toml:2:1: error: second\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Error(diff)
	}
	if e, w := l.Count(); e != 1 || w != 1 {
		t.Errorf("Count() = %d, %d", e, w)
	}
	if !l.HasErrors() || l.Err() == nil {
		t.Error("errors not reported")
	}
}

func TestRenderColor(t *testing.T) {
	var b bytes.Buffer
	RenderColor(&b, []Diagnostic{{Pos: Pos{File: "f", Line: 1, Col: 2}, Message: "m"}}, true)
	if want := "f:1:2: \x1b[1;31merror\x1b[0m: m\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestRenderExcerpt(t *testing.T) {
	long := strings.Repeat("ab ", 100) + "X" + strings.Repeat(" cd", 100)
	files := map[string]string{
		"a.toml":    "x = 1\r\n\tname = \"é\"\x1b = 2\n",
		"long.nix":  long + "\n",
		"short.nix": "{ }",
	}
	ds := []Diagnostic{
		{Pos: Pos{File: "a.toml", Line: 2, Col: 10}, Message: "bad"},
		{Pos: Pos{File: "long.nix", Line: 1, Col: 301}, Message: "far"},
		{Pos: Pos{File: "short.nix", Line: 9, Col: 1}, Message: "beyond the end"},
		{Pos: Pos{File: "gone.nix", Line: 1, Col: 1}, Message: "unreadable"},
		{Pos: Pos{File: "a.toml"}, Message: "no line"},
	}
	var b strings.Builder
	RenderWith(&b, ds, RenderOptions{Source: func(f string) []byte {
		if s, ok := files[f]; ok {
			return []byte(s)
		}
		return nil
	}})
	want := "a.toml:2:10: error: bad\n" +
		"    2 | \tname = \"é\"? = 2\n" +
		"      | \t        ^\n" +
		"long.nix:1:301: error: far\n" +
		"    1 | ..." + long[250:350] + "...\n" +
		"      |    " + strings.Repeat(" ", 50) + "^\n" +
		"short.nix:9:1: error: beyond the end\n" +
		"gone.nix:1:1: error: unreadable\n" +
		"a.toml: error: no line\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("excerpts differ (-want +got):\n%s", diff)
	}
}
