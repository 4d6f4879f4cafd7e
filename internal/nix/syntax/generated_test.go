package syntax

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// gen writes random Nix source from a grammar close to Nix's: mostly valid
// programs that mix operators, applications, selections, strings, paths
// and bindings without parentheses, so that precedence, associativity and
// the lexer's longest-match rules are exercised. Some outputs are invalid
// (a == b == c); Nix is the judge.
type gen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *gen) w(s string)        { g.b.WriteString(s) }
func (g *gen) pick(xs ...string) { g.w(xs[g.r.IntN(len(xs))]) }
func (g *gen) chance(p int) bool { return g.r.IntN(100) < p }

var genIdents = []string{"a", "b", "c", "f", "x", "or'", "a-b", "_x", "x'"}

func (g *gen) ident() { g.pick(genIdents...) }

// function: expr_function.
func (g *gen) function(d int) {
	if d <= 0 {
		g.op(0)
		return
	}
	switch g.r.IntN(12) {
	case 0:
		g.ident()
		g.pick(": ", ":")
		g.w(" ")
		g.function(d - 1)
	case 1:
		g.w("{ ")
		n := g.r.IntN(3)
		for i := 0; i < n; i++ {
			if i > 0 {
				g.w(", ")
			}
			g.w(fmt.Sprintf("p%d", i))
			if g.chance(40) {
				g.w(" ? ")
				g.function(d - 2)
			}
		}
		if g.chance(30) {
			if n > 0 {
				g.w(", ")
			}
			g.w("...")
		}
		g.w(" }")
		if g.chance(30) {
			g.w("@args")
		}
		g.w(": ")
		g.function(d - 1)
	case 2:
		g.w("assert ")
		g.function(d - 2)
		g.w("; ")
		g.function(d - 1)
	case 3:
		g.w("with ")
		g.function(d - 2)
		g.w("; ")
		g.function(d - 1)
	case 4:
		g.w("let ")
		g.binds(d-1, true)
		g.w(" in ")
		g.function(d - 1)
	case 5:
		g.w("if ")
		g.function(d - 2)
		g.w(" then ")
		g.function(d - 1)
		g.w(" else ")
		g.function(d - 1)
	default:
		g.op(d)
	}
}

var genOps = []string{"->", "||", "&&", "==", "!=", "<", ">", "<=", ">=", "//", "+", "-", "*", "/", "++"}

// op: operators between applications, without parentheses.
func (g *gen) op(d int) {
	if g.chance(15) {
		g.pick("!", "-", "- ", "! ")
	}
	g.app(d - 1)
	n := 0
	if d > 0 {
		n = g.r.IntN(4)
	}
	for i := 0; i < n; i++ {
		if g.chance(12) {
			g.w(" ? ")
			g.attrPath(d - 1)
			continue
		}
		g.w(" ")
		g.pick(genOps...)
		g.w(" ")
		if g.chance(10) {
			g.pick("!", "-")
		}
		g.app(d - 1)
	}
}

func (g *gen) app(d int) {
	g.sel(d)
	if d > 0 {
		for n := g.r.IntN(3); n > 0; n-- {
			g.w(" ")
			g.sel(d - 1)
		}
	}
}

func (g *gen) sel(d int) {
	g.simple(d)
	switch g.r.IntN(8) {
	case 0, 1:
		g.w(".")
		g.attrPath(d - 1)
		if g.chance(40) {
			g.w(" or ")
			g.sel(d - 1)
		}
	case 2:
		if g.chance(20) {
			g.w(" or")
		}
	}
}

func (g *gen) attrPath(d int) {
	for n := 1 + g.r.IntN(2); n > 0; n-- {
		g.attrName(d)
		if n > 1 {
			g.w(".")
		}
	}
}

func (g *gen) attrName(d int) {
	switch g.r.IntN(8) {
	case 0:
		g.w(`"`)
		g.strBody(d)
		g.w(`"`)
	case 1:
		if d > 0 {
			g.w("${")
			g.function(d - 1)
			g.w("}")
			return
		}
		g.w("n")
	case 2:
		g.w("or")
	default:
		g.pick("n", "m", "enable", "a-b", "x'")
	}
}

func (g *gen) strBody(d int) {
	for n := g.r.IntN(4); n > 0; n-- {
		switch g.r.IntN(6) {
		case 0:
			if d > 0 {
				g.w("${")
				g.function(d - 1)
				g.w("}")
				continue
			}
			g.w("s")
		default:
			g.pick("text", `\n`, `\"`, `\$`, "$", "$$", `\\`, " ", `\t`, "é")
		}
	}
}

func (g *gen) indBody(d int) {
	for n := g.r.IntN(6); n > 0; n-- {
		switch g.r.IntN(8) {
		case 0:
			if d > 0 {
				g.w("${")
				g.function(d - 1)
				g.w("}")
				continue
			}
			g.w("s")
		default:
			g.pick("\n", "\n  ", "\n    ", "  ", "text", "''$", "'''", `''\n`, `''\t`, "$", "'", " ", "\t")
		}
	}
}

func (g *gen) simple(d int) {
	if d <= 0 {
		switch g.r.IntN(4) {
		case 0:
			g.w(strconv.Itoa(g.r.IntN(100)))
		default:
			g.ident()
		}
		return
	}
	switch g.r.IntN(16) {
	case 0:
		g.w(strconv.Itoa(g.r.IntN(1000)))
	case 1:
		g.pick("1.5", ".5", "2.", "1e3", "0.001", "3.14159265", "1.5e10", "100000000.0")
	case 2:
		g.w(`"`)
		g.strBody(d)
		g.w(`"`)
	case 3:
		g.w("''")
		g.indBody(d)
		g.w("''")
	case 4:
		g.pick("./a", "./a/b.nix", "a/b", "/abs/p", "~/h", "<nixpkgs>", "<n/l>", "./.", "../u")
		if g.chance(30) {
			g.w("${")
			g.function(d - 1)
			g.w("}")
			if g.chance(50) {
				g.pick(".nix", "/x")
			}
		}
	case 5:
		g.pick("http://e.org/a?b=c", "x:y")
	case 6:
		g.w("(")
		g.function(d - 1)
		g.w(")")
	case 7:
		g.w("[ ")
		for n := g.r.IntN(4); n > 0; n-- {
			g.sel(d - 1)
			g.w(" ")
		}
		g.w("]")
	case 8, 9:
		if g.chance(30) {
			g.w("rec ")
		}
		g.w("{ ")
		g.binds(d-1, false)
		g.w(" }")
	case 10:
		g.w("let { ")
		g.binds(d-1, false)
		g.w(" body = ")
		g.function(d - 1)
		g.w("; }")
	default:
		g.ident()
	}
}

func (g *gen) binds(d int, let bool) {
	used := map[string]bool{}
	for n := g.r.IntN(4); n > 0; n-- {
		if g.chance(20) {
			g.w("inherit ")
			if g.chance(50) {
				g.w("(")
				g.function(d - 1)
				g.w(") ")
			}
			name := fmt.Sprintf("i%d", g.r.IntN(9))
			if !used[name] {
				used[name] = true
				g.w(name)
			}
			g.w("; ")
			continue
		}
		name := fmt.Sprintf("k%d", g.r.IntN(9))
		if used[name] {
			continue
		}
		used[name] = true
		g.w(name)
		if !let && g.chance(30) {
			g.w(".")
			g.attrName(d - 1)
		}
		g.w(" = ")
		g.function(d - 1)
		g.w("; ")
	}
}

// TestGeneratedDifferential generates random programs and requires that
// fleet accepts exactly what Nix 2.8 accepts and prints the same --parse
// output. FLEET_GEN_N and FLEET_GEN_SEED change the number of programs
// (default 2000) and the seed (default 1).
func TestGeneratedDifferential(t *testing.T) {
	nix := nixInstantiate(t)
	n, seed := 2000, uint64(1)
	if v, err := strconv.Atoi(os.Getenv("FLEET_GEN_N")); err == nil {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("FLEET_GEN_SEED"), 10, 64); err == nil {
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 2))
	dir := t.TempDir()
	files := make([]string, n)
	for i := range files {
		g := &gen{r: r}
		// A with binds every free variable, so that Nix does not reject
		// programs for undefined variables.
		g.w("with { }; ")
		g.function(6)
		files[i] = filepath.Join(dir, fmt.Sprintf("g%05d.nix", i))
		if err := os.WriteFile(files[i], []byte(g.b.String()+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	compared, exact := differ(t, nix, files)
	t.Logf("%d generated programs (seed %d): %d accepted by Nix and compared (%d identical before sorting), %d rejected by both",
		n, seed, compared, exact, n-compared)
}
