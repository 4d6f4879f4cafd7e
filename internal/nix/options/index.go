package options

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
)

// Tree is a source tree of upstream modules to index: nixpkgs'
// nixos/modules, home-manager's modules, nix-darwin's modules, sops-nix.
type Tree struct {
	// Input names the tree (the flake input, such as "home-manager").
	Input string `json:"input"`
	// Dir is the folder read: every .nix file below it is a module.
	Dir string `json:"dir"`
	// Rev identifies the tree's content (the locked revision or store
	// path), for the cache; "" when unknown.
	Rev string `json:"rev,omitempty"`
	// Name is how positions name the folder ("nixpkgs/nixos/modules");
	// Input when "".
	Name string `json:"name,omitempty"`
}

// IndexEntry is one option path of an index: an option (Kind set), or a
// place below which anything is accepted (Open set).
type IndexEntry struct {
	// Path is dotted, with <name> for the elements of an attribute set
	// of submodules and * for those of a list.
	Path string `json:"option"`
	// Kind is the type's kind; "" for an entry that only opens a path.
	Kind Kind   `json:"kind,omitempty"`
	Type string `json:"type,omitempty"`
	// Value is set when the option's value is not a set of options
	// (anything below it is its value).
	Value bool `json:"value,omitempty"`
	// Open says why anything below Path is accepted: a declaration or
	// type not readable statically, or a freeformType.
	Open string `json:"open,omitempty"`
	// Deep is set when anything below Path is accepted, below the names
	// other files declare there too (a declaration not readable); else
	// only names no file declares are (a freeformType, a computed name).
	Deep        bool     `json:"deep,omitempty"`
	Default     string   `json:"default,omitempty"`
	Description string   `json:"description,omitempty"`
	Pos         diag.Pos `json:"pos"`
	// TypeData is the type for checking values, as JSON without
	// submodules' options; set for options whose value is not a set of
	// options and whose type fleet can check. See ValueType.
	TypeData []byte `json:"-"`
}

// ValueType returns the type values of the option are checked against,
// or nil when they are not checked.
func (e *IndexEntry) ValueType() *Type {
	if len(e.TypeData) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(e.TypeData))
	dec.UseNumber()
	var t Type
	if dec.Decode(&t) != nil {
		return nil
	}
	fixNumbers(&t)
	return &t
}

// fixNumbers turns the enum values JSON decoded as numbers back into
// int64 or float64.
func fixNumbers(t *Type) {
	if t == nil {
		return
	}
	for i, v := range t.Values {
		if n, ok := v.(json.Number); ok {
			if x, err := n.Int64(); err == nil {
				t.Values[i] = x
			} else if f, err := n.Float64(); err == nil {
				t.Values[i] = f
			}
		}
	}
	fixNumbers(t.Elem)
	for _, a := range t.Alts {
		fixNumbers(a)
	}
}

// checkable reports whether fleet checks values against t: every part is
// a type it reads, and none is a submodule or a package (a pass-through
// string is not a package).
func checkable(t *Type) bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case Unknown, Submodule, Package:
		return false
	case Anything, Attrs:
		return true
	}
	if strings.HasPrefix(t.Note, "pattern not checked") {
		return false
	}
	if t.Elem != nil && !checkable(t.Elem) {
		return false
	}
	for _, a := range t.Alts {
		if !checkable(a) {
			return false
		}
	}
	return true
}

// IndexRename is an option-moving module's entry in an index.
type IndexRename struct {
	Kind    RenameKind `json:"kind"`
	From    string     `json:"from"`
	To      string     `json:"to,omitempty"`
	Message string     `json:"message,omitempty"`
	Since   string     `json:"since,omitempty"`
	Pos     diag.Pos   `json:"pos"`
}

// Index is what fleet knows of the options of one module class (nixos,
// darwin, home) from upstream source trees, read statically.
type Index struct {
	Class   string        `json:"class"`
	Trees   []Tree        `json:"trees"`
	Entries []IndexEntry  `json:"entries"`
	Renames []IndexRename `json:"renames"`
	// Files is the number of files read.
	Files int `json:"files"`
	// Unplaced counts modules whose whole options are computed: they
	// would open every path, so they are left out (their options may be
	// reported unknown).
	Unplaced []diag.Pos `json:"unplaced,omitempty"`

	root    *node
	renames map[string]*IndexRename
	// below are the renames of submodules' options (a path with <name>
	// or *), matched name by name.
	below []belowRename
}

// builtinOpen are option namespaces every class has that its own tree may
// not declare (nixpkgs' misc/assertions.nix and meta.nix, the module
// system's _module).
var builtinOpen = []string{"_module", "assertions", "warnings", "meta"}

// BuildIndex reads every .nix file below the trees' folders and indexes
// the options they declare. Files that do not parse contribute what
// parsed; nothing fails on valid Nix.
func BuildIndex(class string, trees []Tree) (*Index, error) {
	type job struct {
		tree Tree
		rel  string
	}
	var jobs []job
	for _, t := range trees {
		err := filepath.WalkDir(t.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); p != t.Dir && (strings.HasPrefix(n, ".") || n == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".nix") && d.Type().IsRegular() {
				rel, _ := filepath.Rel(t.Dir, p)
				jobs = append(jobs, job{t, filepath.ToSlash(rel)})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	mods := make([]*Module, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				src, err := os.ReadFile(filepath.Join(j.tree.Dir, filepath.FromSlash(j.rel)))
				if err != nil {
					continue
				}
				tree := j.tree
				prefix := tree.Name
				if prefix == "" {
					prefix = tree.Input
				}
				r := Reader{Within: prefix, SkipImports: true, ReadFile: func(name string) ([]byte, error) {
					rel, ok := strings.CutPrefix(name, prefix+"/")
					if !ok {
						return nil, fs.ErrNotExist
					}
					return os.ReadFile(filepath.Join(tree.Dir, filepath.FromSlash(rel)))
				}}
				m, _ := r.Extract(prefix+"/"+j.rel, src)
				mods[i] = m
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	ix := &Index{Class: class, Trees: trees, Files: len(jobs)}
	// A file another module reads for its declarations (types.submodule
	// ./user.nix, import ./accounts.nix) is part of that module: its
	// options are not options of the top level, unless a module imports
	// it (imports = [ ./accounts.nix ]).
	parts := map[string]bool{}
	for _, m := range mods {
		if m != nil {
			for _, p := range m.Parts {
				if p != m.File {
					parts[p] = true
				}
			}
		}
	}
	for _, m := range mods {
		if m != nil {
			for _, p := range m.Imports {
				delete(parts, p)
			}
		}
	}
	for _, m := range mods {
		if m == nil || parts[m.File] {
			continue
		}
		ix.Entries = appendIndexEntries(ix.Entries, m.Options, "")
		for i := len(ix.Entries) - 1; i >= 0 && len(ix.Entries) > 0; i-- {
			if ix.Entries[i].Path == "" && ix.Entries[i].Open != "" {
				ix.Unplaced = append(ix.Unplaced, ix.Entries[i].Pos)
				ix.Entries = slices.Delete(ix.Entries, i, i+1)
			}
		}
		if m.UnreadImports != nil {
			// Imports fleet could not read (helpers making renamed
			// options, say) may declare options next to the module's own.
			if pre := commonPrefix(m.Options); len(pre) >= 2 {
				ix.Entries = append(ix.Entries, IndexEntry{Path: strings.Join(pre, "."), Open: "the module's imports are not readable statically: " + m.UnreadImports.Reason, Pos: m.UnreadImports.Pos})
			}
		}
		for _, r := range m.Renames {
			ix.Renames = append(ix.Renames, IndexRename{Kind: r.Kind, From: joinPath(r.From), To: joinPath(r.To),
				Message: r.Message, Since: r.Since, Pos: r.Pos})
		}
		ix.Renames = appendSubmoduleRenames(ix.Renames, m.Options, "")
	}
	for _, n := range builtinOpen {
		ix.Entries = append(ix.Entries, IndexEntry{Path: n, Open: "declared by the module system or nixpkgs' misc modules"})
	}
	ix.link()
	return ix, nil
}

// appendIndexEntries flattens declared options, their submodules' options
// included.
func appendIndexEntries(out []IndexEntry, opts []*Option, prefix string) []IndexEntry {
	for _, o := range opts {
		path := prefix + joinPath(o.Path)
		if o.Unread || o.Type == nil || o.Type.Kind == Unknown {
			why := "its declaration is not readable statically"
			if o.Type != nil && o.Type.Note != "" {
				why = o.Type.Note
			}
			out = append(out, IndexEntry{Path: path, Kind: Unknown, Type: typeNameOf(o.Type), Open: why, Deep: !strings.HasSuffix(why, "its name is computed"),
				Description: o.Description, Pos: o.Pos})
			continue
		}
		subs := submodulesIn(o.Type, path)
		e := IndexEntry{Path: path, Kind: o.Type.Kind, Type: o.Type.Name, Value: len(subs) == 0 || hasValueAlt(o.Type),
			Description: o.Description, Pos: o.Pos}
		if len(subs) == 0 && checkable(o.Type) {
			e.TypeData, _ = json.Marshal(o.Type)
		}
		if e.Type == "" {
			e.Type = string(o.Type.Kind)
		}
		if d := o.Default; d != nil {
			e.Default = d.Source
		}
		out = append(out, e)
		for _, sub := range subs {
			if sub.t.Freeform {
				out = append(out, IndexEntry{Path: strings.TrimSuffix(sub.prefix, "."), Open: "the submodule has a freeformType", Pos: o.Pos})
			} else if sub.t.ImportsOpen != "" {
				out = append(out, IndexEntry{Path: strings.TrimSuffix(sub.prefix, "."), Open: sub.t.ImportsOpen, Pos: o.Pos})
			}
			out = appendIndexEntries(out, sub.t.Options, sub.prefix)
		}
	}
	return out
}

// appendSubmoduleRenames adds the option-moving modules submodules
// import, below the paths of their options (<name>, *).
func appendSubmoduleRenames(out []IndexRename, opts []*Option, prefix string) []IndexRename {
	for _, o := range opts {
		if o.Unread || o.Type == nil || o.Type.Kind == Unknown {
			continue
		}
		for _, sub := range submodulesIn(o.Type, prefix+joinPath(o.Path)) {
			for _, r := range sub.t.Renames {
				to := ""
				if len(r.To) > 0 {
					to = sub.prefix + joinPath(r.To)
				}
				out = append(out, IndexRename{Kind: r.Kind, From: sub.prefix + joinPath(r.From), To: to,
					Message: r.Message, Since: r.Since, Pos: r.Pos})
			}
			out = appendSubmoduleRenames(out, sub.t.Options, sub.prefix)
		}
	}
	return out
}

// commonPrefix is the longest path all options begin with.
func commonPrefix(opts []*Option) []string {
	if len(opts) == 0 {
		return nil
	}
	pre := opts[0].Path
	for _, o := range opts[1:] {
		n := 0
		for n < len(pre) && n < len(o.Path) && pre[n] == o.Path[n] {
			n++
		}
		pre = pre[:n]
	}
	return pre
}

// hasValueAlt reports whether a type with submodules also takes values
// that are sets but not submodules (either (attrsOf str) (submodule ...)).
func hasValueAlt(t *Type) bool {
	switch t.Kind {
	case Either:
		for _, a := range t.Alts {
			if a.Kind == Attrs || a.Kind == Anything || a.Kind == Unknown || (a.Kind == AttrsOf && len(submodulesIn(a, "")) == 0) || hasValueAlt(a) {
				return true
			}
		}
	case NullOr, ListOf, AttrsOf:
		return t.Elem != nil && hasValueAlt(t.Elem)
	}
	return false
}

// node is one name of the index's option tree.
type node struct {
	kids  map[string]*node
	opts  []*IndexEntry // the options declared here (several files may)
	value bool          // below is an option's value
	open  string        // names no file declares are accepted below, and why
	deep  bool          // anything below is accepted
}

func (n *node) kid(name string) *node {
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	k := n.kids[name]
	if k == nil {
		k = &node{}
		n.kids[name] = k
	}
	return k
}

// link builds the lookup structures from Entries and Renames (after
// building or reading from the cache).
func (ix *Index) link() {
	ix.root = &node{}
	for i := range ix.Entries {
		e := &ix.Entries[i]
		n := ix.root
		if e.Path != "" {
			for _, s := range SplitPath(e.Path) {
				n = n.kid(s)
			}
		}
		if e.Kind != "" {
			n.opts = append(n.opts, e)
		}
		if e.Value {
			n.value = true
		}
		if e.Open != "" && (n.open == "" || e.Deep && !n.deep) {
			n.open, n.deep = e.Open, e.Deep
		}
	}
	ix.renames = map[string]*IndexRename{}
	ix.below = nil
	for i := range ix.Renames {
		r := &ix.Renames[i]
		if _, dup := ix.renames[r.From]; !dup {
			ix.renames[r.From] = r
		}
		if p := SplitPath(r.From); slices.Contains(p, "<name>") || slices.Contains(p, "*") {
			ix.below = append(ix.below, belowRename{p, r})
		}
		// The sets holding a moved option exist: programs.old = { x = 1; }
		// with programs.old.x renamed is a set, not an unknown option.
		n := ix.root
		for _, s := range SplitPath(r.From) {
			n = n.kid(s)
		}
	}
}

// joinPath joins option names with dots, quoting names that hold one
// ("com.apple.swipescrolldirection"), as SplitPath reads them.
func joinPath(p []string) string {
	var b strings.Builder
	for i, n := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		if strings.Contains(n, ".") {
			b.WriteString(`"` + n + `"`)
		} else {
			b.WriteString(n)
		}
	}
	return b.String()
}

// SplitPath splits a dotted option path; quoted names keep their dots
// (system.defaults.NSGlobalDomain."com.apple.swipescrolldirection").
func SplitPath(p string) []string {
	var out []string
	for p != "" {
		if p[0] == '"' {
			if end := strings.Index(p[1:], `"`); end >= 0 {
				out = append(out, p[1:end+1])
				p = strings.TrimPrefix(p[end+2:], ".")
				continue
			}
		}
		i := strings.IndexByte(p, '.')
		if i < 0 {
			out = append(out, p)
			break
		}
		out = append(out, p[:i])
		p = p[i+1:]
	}
	return out
}

// Verdict is what an index says of an option path.
type Verdict int

// The verdicts of Lookup.
const (
	Declared Verdict = iota // an option, or a set of options, is declared there
	Below                   // the path is inside an option's value
	Open                    // the path is below a declaration fleet could not read: accepted
	Unknown_                // no option is declared there
	Moved                   // the path (or a prefix) was renamed, removed or aliased
)

// Found is the answer of Lookup.
type Found struct {
	Verdict Verdict
	// Depth is how many names of the path were found (for Unknown_: the
	// index of the unknown name; for Moved: the length of the moved
	// prefix; for Below: the length of the option's path).
	Depth int
	// Options are the declarations at the path (Declared) or of the
	// option the path is inside (Below).
	Options []*IndexEntry
	// Suggest is the closest declared name for an unknown one.
	Suggest string
	// Known are the names declared where the unknown name is.
	Known []string
	// Rename is the entry of a moved path.
	Rename *IndexRename
	// Why says why an Open path is accepted.
	Why string
}

// Lookup finds an option path (names, not dotted) in the index.
func (ix *Index) Lookup(path []string) Found {
	for i := range path {
		if r := ix.renames[joinPath(path[:i+1])]; r != nil {
			return Found{Verdict: Moved, Depth: i + 1, Rename: r}
		}
		for _, b := range ix.below {
			if b.matches(path[:i+1]) {
				return Found{Verdict: Moved, Depth: i + 1, Rename: b.r}
			}
		}
	}
	n := ix.root
	// openAt is the deepest open node passed: what it may declare can be
	// anywhere below it, past the names that are declared.
	openAt, openWhy := -1, ""
	for i, s := range path {
		if n.deep {
			openAt, openWhy = i, n.open
		}
		next := n.kids[s]
		if next == nil {
			next = n.kids["<name>"]
		}
		if next == nil && n.open != "" {
			return Found{Verdict: Open, Depth: i, Why: n.open}
		}
		if next == nil && openAt >= 0 {
			return Found{Verdict: Open, Depth: openAt, Why: openWhy}
		}
		if next == nil {
			if n.value || (len(n.kids) == 0 && len(n.opts) > 0) {
				return Found{Verdict: Below, Depth: i, Options: n.opts}
			}
			known := make([]string, 0, len(n.kids))
			for k := range n.kids {
				if k != "<name>" && k != "*" {
					known = append(known, k)
				}
			}
			sort.Strings(known)
			return Found{Verdict: Unknown_, Depth: i, Known: known, Suggest: diag.Suggest(s, known)}
		}
		n = next
	}
	if n.open != "" && len(n.opts) == 0 && len(n.kids) == 0 {
		return Found{Verdict: Open, Depth: len(path), Why: n.open}
	}
	return Found{Verdict: Declared, Depth: len(path), Options: n.opts}
}

// Option returns the declarations of an exact option path (dotted, as
// listed, with <name>), or nil.
func (ix *Index) Option(path string) []*IndexEntry {
	n := ix.root
	for _, s := range SplitPath(path) {
		n = n.kids[s]
		if n == nil {
			return nil
		}
	}
	return n.opts
}

// Search returns the entries whose path contains every word of query
// (case-insensitive), options only, sorted by path.
func (ix *Index) Search(query string) []*IndexEntry {
	words := strings.Fields(strings.ToLower(query))
	var out []*IndexEntry
	for i := range ix.Entries {
		e := &ix.Entries[i]
		if e.Kind == "" {
			continue
		}
		p := strings.ToLower(e.Path)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(p, w) }) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Stats counts an index's entries.
type Stats struct {
	Options int `json:"options"` // declared option paths
	Open    int `json:"open"`    // paths below which anything is accepted
	Renames int `json:"renames"`
	Files   int `json:"files"`
	// Unplaced are the modules left out: see Index.Unplaced.
	Unplaced int `json:"unplaced"`
}

// Stats counts the index's option paths, open paths and renames.
func (ix *Index) Stats() Stats {
	s := Stats{Renames: len(ix.Renames), Files: ix.Files, Unplaced: len(ix.Unplaced)}
	seen := map[string]bool{}
	for _, e := range ix.Entries {
		if e.Open != "" {
			s.Open++
		}
		if e.Kind != "" && !seen[e.Path] {
			seen[e.Path] = true
			s.Options++
		}
	}
	return s
}

// belowRename is a rename below a submodule's <name> or *.
type belowRename struct {
	from []string
	r    *IndexRename
}

// matches reports whether path is the rename's path, <name> and * standing
// for any name.
func (b belowRename) matches(path []string) bool {
	if len(path) != len(b.from) {
		return false
	}
	for i, s := range b.from {
		if s != path[i] && s != "<name>" && s != "*" {
			return false
		}
	}
	return true
}
