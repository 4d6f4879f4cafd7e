package eval

import (
	"slices"
	"strings"
)

// Change is one path whose value differs between two hosts. A or B is nil
// when only the other host has the value.
type Change struct {
	Path string  `json:"path"`
	A    *Origin `json:"a,omitempty"`
	B    *Origin `json:"b,omitempty"`
}

// Origin is a value and where it came from.
type Origin struct {
	// Value is the value as JSON types (see Plain); Text the same value
	// rendered as TOML.
	Value any    `json:"value"`
	Text  string `json:"text"`
	From  string `json:"from"`
}

// Diff compares the resolved values of two hosts, path by path.
func Diff(a, b *Host) []Change {
	ea, eb := Flatten(a.Tree, nil), Flatten(b.Tree, nil)
	byPath := func(x, y Entry) int { return strings.Compare(x.Path, y.Path) }
	slices.SortFunc(ea, byPath)
	slices.SortFunc(eb, byPath)
	ma := map[string]*Node{}
	for _, e := range ea {
		ma[e.Path] = e.Node
	}
	mb := map[string]*Node{}
	for _, e := range eb {
		mb[e.Path] = e.Node
	}
	var out []Change
	i, j := 0, 0
	for i < len(ea) || j < len(eb) {
		switch {
		case j >= len(eb) || (i < len(ea) && ea[i].Path < eb[j].Path):
			if _, ok := mb[ea[i].Path]; !ok {
				out = append(out, Change{Path: ea[i].Path, A: origin(ea[i].Node)})
			}
			i++
		case i >= len(ea) || eb[j].Path < ea[i].Path:
			if _, ok := ma[eb[j].Path]; !ok {
				out = append(out, Change{Path: eb[j].Path, B: origin(eb[j].Node)})
			}
			j++
		default:
			na, nb := ea[i].Node, eb[j].Node
			if na.Describe() != nb.Describe() {
				out = append(out, Change{Path: ea[i].Path, A: origin(na), B: origin(nb)})
			}
			i++
			j++
		}
	}
	return out
}

func origin(n *Node) *Origin { return &Origin{Value: Plain(n), Text: n.Describe(), From: n.From()} }
