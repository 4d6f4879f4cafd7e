package compose

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/diag"
)

// entry is one key of a YAML mapping, with aliases and merge keys (<<)
// resolved.
type entry struct {
	key string
	k   *yaml.Node // the key, for its position
	v   *yaml.Node
}

// maxDepth bounds alias chains and merge keys: a file that nests deeper is
// not a compose file anyone writes (and an alias loop would not end).
const maxDepth = 64

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxDepth; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// entries lists the keys of mapping n in file order. A merge key (<<:
// *anchor, or a list of anchors) adds the keys of the mappings it names
// that n does not set itself, as YAML 1.1 and compose define it.
func entries(n *yaml.Node) []entry {
	return entriesAt(resolve(n), 0)
}

func entriesAt(n *yaml.Node, depth int) []entry {
	if n == nil || n.Kind != yaml.MappingNode || depth > maxDepth {
		return nil
	}
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k == nil || v == nil {
			continue
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			var from []*yaml.Node
			if v.Kind == yaml.SequenceNode {
				from = v.Content
			} else {
				from = []*yaml.Node{v}
			}
			for _, m := range from {
				merged = append(merged, entriesAt(resolve(m), depth+1)...)
			}
			continue
		}
		own = append(own, entry{key: k.Value, k: k, v: v})
	}
	if len(merged) == 0 {
		return own
	}
	seen := make(map[string]bool, len(own))
	for _, e := range own {
		seen[e.key] = true
	}
	out := own
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			out = append(out, e)
		}
	}
	return out
}

// items lists the elements of sequence n, aliases resolved.
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c = resolve(c); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// isNull reports whether n is YAML's null (a key written with no value).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// isTrue reports whether n is YAML's true (true, True, TRUE), or the
// string "true" a variable gave.
func isTrue(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "true") && (n.Tag == "!!bool" || n.Tag == "!!str")
}

// isFalse is isTrue for false.
func isFalse(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "false") && (n.Tag == "!!bool" || n.Tag == "!!str")
}

// kindName names what a node is, for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

// position is where node n starts in file.
func position(file string, n *yaml.Node) diag.Pos {
	return diag.Pos{File: file, Line: int32(n.Line), Col: int32(n.Column)}
}

// describe renders a scalar for a message, shortened.
func describe(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strings.ReplaceAll(s, "\n", `\n`)
}
