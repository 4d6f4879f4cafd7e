package syntax

import (
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
