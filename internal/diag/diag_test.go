package diag

import (
	"bytes"
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
