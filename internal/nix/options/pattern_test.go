package options

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// patternCases are patterns and strings whose matching Nix decides in
// TestMatcherAgainstNix.
var patternCases = []struct {
	pattern string
	inputs  []string
}{
	{"[a-z][a-z0-9-]*", []string{"web-1", "Web", "", "a", "a_b", "a-"}},
	{"[ \t\n]*", []string{"", "  ", "\t\n", " x ", "x"}},
	{"[^\n\r]*\n?", []string{"one line", "one\n", "two\nlines", "\r", ""}},
	{".*", []string{"", "a\nb", "é"}},
	{".", []string{"é", "a", "\n"}},
	{"..", []string{"é", "ab"}},
	{"[[:alpha:]]+", []string{"abc", "ab1", ""}},
	{"[[:digit:][:space:]]*", []string{"1 2", "a"}},
	{"[0-9]{1,3}(\\.[0-9]{1,3}){3}", []string{"10.0.0.1", "10.0.0", "1000.0.0.1"}},
	{"a|b", []string{"a", "b", "ab", ""}},
	{"(ab)*c", []string{"c", "ababc", "abc", "ac"}},
	{"[\\.]+", []string{".", "\\", "\\.", "a"}},
	{"[]a]+", []string{"]", "a]", "b"}},
	{"[a-]+", []string{"a-", "-", "b"}},
	{"x{2,}", []string{"x", "xx", "xxxxx"}},
	{"\\$[a-z]+", []string{"$abc", "abc"}},
	{"[^/]+(/[^/]+)*", []string{"a/b", "/a", "a//b"}},
	{"é+", []string{"éé", "e"}},
	{"[é]", []string{"é"}},
}

// TestMatcher checks what Matcher refuses to translate.
func TestMatcher(t *testing.T) {
	for _, p := range []string{`\d+`, `\w`, `(?i)a`, `a**`, `[[=a=]]`, `[a`, `\1`, `a{,2}`} {
		if _, err := Matcher(p); err == nil {
			t.Errorf("Matcher(%q) translated a construct it cannot vouch for", p)
		}
	}
}

// TestMatcherAgainstNix compares Matcher with builtins.match of Nix 2.8
// on every case of patternCases.
func TestMatcherAgainstNix(t *testing.T) {
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate not installed: the matching of Nix is the reference")
	}
	var expr strings.Builder
	expr.WriteString("[")
	for _, c := range patternCases {
		for _, in := range c.inputs {
			p, _ := json.Marshal(c.pattern)
			s, _ := json.Marshal(in)
			expr.WriteString("(builtins.match " + nixString(string(p)) + " " + nixString(string(s)) + " != null) ")
		}
	}
	expr.WriteString("]")
	out, err := exec.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", expr.String()).Output()
	if err != nil {
		t.Fatalf("nix-instantiate: %v", err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, c := range patternCases {
		re, err := Matcher(c.pattern)
		if err != nil {
			t.Errorf("Matcher(%q): %v", c.pattern, err)
			i += len(c.inputs)
			continue
		}
		for _, in := range c.inputs {
			if got := re.MatchString(Bytes(in)); got != want[i] {
				t.Errorf("pattern %q on %q: fleet %v, Nix %v", c.pattern, in, got, want[i])
			}
			i++
		}
	}
}

// nixString turns a JSON string into a Nix string literal: the escapes
// agree except for $ (which starts interpolation) and \u escapes.
func nixString(js string) string {
	return strings.ReplaceAll(js, "${", `\${`)
}
