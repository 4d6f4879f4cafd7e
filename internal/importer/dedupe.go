package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Occurrence is one definition of a repeated option in a host's file.
type Occurrence struct {
	Host string   `json:"host"`
	Pos  diag.Pos `json:"pos"`
	// Start and End are the bytes the definition's line takes in the
	// file (its indentation, the binding and the newline after it).
	Start int `json:"-"`
	End   int `json:"-"`
	// Comment is a # comment after the binding on its line: it goes with
	// the setting into the TOML file.
	Comment string `json:"comment,omitempty"`
}

// Proposal is an option defined with the same value (the same syntax
// tree, whitespace and comments aside) in the Nix files of two or more
// hosts of one platform, and where it belongs in fleet.
type Proposal struct {
	N        int          `json:"n"`
	Platform string       `json:"platform"`
	Path     []string     `json:"path"`
	Source   string       `json:"source"` // the value as written (first occurrence)
	TOML     string       `json:"toml"`   // the value as TOML
	Hosts    []string     `json:"hosts"`
	Where    string       `json:"where"` // common | role
	File     string       `json:"file"`  // the TOML file that gets the setting
	Defs     []Occurrence `json:"definitions"`
}

// reserved are options fleet writes itself from host.toml, and module
// plumbing that is not an option.
func reserved(path []string) bool {
	switch path[0] {
	case "imports", "_module", "_file", "key", "options", "disabledModules":
		return true
	}
	p := strings.Join(path, ".")
	return p == "networking.hostName" || p == "system.stateVersion" || strings.HasPrefix(p, "nixpkgs.")
}

// Dedupe finds the options defined identically in several hosts' Nix
// files (hosts/<host>/*.nix).
func Dedupe(inv *inventory.Inventory) ([]Proposal, error) {
	type key struct{ platform, path, value string }
	byKey := map[key]*Proposal{}
	var order []key
	hostsOf := map[string][]string{}
	for _, h := range inv.Hosts {
		platform := h.Platform.V
		hostsOf[platform] = append(hostsOf[platform], h.Name)
		for _, file := range h.NixFiles {
			src, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(file)))
			if err != nil {
				return nil, err
			}
			f, ds := syntax.Parse(file, src)
			if len(ds) > 0 {
				continue
			}
			seen := map[string]bool{}
			for _, d := range f.ModuleDefinitions() {
				if d.Dynamic || d.Assign == nil || d.Value == nil || reserved(d.Path) {
					continue
				}
				tv, ok := tomlValue(d.Value)
				if !ok {
					continue
				}
				start, end, comment, ok := lineSpan(f, d.Assign)
				if !ok {
					continue
				}
				k := key{platform, strings.Join(d.Path, "\x00"), canonical(d.Value)}
				if seen[k.path] {
					continue // defined twice in one file: leave it alone
				}
				seen[k.path] = true
				p := byKey[k]
				if p == nil {
					p = &Proposal{Platform: platform, Path: d.Path, Source: f.Text(d.Value), TOML: tv}
					byKey[k] = p
					order = append(order, k)
				}
				if slices.Contains(p.Hosts, h.Name) {
					continue
				}
				p.Hosts = append(p.Hosts, h.Name)
				p.Defs = append(p.Defs, Occurrence{Host: h.Name, Pos: d.Pos, Start: start, End: end, Comment: comment})
			}
		}
	}
	var out []Proposal
	for _, k := range order {
		p := byKey[k]
		if len(p.Hosts) < 2 {
			continue
		}
		slices.Sort(p.Hosts)
		if len(p.Hosts) == len(hostsOf[p.Platform]) {
			p.Where, p.File = "common", "common/common.toml"
		} else {
			p.Where = "role"
			p.File = "roles/" + roleName(p.Path) + ".toml"
		}
		out = append(out, *p)
	}
	slices.SortStableFunc(out, func(a, b Proposal) int {
		if len(a.Hosts) != len(b.Hosts) {
			return len(b.Hosts) - len(a.Hosts)
		}
		return strings.Compare(strings.Join(a.Path, "."), strings.Join(b.Path, "."))
	})
	for i := range out {
		out[i].N = i + 1
	}
	return out, nil
}

// roleName names the role a proposal would create: its option path.
func roleName(path []string) string {
	var b strings.Builder
	for _, s := range path {
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 50 {
		s = strings.Trim(s[:50], "-")
	}
	if s == "" {
		s = "shared"
	}
	return s
}

// canonical is the value's syntax tree as its tokens, without whitespace
// and comments: two values are the same when their trees are.
func canonical(x syntax.Expr) string {
	var b strings.Builder
	syntax.Tokens(x, func(t *syntax.Token) {
		b.WriteString(strconv.Itoa(int(t.Kind)))
		b.WriteByte(':')
		b.WriteString(t.Text)
		b.WriteByte(0)
	})
	return b.String()
}

// tomlValue renders a literal Nix value (string without interpolation,
// integer, float, true, false, a list of those) as TOML.
func tomlValue(x syntax.Expr) (string, bool) {
	switch x := syntax.Unparen(x).(type) {
	case *syntax.String:
		s, ok := syntax.StringValue(x)
		if !ok {
			return "", false
		}
		return inventory.QuoteString(s), true
	case *syntax.Int:
		return strconv.FormatInt(x.Value, 10), true
	case *syntax.Float:
		s := strconv.FormatFloat(x.Value, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s, true
	case *syntax.Ident:
		if x.Tok != nil && (x.Tok.Text == "true" || x.Tok.Text == "false") {
			return x.Tok.Text, true
		}
	case *syntax.List:
		var items []string
		for _, e := range x.Elems {
			v, ok := tomlValue(e)
			if !ok {
				return "", false
			}
			items = append(items, v)
		}
		return "[" + strings.Join(items, ", ") + "]", true
	}
	return "", false
}

// lineSpan is the span of a binding that is alone on its line(s): from
// the start of its first line to the newline after its semicolon (and
// the # comment there, returned). A binding sharing a line with other
// code is not moved.
func lineSpan(f *syntax.File, a *syntax.Assign) (int, int, string, bool) {
	first, last := syntax.FirstToken(a), a.Semi
	if first == nil || last == nil {
		return 0, 0, "", false
	}
	src := f.Source()
	start := first.Off
	for start > 0 && (src[start-1] == ' ' || src[start-1] == '\t') {
		start--
	}
	if start > 0 && src[start-1] != '\n' {
		return 0, 0, "", false
	}
	end := last.End()
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	comment := ""
	if end < len(src) && src[end] == '#' {
		nl := strings.IndexByte(src[end:], '\n')
		if nl < 0 {
			nl = len(src) - end
		}
		comment = strings.TrimSpace(src[end : end+nl])
		end += nl
	}
	if end < len(src) && src[end] != '\n' {
		return 0, 0, "", false
	}
	if end < len(src) {
		end++
	}
	return start, end, comment, true
}

// Edit is one file's new content.
type Edit struct {
	Path string // relative to the fleet root
	Old  []byte // nil for a new file
	New  []byte
}

// Apply returns the edits that carry out p: each definition's line
// removed from its file (nothing else in the file changes: comments and
// formatting stay), the setting added to the TOML file, and for a role the
// role added to each host's host.toml.
func Apply(inv *inventory.Inventory, p Proposal) ([]Edit, error) {
	files := map[string][]Occurrence{}
	for _, d := range p.Defs {
		files[d.Pos.File] = append(files[d.Pos.File], d)
	}
	var edits []Edit
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		old, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		occ := files[n]
		slices.SortFunc(occ, func(a, b Occurrence) int { return b.Start - a.Start })
		nb := slices.Clone(old)
		for _, o := range occ {
			if o.End > len(nb) || o.Start > o.End {
				return nil, fmt.Errorf("%s changed since it was read: run fleet dedupe again", n)
			}
			nb = append(nb[:o.Start:o.Start], nb[o.End:]...)
		}
		if _, ds := syntax.Parse(n, nb); len(ds) > 0 {
			return nil, fmt.Errorf("%s: removing the definition breaks the file (%s): move it by hand", n, ds[0].Message)
		}
		edits = append(edits, Edit{Path: n, Old: old, New: nb})
	}

	tomlPath := append([]string{p.Platform}, p.Path...)
	old, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(p.File)))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var header []byte
	if old == nil && p.Where == "role" {
		header = []byte(fmt.Sprintf("description = %s\n", inventory.QuoteString("Settings "+strings.Join(p.Hosts, ", ")+" share")))
	}
	nt, err := addSetting(append(slices.Clone(old), header...), tomlPath, p.TOML, p.Defs)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p.File, err)
	}
	edits = append(edits, Edit{Path: p.File, Old: old, New: nt})

	if p.Where == "role" {
		role := strings.TrimSuffix(strings.TrimPrefix(p.File, "roles/"), ".toml")
		for _, h := range inv.Hosts {
			if !slices.Contains(p.Hosts, h.Name) {
				continue
			}
			hp := "hosts/" + h.Name + "/host.toml"
			old, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(hp)))
			if err != nil {
				return nil, err
			}
			nb, err := addRole(old, role)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", hp, err)
			}
			if nb != nil {
				edits = append(edits, Edit{Path: hp, Old: old, New: nb})
			}
		}
	}
	return edits, nil
}

// addSetting adds path = value to a TOML document: a new table at the
// end, or a line under the table's existing header. The result must
// parse.
func addSetting(doc []byte, path []string, value string, defs []Occurrence) ([]byte, error) {
	var keys []string
	for _, k := range path[:len(path)-1] {
		keys = append(keys, inventory.QuoteKey(k))
	}
	table := "[" + strings.Join(keys, ".") + "]"
	var from []string
	for _, d := range defs {
		from = append(from, d.Pos.String())
	}
	line := inventory.QuoteKey(path[len(path)-1]) + " = " + value
	for _, d := range defs {
		if d.Comment != "" {
			line += " " + d.Comment
			break
		}
	}
	line += "\n"
	comment := "# Moved by fleet dedupe from " + strings.Join(from, ", ") + ".\n"
	var candidates [][]byte
	if i := bytes.Index(doc, []byte("\n"+table+"\n")); i >= 0 || bytes.HasPrefix(doc, []byte(table+"\n")) {
		at := i + 1 + len(table) + 1
		if i < 0 {
			at = len(table) + 1
		}
		candidates = append(candidates, slices.Concat(doc[:at], []byte(comment+line), doc[at:]))
	}
	sep := []byte{}
	if len(doc) > 0 {
		sep = []byte("\n")
		if !bytes.HasSuffix(doc, []byte("\n")) {
			sep = []byte("\n\n")
		}
	}
	candidates = append(candidates, slices.Concat(doc, sep, []byte(comment+table+"\n"+line)))
	for _, c := range candidates {
		var v map[string]any
		if toml.Unmarshal(c, &v) == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("cannot add %s = %s: add it by hand", strings.Join(path, "."), value)
}

// addRole adds role to the roles of a host.toml: to a one-line roles =
// [...] array, or as a new roles line before the first table. It returns
// nil when the host has the role already.
func addRole(doc []byte, role string) ([]byte, error) {
	var v struct {
		Roles []string `toml:"roles"`
	}
	if err := toml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	if slices.Contains(v.Roles, role) {
		return nil, nil
	}
	lines := strings.SplitAfter(string(doc), "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "roles") && strings.Contains(t, "=") && strings.HasSuffix(strings.TrimSpace(strings.SplitN(t, "#", 2)[0]), "]") {
			j := strings.LastIndex(l, "]")
			sep := ", "
			if len(v.Roles) == 0 {
				sep = ""
			}
			lines[i] = l[:j] + sep + inventory.QuoteString(role) + l[j:]
			return []byte(strings.Join(lines, "")), nil
		}
		if strings.HasPrefix(t, "[") {
			if len(v.Roles) > 0 {
				break
			}
			lines = slices.Insert(lines, i, "roles = ["+inventory.QuoteString(role)+"]\n")
			return []byte(strings.Join(lines, "")), nil
		}
	}
	if len(v.Roles) > 0 {
		return nil, fmt.Errorf("cannot add role %s to its roles: add it by hand", role)
	}
	s := string(doc)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return []byte(s + "roles = [" + inventory.QuoteString(role) + "]\n"), nil
}
