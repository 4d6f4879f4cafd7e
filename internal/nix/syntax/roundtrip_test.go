package syntax

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRoundTrip prints the tree of every .nix file of the repository (the
// fixture corpus included) and of $FLEET_NIX_CORPUS back, and requires the
// source byte for byte, also for files with syntax errors.
func TestRoundTrip(t *testing.T) {
	dirs := append([]string{repoRoot(t)}, corpusDirs()...)
	total, broken := 0, 0
	for _, dir := range dirs {
		for _, file := range nixFiles(t, dir) {
			src := mustRead(t, file)
			f, ds := Parse(file, src)
			total++
			if len(ds) > 0 {
				broken++
			}
			if got := f.Bytes(); !bytes.Equal(got, src) {
				t.Errorf("%s: printing the tree does not give the source back (%d bytes, want %d)", file, len(got), len(src))
			}
		}
	}
	t.Logf("%d files round-trip byte for byte (%d of them with syntax errors)", total, broken)
}

// FuzzParse checks that parsing never panics, that the tree always prints
// back to the input, and that whatever is accepted can be shown in the
// --parse format and parsed again from its own printed tree.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/parse", "testdata/fail"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.nix"))
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
	for _, s := range []string{
		"", "x", "a.b or c", "''${x}''", "./a${b}c", "{ a, ... }@x: x", "f or", "a |> b <| c",
		`"$${x}\${y}$"`, "let a.b = 1; a = { c = 2; }; in a", "/* x", "''\n  a\n ''\\n ''", "~/${x}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, opts := range []Options{{}, {PipeOperators: true}} {
			file, ds := opts.Parse("fuzz.nix", src)
			if got := file.Bytes(); !bytes.Equal(got, src) {
				t.Fatalf("tree prints %q, want %q", got, src)
			}
			for _, d := range ds {
				if d.Pos.Line < 1 || d.Pos.Col < 1 || d.Message == "" {
					t.Fatalf("bad diagnostic %+v", d)
				}
			}
			if len(ds) > 0 {
				continue
			}
			file.CheckScope()
			out := file.ShowParse(ShowOptions{Dir: "/d", Home: "/h"})
			if out == "" || strings.Contains(out, "<error>") {
				t.Fatalf("ShowParse of accepted input gave %q", out)
			}
			again, ds2 := opts.Parse("fuzz.nix", file.Bytes())
			if len(ds2) > 0 || again.ShowParse(ShowOptions{Dir: "/d", Home: "/h"}) != out {
				t.Fatalf("reparsing the printed tree changes the result: %v", ds2)
			}
		}
	})
}

// TestPathologicalInputs feeds long runs of the same construct, nested or
// chained, open or closed. Each must parse (or fail) in linear time and
// print back; a quadratic case shows as a test timeout.
func TestPathologicalInputs(t *testing.T) {
	const n = 20000
	cases := map[string]string{
		"open parens":     strings.Repeat("(", n),
		"closed parens":   strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"open lists":      strings.Repeat("[", n),
		"nested sets":     strings.Repeat("{a=", n),
		"long select":     "x" + strings.Repeat(".a", n),
		"negations":       strings.Repeat("-", n) + "x",
		"nots":            strings.Repeat("!", n) + "x",
		"curried lambda":  strings.Repeat("x:", n) + "x",
		"sum":             strings.Repeat("1+", n) + "1",
		"concat":          strings.Repeat("a++", n) + "a",
		"application":     "f" + strings.Repeat(" x", n),
		"open strings":    strings.Repeat("\"${", n),
		"open ind":        strings.Repeat("''${", n),
		"interpolations":  "\"" + strings.Repeat("${x}", n) + "\"",
		"lets":            strings.Repeat("let a=1; in ", n) + "a",
		"open ifs":        strings.Repeat("if a then ", n),
		"closing braces":  strings.Repeat("}", n),
		"closing parens":  strings.Repeat(")", n),
		"semicolons":      "{" + strings.Repeat(";", n),
		"ors":             "x" + strings.Repeat(" or", n),
		"dots":            "x" + strings.Repeat(".", n),
		"merged paths":    "{" + strings.Repeat("a.b.c.d = 1; ", n) + "}",
		"duplicates":      "{" + strings.Repeat("a = 1; ", n) + "}",
		"path interps":    "./a" + strings.Repeat("${x}", n),
		"equalities":      strings.Repeat("a == ", n) + "a",
		"commas":          "{a" + strings.Repeat(",", n),
		"has-attr chain":  "x" + strings.Repeat("?a", n),
		"path characters": strings.Repeat("a+", n),
		"uri scheme":      strings.Repeat("a.", n) + "b",
		"many bindings":   "rec {" + strings.Repeat(" a = b;", 1) + strings.Repeat(" x = 1;", 1) + "}",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			f, ds := Parse("p.nix", []byte(src))
			if len(ds) == 0 {
				f.CheckScope()
				f.ShowParse(ShowOptions{Dir: "/d"})
			}
			if string(f.Bytes()) != src {
				t.Fatal("tree does not print back")
			}
		})
	}
}

// TestParserReuse parses the fixture corpus twice with one Parser and
// requires the same results as fresh parses: reused memory must not leak
// from one file into the next.
func TestParserReuse(t *testing.T) {
	files := append(fixtures(t, "parse"), fixtures(t, "fail")...)
	for _, dir := range corpusDirs() {
		files = append(files, nixFiles(t, dir)...)
	}
	var p Parser
	for round := 0; round < 2; round++ {
		for _, file := range files {
			src := mustRead(t, file)
			want, wantDs := Parse(file, src)
			got, gotDs := p.Parse(file, src)
			if len(wantDs) == 0 {
				wantDs = want.CheckScope()
			}
			if len(gotDs) == 0 {
				gotDs = got.CheckScope()
			}
			if diff := cmp.Diff(wantDs, gotDs); diff != "" {
				t.Errorf("%s: diagnostics differ with a reused Parser (-fresh +reused):\n%s", file, diff)
			}
			opts := ShowOptions{Dir: "/d", Home: "/h"}
			if w, g := want.ShowParse(opts), got.ShowParse(opts); w != g {
				t.Errorf("%s: ShowParse differs with a reused Parser:\n%s\n%s", file, w, g)
			}
			if !bytes.Equal(got.Bytes(), src) {
				t.Errorf("%s: reused Parser's tree does not print back", file)
			}
		}
	}
}
