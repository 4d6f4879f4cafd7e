package syntax

import (
	"runtime/debug"
	"strings"
	"testing"
)

// nesting builds n levels of one construct around a leaf, for the depth
// tests: each entry is a prefix and suffix repeated n times around a leaf.
var nesting = []struct {
	name            string
	pre, leaf, post string
	nix             int // the deepest nesting nix-instantiate --parse (2.8) accepts
}{
	{"paren", "(", "1", ")", 9995},
	{"set", "{ a = ", "1", "; }", 2496},
	{"rec", "rec { a = ", "1", "; }", 1999},
	{"interp", `"${`, `"x"`, `}"`, 4997},
	{"let-body", "let a = 1; in ", "1", "", 3331},
	{"let-binding", "let a = ", "1", "; in 1", 2498},
	{"if-then", "if true then ", "1", " else 1", 3331},
	{"if-cond", "if ", "true", " then true else true", 9992},
	{"if-else", "if true then 1 else ", "1", "", 1999},
	{"with", "with {}; ", "1", "", 3325},
	{"assert", "assert true; ", "1", "", 3332},
	{"lambda", "x: ", "1", "", 4998},
	{"list", "[ ", "1", " ]", 4998},
	{"neg", "- ", "1", "", 9996},
	{"not", "! ", "true", "", 9996},
	{"concat", "[ 1 ] ++ ", "[ 1 ]", "", 4997},
	{"update", "{ } // ", "{ }", "", 4997},
	{"select-or", "x.a or ", "1", "", 2499},
	{"apply", "f (", "1", ")", 4997},
}

func nest(pre, leaf, post string, n int) []byte {
	return []byte(strings.Repeat(pre, n) + leaf + strings.Repeat(post, n))
}

func parses(src []byte) bool {
	_, ds := Parse("deep.nix", src)
	return len(ds) == 0
}

// TestNestingLimits checks that fleet accepts every nesting Nix 2.8
// accepts (measured with nix-instantiate --parse), at most a few levels
// more, and that beyond its own limit it reports a positioned error
// instead of exhausting the stack.
func TestNestingLimits(t *testing.T) {
	for _, c := range nesting {
		t.Run(c.name, func(t *testing.T) {
			if !parses(nest(c.pre, c.leaf, c.post, c.nix)) {
				t.Fatalf("%d levels rejected; Nix accepts them", c.nix)
			}
			_, ds := Parse("deep.nix", nest(c.pre, c.leaf, c.post, c.nix+10))
			if len(ds) == 0 {
				t.Fatalf("%d levels accepted; Nix stops at %d", c.nix+10, c.nix)
			}
			if ds[0].Pos.Line != 1 || ds[0].Pos.Col < 2 || !strings.Contains(ds[0].Message, "nested too deeply") {
				t.Fatalf("beyond the limit: %v", ds[0])
			}
		})
	}
}

// chains are long chains of the operators that associate to the left and
// of applications: Nix's parser reduces them as it goes, so they may be as
// long as memory allows, and fleet must neither recurse along them nor
// fall over (a 2,000,000-term chain once overflowed the Go stack).
var chains = []struct{ name, first, link string }{
	{"add", "1", " + 1"},
	{"sub", "1", " - 1"},
	{"mul", "1", " * 1"},
	{"div", "1", " / 1"},
	{"and", "true", " && true"},
	{"or", "true", " || true"},
	{"has", "x", " ? a"},
	{"apply", "f", " 1"},
	{"string-add", `"a"`, ` + "${x}"`},
	{"mixed", "1", " + f (1) * 2 - g { } / 3"},
}

// TestLongChains parses, prints (--parse), scope-checks, walks and prints
// back chains of every kind, 100,000 links long, with the goroutine stack
// limited to 8 MB: recursing along a chain would need more and crash.
func TestLongChains(t *testing.T) {
	const n = 100000
	defer debug.SetMaxStack(debug.SetMaxStack(8 << 20))
	for _, c := range chains {
		t.Run(c.name, func(t *testing.T) {
			src := []byte("let f = x: x; g = f; x = { }; in " + c.first + strings.Repeat(c.link, n))
			f, ds := Parse("chain.nix", src)
			if len(ds) > 0 {
				t.Fatalf("%v", ds[0])
			}
			if ds := f.CheckScope(); len(ds) > 0 {
				t.Fatalf("%v", ds[0])
			}
			out := f.ShowParse(ShowOptions{Dir: "/"})
			if !strings.HasSuffix(out, ")") || len(out) < n {
				t.Fatalf("--parse form of %d bytes", len(out))
			}
			if got := f.Bytes(); string(got) != string(src) {
				t.Fatal("the tree does not print back to the source")
			}
			nodes := 0
			Inspect(f.Expr, func(Node) bool { nodes++; return true })
			if nodes < n {
				t.Fatalf("Inspect saw %d nodes", nodes)
			}
			if first, last := FirstToken(f.Expr), LastToken(f.Expr); first == nil || last == nil || last.End() != len(src) {
				t.Fatal("first or last token wrong")
			}
		})
	}
}

// TestDeepAndLongMixed nests every construct beyond Nix's limit inside a
// long chain and a long chain inside deep nesting: a positioned error or
// an answer, never a crash.
func TestDeepAndLongMixed(t *testing.T) {
	long := "(" + strings.Repeat("1 + ", 20000) + "1)"
	for _, c := range nesting {
		for _, n := range []int{c.nix / 2, 4 * c.nix} {
			src := nest(c.pre, long, c.post, n)
			src = append(append([]byte(long+" + ("), src...), ')')
			f, ds := Parse("mixed.nix", src)
			if n > c.nix {
				if len(ds) == 0 || !strings.Contains(ds[0].Message, "nested too deeply") {
					t.Errorf("%s, %d levels: %v", c.name, n, ds)
				}
				continue
			}
			if len(ds) > 0 && !strings.Contains(ds[0].Message, "undefined") {
				t.Errorf("%s, %d levels: %v", c.name, n, ds[0])
			}
			_ = f.ShowParse(ShowOptions{Dir: "/"})
			f.CheckScope()
		}
	}
}
