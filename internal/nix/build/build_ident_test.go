package build

import (
	"regexp"
	"slices"
	"testing"
)

// TestIsIdent compares IsIdent with the definition it implements on
// every short string over an alphabet that covers each class of byte.
func TestIsIdent(t *testing.T) {
	re := regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_'-]*$`)
	alphabet := []byte("aZ_0'-.\" é")
	var walk func(prefix []byte)
	walk = func(prefix []byte) {
		s := string(prefix)
		want := re.MatchString(s) && !slices.Contains(keywords, s)
		if got := IsIdent(s); got != want {
			t.Errorf("IsIdent(%q) = %v, want %v", s, got, want)
		}
		if len(prefix) == 3 {
			return
		}
		for _, c := range alphabet {
			walk(append(prefix, c))
		}
	}
	walk(nil)
	for _, k := range keywords {
		if IsIdent(k) {
			t.Errorf("IsIdent(%q): a keyword", k)
		}
	}
	if !IsIdent("inherit'") || !IsIdent("or-x") {
		t.Error("identifiers that start like keywords")
	}
}

// TestIsKeyword: the switch and the list name the same words.
func TestIsKeyword(t *testing.T) {
	for _, k := range keywords {
		if !isKeyword(k) {
			t.Errorf("isKeyword(%q) = false", k)
		}
	}
	for _, s := range []string{"", "i", "iff", "inherits", "lets", "x", "orr", "Or"} {
		if isKeyword(s) {
			t.Errorf("isKeyword(%q) = true", s)
		}
	}
}
