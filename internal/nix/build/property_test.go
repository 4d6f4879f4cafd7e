package build

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// pieces are what random strings are made of: every sequence that means
// something in a Nix string, an indented string, a comment or a path.
var pieces = []string{
	"'", "''", "'''", "$", "${", "$${", "}", "{", "\\", "\\n", "\r", "\n", "\r\n", "\t", "\x00",
	`"`, "#", "/*", "*/", " ", "  ", "a", "x y", "é", "✓", "\u2028", "\x7f", "\x01", ".", "/", "~", "<", ">",
}

func randomString(rng *rand.Rand, nul bool) string {
	var b strings.Builder
	for range rng.IntN(12) {
		p := pieces[rng.IntN(len(pieces))]
		if p == "\x00" && !nul {
			continue
		}
		b.WriteString(p)
	}
	return b.String()
}

// propertyCase is one random string printed through every way the
// package writes text, and what Nix must read back.
type propertyCase struct {
	s    string
	segs string // s as a path segment (no slash, not . or ..), or ""
}

// TestPrintedStringsReadBackByNix is a property test with Nix as the
// oracle: random strings made of quotes, dollars, braces, backslashes, CR,
// LF, tabs, NUL and non-ASCII go through every path that writes text (a
// double-quoted string, an indented string, an attribute name, a select,
// a comment, a path) and are read back with nix-instantiate --eval
// --strict --json. Each must come back identical, or be refused by Print
// (a NUL byte) before anything is written. The seed is fixed; set
// FLEET_PROPERTY_ROUNDS for a longer run.
func TestPrintedStringsReadBackByNix(t *testing.T) {
	nix := needNix(t)
	rounds := 300
	if n, err := strconv.Atoi(os.Getenv("FLEET_PROPERTY_ROUNDS")); err == nil {
		rounds = n
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(20, 1))
	const batch = 60
	refused := 0
	for done := 0; done < rounds; done += batch {
		var cases []propertyCase
		var items []Expr
		for range min(batch, rounds-done) {
			s := randomString(rng, rng.IntN(8) == 0)
			c := propertyCase{s: s}
			seg := strings.ReplaceAll(s, "/", "_")
			if seg != "" && seg != "." && seg != ".." {
				c.segs = seg
			}
			// Several lines, so that Str takes the indented form when Nix
			// can read it back.
			multi := "first\n" + s + "\n  " + s + "\nlast"
			set := Attrs().
				Set("plain", Quoted(s)).
				Set("indented", Str(multi)).
				Set("interp", Interp(Str(s), Var("x"), Str(s)))
			set.Add(Binding{Path: []string{"named"}, Value: Attrs().Set(s, Int(1))})
			set.Add(Binding{Path: []string{"commented"}, Value: Attrs().Add(Binding{Path: []string{"c"}, Value: Int(1), Comments: []string{s, "x " + s}})})
			set.Add(Binding{Path: []string{"selected"}, Value: Select(Attrs().SetPath([]string{"a", s}, Int(2)), "a", s)})
			if c.segs != "" {
				set.Set("path", Call(Var("toString"), Path("./"+c.segs)))
			}
			e := Let(Attrs().Set("x", Quoted("X")), set)
			if _, err := Print(e); err != nil {
				if !errors.Is(err, ErrNUL) || !strings.Contains(s, "\x00") {
					t.Fatalf("%q: refused: %v", s, err)
				}
				refused++
				continue
			}
			if strings.Contains(s, "\x00") {
				t.Fatalf("%q: printed a NUL byte", s)
			}
			cases = append(cases, c)
			items = append(items, e)
		}
		src, err := Print(List(items...))
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(nix, "--eval", "--strict", "--json", "-E", string(src)).CombinedOutput()
		if err != nil {
			t.Fatalf("nix: %v\n%s\nsource:\n%s", err, out, src)
		}
		var got []struct {
			Plain     string         `json:"plain"`
			Indented  string         `json:"indented"`
			Interp    string         `json:"interp"`
			Named     map[string]int `json:"named"`
			Commented map[string]int `json:"commented"`
			Selected  int            `json:"selected"`
			Path      string         `json:"path"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		for i, c := range cases {
			g := got[i]
			multi := "first\n" + c.s + "\n  " + c.s + "\nlast"
			switch {
			case g.Plain != c.s:
				t.Errorf("plain %q read back as %q", c.s, g.Plain)
			case g.Indented != multi:
				t.Errorf("indented %q read back as %q", multi, g.Indented)
			case g.Interp != c.s+"X"+c.s:
				t.Errorf("interpolated %q read back as %q", c.s, g.Interp)
			case len(g.Named) != 1 || g.Named[c.s] != 1:
				t.Errorf("attribute name %q read back as %v", c.s, g.Named)
			case len(g.Commented) != 1 || g.Commented["c"] != 1:
				t.Errorf("comment %q changed the set: %v", c.s, g.Commented)
			case g.Selected != 2:
				t.Errorf("select of %q gave %d", c.s, g.Selected)
			case c.segs != "" && g.Path != cwd+"/"+c.segs:
				t.Errorf("path ./%q read back as %q", c.segs, g.Path)
			}
		}
	}
	t.Logf("%d strings, %d refused (NUL)", rounds, refused)
}
