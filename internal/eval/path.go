package eval

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// ParsePath splits a dotted path into keys. Keys may be quoted
// ("services.\"my-app\".port"); "fleet.<module>..." is accepted as an
// alias of "settings.<module>...".
func ParsePath(s string) ([]string, error) {
	var keys []string
	for i := 0; i < len(s); {
		if s[i] == '"' {
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote in path %q", s)
			}
			k, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return nil, fmt.Errorf("bad quoted key in path %q", s)
			}
			keys = append(keys, k)
			i = j + 1
		} else {
			j := strings.IndexByte(s[i:], '.')
			if j < 0 {
				j = len(s) - i
			}
			if j == 0 {
				return nil, fmt.Errorf("empty key in path %q", s)
			}
			keys = append(keys, s[i:i+j])
			i += j
		}
		if i < len(s) {
			if s[i] != '.' {
				return nil, fmt.Errorf("expected '.' after a quoted key in path %q", s)
			}
			i++
			if i == len(s) {
				return nil, fmt.Errorf("path %q ends with '.'", s)
			}
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	if keys[0] == "fleet" {
		keys[0] = "settings"
	}
	return keys, nil
}

// JoinPath renders keys as a dotted path, quoting keys that need it.
func JoinPath(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = inventory.QuoteKey(k)
	}
	return strings.Join(q, ".")
}

// PathError is a path that names no value of a host.
type PathError struct {
	Host    string
	Path    string
	Missing string   // the first key not found
	Known   []string // the keys available there
}

func (e *PathError) Error() string {
	return fmt.Sprintf("host %s has no value at %s", e.Host, e.Path)
}

// Hint suggests a near key.
func (e *PathError) Hint() string {
	if h := diag.DidYouMean(e.Missing, e.Known); h != "" {
		return h
	}
	if len(e.Known) > 0 && len(e.Known) <= 12 {
		return "keys there: " + strings.Join(e.Known, ", ")
	}
	return "run 'fleet eval " + e.Host + "' to see every value"
}

// Lookup finds the value at a dotted path.
func (h *Host) Lookup(path string) (*Node, error) {
	keys, err := ParsePath(path)
	if err != nil {
		return nil, err
	}
	n := h.Tree
	for i, k := range keys {
		var next *Node
		switch n.Kind {
		case Table:
			next = n.Get(k)
		case List:
			if idx, err := strconv.Atoi(k); err == nil && idx >= 0 && idx < len(n.Items) {
				next = n.Items[idx]
			}
		}
		if next == nil {
			known := []string(nil)
			if n.Kind == Table {
				known = n.Keys()
			}
			return nil, &PathError{Host: h.Name, Path: JoinPath(keys[:i+1]), Missing: k, Known: known}
		}
		n = next
	}
	return n, nil
}

// Entry is one value of a flattened tree.
type Entry struct {
	Path string
	Node *Node
}

// Flatten lists the leaves of n (scalars and lists) with
// their dotted paths, sorted by path.
func Flatten(n *Node, prefix []string) []Entry {
	var out []Entry
	var walk func(n *Node, path []string)
	walk = func(n *Node, path []string) {
		if n.Kind == Table {
			// Empty tables say nothing; they are left out.
			for _, k := range n.Keys() {
				walk(n.Get(k), append(path, k))
			}
			return
		}
		out = append(out, Entry{Path: JoinPath(path), Node: n})
	}
	walk(n, prefix)
	return out
}

// Undeclared is a path below a module's settings that the module
// declares no option for: check reports it, and nothing uses its value.
type Undeclared struct {
	Module string
	// Option is the option path the value would set, such as
	// fleet.monitoring.grafanaPrt.
	Option string
	// Missing is the first key no option of the module starts with, and
	// Near the names declared beside it.
	Missing string
	Near    []string
}

// Undeclared reports whether keys (a path as ParsePath returns it) lie
// below settings.<module> or users.<user>.home_settings.<module> of h
// where the module declares no option; it returns nil when the path is
// declared, is not a module setting, or the module may declare options
// fleet could not read.
func (f *Fleet) Undeclared(h *Host, keys []string) *Undeclared {
	class, rest := string(h.Platform), keys
	switch {
	case len(keys) >= 2 && keys[0] == "settings":
		rest = keys[1:]
	case len(keys) >= 4 && keys[0] == "users" && keys[2] == "home_settings":
		class, rest = "home", keys[3:]
	default:
		return nil
	}
	m := f.Options[class][rest[0]]
	if m == nil || m.Open != nil || len(rest) < 2 {
		return nil
	}
	path := append([]string{"fleet"}, rest...)
	// The deepest prefix of path that some option starts with; a path
	// into an option's own value (attrsOf, submodules) is declared.
	depth := 0
	near := map[string]bool{}
	for _, o := range m.Options {
		n := commonPrefix(o.Path, path)
		if n == len(o.Path) || n == len(path) {
			return nil
		}
		switch {
		case n > depth:
			depth = n
			clear(near)
			near[o.Path[n]] = true
		case n == depth:
			near[o.Path[n]] = true
		}
	}
	if depth < 2 {
		// Nothing declared under fleet.<module> at all: the layer
		// check reports the module itself.
		depth = 2
		clear(near)
	}
	u := &Undeclared{Module: rest[0], Option: JoinPath(path), Missing: path[depth]}
	for k := range near {
		u.Near = append(u.Near, k)
	}
	slices.Sort(u.Near)
	return u
}

// commonPrefix is the number of leading keys a and b share.
func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
