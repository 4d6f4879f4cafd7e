package secrets

import (
	"bytes"
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/inventory"
)

// Dir is the folder of a fleet that holds its secrets.
const Dir = "secrets"

// SopsConfigFile is the name of the generated sops configuration.
const SopsConfigFile = ".sops.yaml"

// PartyKind tells admins, hosts and users apart.
type PartyKind string

// The kinds of parties.
const (
	KindAdmin PartyKind = "admin"
	KindHost  PartyKind = "host"
	KindUser  PartyKind = "user"
)

// Party is someone who reads secrets: an admin, a host or a user.
type Party struct {
	Name string `json:"name"`
	// Recipient is the party's age recipient: "age1..." (X25519) or
	// "age1pq1..." (hybrid). A host's recipient is converted from its SSH
	// host key with SSHToAge. Empty when the party has no key.
	Recipient string `json:"recipient"`
	// Readable are secret patterns the party may read: "category/name",
	// globs where * matches within one path segment
	// ("monitoring/*", "db-*/password"), and "category/**" for everything
	// below a folder. Hosts also read hosts/<name>/* and users
	// users/<name>/* without listing them.
	Readable []string `json:"readable,omitempty"`
	// Source says where the key was declared, for people
	// ("fleet.toml", "hosts/web1/host.toml host_key").
	Source string `json:"source,omitempty"`
}

// Access is who may read what, derived from the evaluated fleet. Admins read
// every secret.
type Access struct {
	Admins []Party `json:"admins"`
	Hosts  []Party `json:"hosts"`
	Users  []Party `json:"users"`
	// Secrets are the secrets that exist, as IDs ("backup/restic-password").
	// Optional: with them, the generated .sops.yaml gets an exact rule for
	// any existing secret that overlapping globs would otherwise get wrong.
	Secrets []string `json:"secrets,omitempty"`
}

// SecretID returns the ID of a secret file given relative to the fleet
// root with forward slashes: "secrets/backup/restic-password.yaml" is
// "backup/restic-password". ok is false for files outside secrets/ or with
// an extension fleet does not create rules for.
func SecretID(rel string) (id string, ok bool) {
	rest, found := strings.CutPrefix(path.Clean(rel), Dir+"/")
	if !found {
		return "", false
	}
	ext := path.Ext(rest)
	if !slices.Contains(Extensions(), ext) {
		return "", false
	}
	id = strings.TrimSuffix(rest, ext)
	if id == "" || strings.HasSuffix(id, "/") {
		return "", false
	}
	return id, true
}

// MatchPattern reports whether a secret ID matches an access pattern: an
// exact name, a glob where * matches any run of characters within one path
// segment, or "prefix/**" for every secret below prefix. It is
// inventory.MatchSecret, which evaluation uses too.
func MatchPattern(pattern, id string) bool { return inventory.MatchSecret(pattern, id) }

// glob is a parsed access pattern.
type glob = inventory.SecretPattern

func parseGlob(s string) glob { return inventory.ParseSecretPattern(s) }

// CheckPattern reports what is wrong with an access pattern, or nil.
func CheckPattern(p string) error {
	switch {
	case p == "":
		return errors.New("empty secret pattern")
	case strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/"):
		return fmt.Errorf("secret pattern %q starts or ends with /", p)
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return fmt.Errorf("secret pattern %q has invalid characters", p)
	case strings.ContainsAny(p, "\\\n\r\t ?[]{}"):
		return fmt.Errorf("secret pattern %q has characters other than names, / and *", p)
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch {
		case s == "":
			return fmt.Errorf("secret pattern %q has an empty segment", p)
		case s == "." || s == "..":
			return fmt.Errorf("secret pattern %q has a %s segment", p, s)
		case s == "**" && i != len(segs)-1:
			return fmt.Errorf("secret pattern %q: ** may only end a pattern", p)
		case s == "**" && i == 0:
			return fmt.Errorf("secret pattern %q: ** needs a folder before it; admins already read everything", p)
		case s == "**" && strings.Contains(strings.Join(segs[:i], "/"), "*"):
			return fmt.Errorf("secret pattern %q: the folder before ** must be a plain name", p)
		case s != "**" && strings.Contains(s, "**"):
			return fmt.Errorf("secret pattern %q: ** must be a whole segment at the end", p)
		}
	}
	return nil
}

// patternContains reports whether every ID matching inner also matches
// outer.
func patternContains(outer, inner string) bool {
	o, i := parseGlob(outer), parseGlob(inner)
	return o.Contains(&i)
}

// party is a Party with its kind and its full set of patterns.
type party struct {
	Party
	kind     PartyKind
	patterns []string
	globs    []glob
}

// reads reports whether the party may read the ID, split into idSegs.
func (p *party) reads(id string, idSegs []string) bool {
	if p.kind == KindAdmin {
		return true
	}
	for i := range p.globs {
		if p.globs[i].MatchSplit(id, idSegs) {
			return true
		}
	}
	return false
}

// parties returns every party with a recipient, in a fixed order: admins,
// hosts, users, each by name.
func (a *Access) parties() []party {
	var out []party
	add := func(kind PartyKind, ps []Party) {
		sorted := slices.Clone(ps)
		slices.SortStableFunc(sorted, func(x, y Party) int { return cmp.Compare(x.Name, y.Name) })
		for _, p := range sorted {
			pp := party{Party: p, kind: kind}
			switch kind {
			case KindHost:
				pp.patterns = append(pp.patterns, "hosts/"+p.Name+"/*")
			case KindUser:
				pp.patterns = append(pp.patterns, "users/"+p.Name+"/*")
			}
			for _, r := range p.Readable {
				if !slices.Contains(pp.patterns, r) {
					pp.patterns = append(pp.patterns, r)
				}
			}
			for _, r := range pp.patterns {
				pp.globs = append(pp.globs, parseGlob(r))
			}
			out = append(out, pp)
		}
	}
	add(KindAdmin, a.Admins)
	add(KindHost, a.Hosts)
	add(KindUser, a.Users)
	return out
}

// Recipients returns the recipients of the secret with the given ID: every
// admin, and every host and user with a pattern matching it. The order is
// fixed (admins, hosts, users, each by name) and duplicates are dropped.
func (a *Access) Recipients(id string) []string { return a.Index().Recipients(id) }

// Readers returns the parties that may read the secret with the given ID,
// as "admin alex", "host web1", "user alex".
func (a *Access) Readers(id string) []string { return a.Index().Readers(id) }

// Index is Access made ready for many lookups: its parties, and every
// pattern filed by its fixed text, so that finding who reads a secret
// tests only the patterns that can match it. It reflects Access as it was
// when Index was called.
type Index struct {
	ps      []party
	admins  []int  // the admins' numbers in ps
	globs   []glob // every party's patterns
	owner   []int  // the party of each pattern
	byFixed inventory.SecretPatterns
	holders map[string][]string
}

// Index builds the lookup index of a.
func (a *Access) Index() *Index {
	x := &Index{ps: a.parties()}
	for i := range x.ps {
		p := &x.ps[i]
		if p.kind == KindAdmin {
			x.admins = append(x.admins, i)
		}
		for k := range p.globs {
			x.byFixed.Add(len(x.globs), &p.globs[k])
			x.globs = append(x.globs, p.globs[k])
			x.owner = append(x.owner, i)
		}
	}
	x.holders = holders(x.ps)
	return x
}

// reading returns the numbers of the parties that read id (admins
// always), sorted.
func (x *Index) reading(id string) []int {
	segs := strings.Split(id, "/")
	out := slices.Clone(x.admins)
	x.byFixed.Candidates(id, func(g int) {
		if x.globs[g].MatchSplit(id, segs) {
			out = append(out, x.owner[g])
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// Recipients is Access.Recipients.
func (x *Index) Recipients(id string) []string { return recipientsOf(x.ps, nil, x.reading(id)) }

// Readers is Access.Readers.
func (x *Index) Readers(id string) []string {
	var out []string
	for _, i := range x.reading(id) {
		out = append(out, string(x.ps[i].kind)+" "+x.ps[i].Name)
	}
	return out
}

// Admins returns the admins' recipients.
func (x *Index) Admins() []string { return recipientsOf(x.ps, x.admins, nil) }

// Who is Access.Who.
func (x *Index) Who(recipient string) []string { return x.holders[recipient] }

// Describe is Access.Describe.
func (x *Index) Describe(recipient string) string { return describe(x.holders[recipient], recipient) }

// recipientsWhere returns the recipients of the parties f selects (by
// index), in party order, without duplicates or empty recipients.
func recipientsWhere(ps []party, f func(i int) bool) []string {
	var out []string
	for i := range ps {
		if r := ps[i].Recipient; r != "" && !slices.Contains(out, r) && f(i) {
			out = append(out, r)
		}
	}
	return out
}

// recipientsOf is recipientsWhere for the parties numbered in admins or
// readers (in any order, repeats allowed), without visiting the others.
func recipientsOf(ps []party, admins, readers []int) []string {
	sel := append(slices.Clone(admins), readers...)
	slices.Sort(sel)
	var out []string
	seen := map[string]bool{}
	for _, i := range slices.Compact(sel) {
		if r := ps[i].Recipient; r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// adminRecipients returns the admins' recipients.
func adminRecipients(ps []party) []string {
	return recipientsWhere(ps, func(i int) bool { return ps[i].kind == KindAdmin })
}

// Who returns the parties holding a recipient, as "admin alex" and so on.
func (a *Access) Who(recipient string) []string {
	return holders(a.parties())[recipient]
}

// holders maps each recipient to the parties holding it.
func holders(ps []party) map[string][]string {
	out := map[string][]string{}
	for _, p := range ps {
		if p.Recipient != "" {
			out[p.Recipient] = append(out[p.Recipient], string(p.kind)+" "+p.Name)
		}
	}
	return out
}

// Key is one line of `fleet secrets keys`: who holds which recipient and
// what they read.
type Key struct {
	Kind      PartyKind `json:"kind"`
	Name      string    `json:"name"`
	Recipient string    `json:"recipient"`
	Source    string    `json:"source,omitempty"`
	Reads     []string  `json:"reads"`
}

// Keys lists every party: admins, hosts, users, each by name. Admins read
// "**"; hosts and users list their patterns, implicit ones first.
func (a *Access) Keys() []Key {
	var out []Key
	for _, p := range a.parties() {
		k := Key{Kind: p.kind, Name: p.Name, Recipient: p.Recipient, Source: p.Source, Reads: p.patterns}
		if p.kind == KindAdmin {
			k.Reads = []string{"**"}
		}
		out = append(out, k)
	}
	return out
}

// Rule is one creation rule of the generated .sops.yaml.
type Rule struct {
	// Pattern is the secret pattern the rule stands for; "" for the final
	// rule that gives every other secret to the admins.
	Pattern    string
	PathRegex  string
	Recipients []string
}

// extRegex matches the extensions of secret files.
func extRegex() string {
	var exts []string
	for _, e := range Extensions() {
		exts = append(exts, regexp.QuoteMeta(e[1:]))
	}
	return `\.(` + strings.Join(exts, "|") + `)$`
}

// PatternRegex is the path_regex of a pattern: anchored, relative to the
// fleet root, matching exactly the files whose IDs MatchPattern accepts.
func PatternRegex(pattern string) string {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		return "^" + Dir + "/" + regexp.QuoteMeta(prefix) + "/.*" + extRegex()
	}
	var b strings.Builder
	b.WriteString("^" + Dir + "/")
	for i, seg := range strings.Split(pattern, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		for j, lit := range strings.Split(seg, "*") {
			if j > 0 {
				b.WriteString("[^/]*")
			}
			b.WriteString(regexp.QuoteMeta(lit))
		}
	}
	b.WriteString(extRegex())
	return b.String()
}

// Rules returns the creation rules of the generated .sops.yaml: one per
// pattern any party reads, most specific first (exact names, then globs by
// how much they fix, then folders), each with every recipient that may
// read the secrets it matches; then exact rules for existing secrets that
// overlapping globs would give the wrong recipients; and last a rule giving
// any other secret to the admins. sops uses the first rule that matches, so
// it encrypts each secret to the same recipients as Recipients.
func (a *Access) Rules() ([]Rule, error) {
	ps := a.parties()
	pt, err := readPatterns(ps)
	if err != nil {
		return nil, err
	}
	index, globs, held := pt.index, pt.globs, pt.held
	// containers[j]: the other patterns that contain pattern j. Only the
	// patterns whose fixed text starts j's can; testing just those keeps
	// this close to linear in the number of patterns (a fleet has one per
	// host), where testing every pair was quadratic.
	var cands inventory.SecretPatterns
	for i := range globs {
		cands.Add(i, &globs[i])
	}
	containers := make([][]int, len(globs))
	for j := range globs {
		cands.Candidates(globs[j].String(), func(i int) {
			if i != j && globs[i].Contains(&globs[j]) {
				containers[j] = append(containers[j], i)
			}
		})
	}
	order := sortGlobs(globs, containers)
	var adminIdx []int
	for i := range ps {
		if ps[i].kind == KindAdmin {
			adminIdx = append(adminIdx, i)
		}
	}
	var rules []Rule
	for _, j := range order {
		readers := slices.Clone(held[j])
		for _, i := range containers[j] {
			readers = append(readers, held[i]...)
		}
		rules = append(rules, Rule{Pattern: globs[j].String(), PathRegex: PatternRegex(globs[j].String()), Recipients: recipientsOf(ps, adminIdx, readers)})
	}
	// Exact rules for existing secrets that the first matching rule gets
	// wrong (two globs that overlap without one containing the other).
	at := make([]int, len(globs)) // each pattern's place in order
	for k, j := range order {
		at[j] = k
	}
	var fixes []Rule
	ids := slices.Clone(a.Secrets)
	slices.Sort(ids)
	admins := recipientsOf(ps, adminIdx, nil)
	for _, id := range slices.Compact(ids) {
		if _, literal := index[id]; literal {
			continue
		}
		segs := strings.Split(id, "/")
		var readers []int
		first := -1 // the matching pattern sops meets first
		cands.Candidates(id, func(i int) {
			if globs[i].MatchSplit(id, segs) {
				readers = append(readers, held[i]...)
				if first < 0 || at[i] < at[first] {
					first = i
				}
			}
		})
		want := recipientsOf(ps, adminIdx, readers)
		got := admins
		if first >= 0 {
			got = rules[at[first]].Recipients
		}
		if !sameSet(want, got) {
			fixes = append(fixes, Rule{Pattern: id, PathRegex: PatternRegex(id), Recipients: want})
		}
	}
	return finalRules(fixes, rules, admins), nil
}

// finalRules puts the fixes first, the pattern rules next and the
// admins' rule for every other secret last, leaving out rules nobody
// can read.
func finalRules(fixes, rules []Rule, admins []string) []Rule {
	rules = append(fixes, rules...)
	if len(admins) > 0 {
		rules = append(rules, Rule{PathRegex: "^" + Dir + "/", Recipients: admins})
	}
	out := rules[:0]
	for _, r := range rules {
		if len(r.Recipients) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// sortGlobs orders patterns so that each comes before every pattern that
// strictly contains it, which is what first-match rules need. Among
// patterns free to go in any order: exact names first, then globs with the
// most fixed characters, then folder patterns with the longest folder,
// then alphabetically.
func sortGlobs(globs []glob, containers [][]int) []int {
	n := len(globs)
	pref := preference(globs)
	// The preference order can put "*a*" before "a*", which it contains:
	// a topological sort repairs it, keeping the preference wherever
	// containment allows. Each step places the most preferred pattern
	// that strictly contains no unplaced one.
	place := make([]int, n) // each pattern's place in the preference
	for k, i := range pref {
		place[i] = k
	}
	below := make([]int, n)   // how many unplaced patterns each strictly contains
	above := make([][]int, n) // the patterns strictly containing each
	for k := range n {
		for _, i := range containers[k] {
			if !slices.Contains(containers[i], k) {
				below[i]++
				above[k] = append(above[k], i)
			}
		}
	}
	ready := &placeHeap{place: place}
	for i := range n {
		if below[i] == 0 {
			heap.Push(ready, i)
		}
	}
	out := make([]int, 0, n)
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, i)
		for _, k := range above[i] {
			if below[k]--; below[k] == 0 {
				heap.Push(ready, k)
			}
		}
	}
	return out
}

// partyPatterns are the distinct patterns of the hosts and users with a
// key: by pattern text, their number; the parsed patterns; and the
// parties (numbers in ps) holding each.
type partyPatterns struct {
	index map[string]int
	globs []glob
	held  [][]int
}

// readPatterns collects the patterns of ps, or the errors of those that
// are not valid.
func readPatterns(ps []party) (*partyPatterns, error) {
	pt := &partyPatterns{index: map[string]int{}}
	var errs []error
	for pi, p := range ps {
		for _, pat := range p.patterns {
			if err := CheckPattern(pat); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", p.kind, p.Name, err))
				continue
			}
			if p.kind == KindAdmin || p.Recipient == "" {
				continue
			}
			j, ok := pt.index[pat]
			if !ok {
				j = len(pt.globs)
				pt.index[pat] = j
				pt.globs = append(pt.globs, parseGlob(pat))
				pt.held = append(pt.held, nil)
			}
			pt.held[j] = append(pt.held[j], pi)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pt, nil
}

// preference orders patterns without regard to containment: exact names
// first, then globs with the most fixed characters, then folder patterns
// with the longest folder, then alphabetically.
func preference(globs []glob) []int {
	rank := func(g *glob) (int, int) {
		if prefix, ok := g.Folder(); ok {
			return 2, -len(prefix)
		}
		if src := g.String(); strings.Contains(src, "*") {
			return 1, -len(strings.ReplaceAll(src, "*", ""))
		}
		return 0, 0
	}
	pref := make([]int, len(globs))
	for i := range pref {
		pref[i] = i
	}
	slices.SortFunc(pref, func(x, y int) int {
		xr, xl := rank(&globs[x])
		yr, yl := rank(&globs[y])
		return cmp.Or(cmp.Compare(xr, yr), cmp.Compare(xl, yl), strings.Compare(globs[x].String(), globs[y].String()))
	})
	return pref
}

// placeHeap holds pattern numbers, least place first.
type placeHeap struct {
	ids   []int
	place []int
}

func (h *placeHeap) Len() int           { return len(h.ids) }
func (h *placeHeap) Less(a, b int) bool { return h.place[h.ids[a]] < h.place[h.ids[b]] }
func (h *placeHeap) Swap(a, b int)      { h.ids[a], h.ids[b] = h.ids[b], h.ids[a] }
func (h *placeHeap) Push(x any)         { h.ids = append(h.ids, x.(int)) }
func (h *placeHeap) Pop() any {
	x := h.ids[len(h.ids)-1]
	h.ids = h.ids[:len(h.ids)-1]
	return x
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// SopsConfig renders the generated .sops.yaml: a keys list naming every
// recipient with a YAML anchor (admin_alex, host_web1), then the creation
// rules of Rules, each with one key group. The output is deterministic.
func (a *Access) SopsConfig() ([]byte, error) {
	rules, err := a.Rules()
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("nobody has a key: add an admin's age recipient to fleet.toml [admins]: %w", ErrNoRecipients)
	}
	var b bytes.Buffer
	b.WriteString("# Code generated by fleet. DO NOT EDIT.\n")
	b.WriteString("# Who reads which secret comes from the fleet: admins in fleet.toml, roles'\n")
	b.WriteString("# secrets, { secret = ... } references, secrets/hosts/<host>/ and\n")
	b.WriteString("# secrets/users/<user>/. Regenerate with fleet generate, then bring the\n")
	b.WriteString("# files in line with fleet secrets rekey.\n")
	keys, anchors := sopsKeys(a.parties())
	if !writeSopsYAML(&b, keys, rules, anchors) {
		if err := encodeSopsYAML(&b, keys, rules, anchors); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// sopsKeys returns the keys of .sops.yaml, a recipient each, in party
// order, and each recipient's anchor.
func sopsKeys(ps []party) ([]sopsKey, map[string]string) {
	var keys []sopsKey
	anchors := map[string]string{} // recipient -> anchor
	used := map[string]bool{}
	who := holders(ps)
	for _, p := range ps {
		if p.Recipient == "" {
			continue
		}
		if _, ok := anchors[p.Recipient]; ok {
			continue
		}
		name := anchorName(string(p.kind) + "_" + p.Name)
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s_%d", anchorName(string(p.kind)+"_"+p.Name), i)
		}
		used[name] = true
		k := sopsKey{anchor: name, recipient: p.Recipient}
		if others := who[p.Recipient]; len(others) > 1 {
			k.comment = yamlComment(strings.Join(others, ", "))
		}
		anchors[p.Recipient] = name
		keys = append(keys, k)
	}
	return keys, anchors
}

// sopsKey is one recipient of .sops.yaml's keys, with its anchor and the
// parties sharing it (a line comment), if several do.
type sopsKey struct {
	anchor, recipient, comment string
}

// ruleComment is the comment above a rule.
func ruleComment(r Rule) string {
	if r.Pattern != "" {
		return yamlComment(r.Pattern)
	}
	return "every other secret: admins only"
}

// plainYAML matches the texts writeSopsYAML writes as they are: those
// the YAML encoder writes unquoted, unbroken and unescaped, in the styles
// .sops.yaml uses.
var (
	plainValue   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	plainComment = regexp.MustCompile(`^[A-Za-z0-9_./*,:-]+( [A-Za-z0-9_./*,:-]+)*$`)
	plainQuoted  = regexp.MustCompile(`^[!-&(-~]*$`) // printable ASCII without ' and space
)

// writeSopsYAML writes the keys and creation rules of .sops.yaml
// directly, byte for byte as encodeSopsYAML does, which costs the YAML
// encoder hundreds of megabytes for a fleet of 10,000 hosts. It writes
// nothing and returns false when a text falls outside what it writes
// exactly (plainValue, plainComment, plainQuoted): the encoder does those.
func writeSopsYAML(b *bytes.Buffer, keys []sopsKey, rules []Rule, anchors map[string]string) bool {
	for _, k := range keys {
		if !plainValue.MatchString(k.anchor) || !plainValue.MatchString(k.recipient) || k.comment != "" && !plainComment.MatchString(k.comment) {
			return false
		}
	}
	for _, r := range rules {
		if !plainQuoted.MatchString(r.PathRegex) || !plainComment.MatchString(ruleComment(r)) {
			return false
		}
	}
	if len(keys) > 0 {
		b.WriteString("keys:\n")
		for _, k := range keys {
			b.WriteString("  - &" + k.anchor + " " + k.recipient)
			if k.comment != "" {
				b.WriteString(" # " + k.comment)
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString("creation_rules:\n")
	for _, r := range rules {
		b.WriteString("  # " + ruleComment(r) + "\n")
		b.WriteString("  - path_regex: '" + r.PathRegex + "'\n")
		b.WriteString("    key_groups:\n      - age:\n")
		for _, rc := range r.Recipients {
			b.WriteString("          - *" + anchors[rc] + "\n")
		}
	}
	return true
}

// encodeSopsYAML writes the keys and creation rules of .sops.yaml with
// the YAML encoder.
func encodeSopsYAML(b *bytes.Buffer, keys []sopsKey, rules []Rule, anchors map[string]string) error {
	nodes := map[string]*yaml.Node{}
	keyList := &yaml.Node{Kind: yaml.SequenceNode}
	for _, k := range keys {
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: k.recipient, Anchor: k.anchor, LineComment: k.comment}
		nodes[k.recipient] = n
		keyList.Content = append(keyList.Content, n)
	}
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	creation := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range rules {
		age := &yaml.Node{Kind: yaml.SequenceNode}
		for _, rc := range r.Recipients {
			age.Content = append(age.Content, &yaml.Node{Kind: yaml.AliasNode, Alias: nodes[rc], Value: anchors[rc]})
		}
		rule := &yaml.Node{Kind: yaml.MappingNode, HeadComment: ruleComment(r), Content: []*yaml.Node{
			scalar("path_regex"), {Kind: yaml.ScalarNode, Value: r.PathRegex, Style: yaml.SingleQuotedStyle},
			scalar("key_groups"), {Kind: yaml.SequenceNode, Content: []*yaml.Node{
				{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("age"), age}},
			}},
		}}
		creation.Content = append(creation.Content, rule)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	if len(keyList.Content) > 0 {
		doc.Content = append(doc.Content, scalar("keys"), keyList)
	}
	doc.Content = append(doc.Content, scalar("creation_rules"), creation)
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("rendering %s: %w", SopsConfigFile, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("rendering %s: %w", SopsConfigFile, err)
	}
	return nil
}

// yamlComment makes s one line of comment text: the encoder writes a
// line comment's line breaks into the value that precedes it, so control
// characters (line breaks among them) become spaces.
func yamlComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

func anchorName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// HostRecipient returns the age recipient of a host from its host.toml:
// the ssh-to-age conversion of host_key (an ssh-ed25519 public key), or
// age_key as given. It says which of the two it used, for Party.Source.
// Setting both is an error: they would disagree about who the host is.
func HostRecipient(hostKey, ageKey string) (recipient, from string, err error) {
	hostKey, ageKey = strings.TrimSpace(hostKey), strings.TrimSpace(ageKey)
	switch {
	case hostKey != "" && ageKey != "":
		return "", "", errors.New("set host_key or age_key, not both")
	case hostKey != "":
		r, err := SSHToAge(hostKey)
		if err != nil {
			return "", "", fmt.Errorf("host_key: %w", err)
		}
		return r, "host_key", nil
	case ageKey != "":
		if _, err := ParseRecipient(ageKey); err != nil {
			return "", "", fmt.Errorf("age_key: %w", err)
		}
		if strings.HasPrefix(ageKey, "ssh-") {
			return "", "", errors.New("age_key: give an age1... recipient; put an ssh key in host_key")
		}
		return ageKey, "age_key", nil
	}
	return "", "", nil
}
