package eval

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// randomTree builds a tree of tables and lists with some secrets, some
// conflicts and some quiet subtrees.
func randomTree(rng *rand.Rand, depth int) *Node {
	switch r := rng.IntN(10); {
	case depth == 0 || r < 3:
		if rng.IntN(4) == 0 {
			return &Node{Kind: Secret, Str: "s" + strconv.Itoa(rng.IntN(100))}
		}
		n := &Node{Kind: Int, Int: int64(rng.IntN(100))}
		if rng.IntN(8) == 0 {
			n.conflict = &[]conflict{{path: "x"}}
		}
		return n
	case r < 5:
		n := &Node{Kind: List}
		for range rng.IntN(13) {
			n.Items = append(n.Items, randomTree(rng, depth-1))
		}
		return n
	default:
		n := &Node{Kind: Table, Fields: NewFields(0), quiet: rng.IntN(10) == 0}
		for range rng.IntN(12) {
			k := string(rune('a'+rng.IntN(26))) + strconv.Itoa(rng.IntN(12))
			n.Fields.Set(k, randomTree(rng, depth-1))
		}
		return n
	}
}

// TestFindOwnNodes: the nodes found come in the order of a sorted walk
// that leaves out quiet subtrees, with their paths.
func TestFindOwnNodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	total := 0
	for range 300 {
		root := randomTree(rng, 5)
		for _, match := range []func(*Node) bool{
			func(n *Node) bool { return n.Kind == Secret },
			func(n *Node) bool { return n.conflict != nil },
		} {
			var want []string
			var walk func(n *Node, path []string)
			walk = func(n *Node, path []string) {
				if n == nil || n.quiet {
					return
				}
				if match(n) {
					want = append(want, strings.Join(path, "."))
				}
				switch n.Kind {
				case Table:
					for _, k := range n.Keys() {
						walk(n.Fields.At(k), append(slices.Clip(path), k))
					}
				case List:
					for i, it := range n.Items {
						walk(it, append(slices.Clip(path), strconv.Itoa(i)))
					}
				}
			}
			walk(root, nil)
			var got []string
			findOwnNodes(root, match, func(path []string, n *Node) {
				if !match(n) {
					t.Fatalf("%s does not match", strings.Join(path, "."))
				}
				got = append(got, strings.Join(path, "."))
			})
			if !slices.Equal(got, want) {
				t.Fatalf("found\n%v\nwant\n%v", got, want)
			}
			total += len(got)
		}
	}
	if total < 500 {
		t.Fatalf("only %d nodes found in all", total)
	}
}

// TestDefSize: a host holds hundreds of definitions, a large fleet
// millions; the flags share a word with the level.
func TestDefSize(t *testing.T) {
	if n := unsafe.Sizeof(Def{}); n > 88 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("a Def is %d bytes, want at most 88", n)
	}
}
