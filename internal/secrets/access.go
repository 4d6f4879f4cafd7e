package secrets

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
// segment, or "prefix/**" for every secret below prefix.
func MatchPattern(pattern, id string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		return strings.HasPrefix(id, prefix+"/")
	}
	ps, is := strings.Split(pattern, "/"), strings.Split(id, "/")
	if len(ps) != len(is) {
		return false
	}
	for i := range ps {
		if !matchSegment(ps[i], is[i]) {
			return false
		}
	}
	return true
}

func matchSegment(pattern, s string) bool {
	// Iterative glob matching with one backtrack point: linear in practice.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

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
	innerPrefix, innerAll := strings.CutSuffix(inner, "/**")
	outerPrefix, outerAll := strings.CutSuffix(outer, "/**")
	if innerAll {
		return outerAll && strings.HasPrefix(innerPrefix+"/", outerPrefix+"/")
	}
	// With '*' standing for itself, outer matches inner's text exactly when
	// it matches every expansion of inner's stars.
	return MatchPattern(outer, inner)
}

// party is a Party with its kind and its full set of patterns.
type party struct {
	Party
	kind     PartyKind
	patterns []string
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
func (a *Access) Recipients(id string) []string {
	return a.recipientsWhere(func(p party) bool {
		if p.kind == KindAdmin {
			return true
		}
		for _, pat := range p.patterns {
			if MatchPattern(pat, id) {
				return true
			}
		}
		return false
	})
}

// Readers returns the parties that may read the secret with the given ID,
// as "admin alex", "host web1", "user alex".
func (a *Access) Readers(id string) []string {
	var out []string
	for _, p := range a.parties() {
		ok := p.kind == KindAdmin
		for _, pat := range p.patterns {
			ok = ok || MatchPattern(pat, id)
		}
		if ok {
			out = append(out, string(p.kind)+" "+p.Name)
		}
	}
	return out
}

func (a *Access) recipientsWhere(f func(party) bool) []string {
	var out []string
	for _, p := range a.parties() {
		if p.Recipient == "" || slices.Contains(out, p.Recipient) || !f(p) {
			continue
		}
		out = append(out, p.Recipient)
	}
	return out
}

// Who returns the parties holding a recipient, as "admin alex" and so on.
func (a *Access) Who(recipient string) []string {
	var out []string
	for _, p := range a.parties() {
		if p.Recipient == recipient {
			out = append(out, string(p.kind)+" "+p.Name)
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
	var patterns []string
	var errs []error
	for _, p := range ps {
		for _, pat := range p.patterns {
			if err := CheckPattern(pat); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", p.kind, p.Name, err))
				continue
			}
			if p.kind != KindAdmin && p.Recipient != "" && !slices.Contains(patterns, pat) {
				patterns = append(patterns, pat)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortPatterns(patterns)
	var rules []Rule
	for _, pat := range patterns {
		rs := a.recipientsWhere(func(p party) bool {
			if p.kind == KindAdmin {
				return true
			}
			for _, q := range p.patterns {
				if patternContains(q, pat) {
					return true
				}
			}
			return false
		})
		rules = append(rules, Rule{Pattern: pat, PathRegex: PatternRegex(pat), Recipients: rs})
	}
	// Exact rules for existing secrets that the first matching rule gets
	// wrong (two globs that overlap without one containing the other).
	var fixes []Rule
	ids := slices.Clone(a.Secrets)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		want := a.Recipients(id)
		got := a.recipientsWhere(func(p party) bool { return p.kind == KindAdmin })
		for _, r := range rules {
			if MatchPattern(r.Pattern, id) {
				got = r.Recipients
				break
			}
		}
		if !sameSet(want, got) && !slices.ContainsFunc(rules, func(r Rule) bool { return r.Pattern == id }) {
			fixes = append(fixes, Rule{Pattern: id, PathRegex: PatternRegex(id), Recipients: want})
		}
	}
	rules = append(fixes, rules...)
	if admins := a.recipientsWhere(func(p party) bool { return p.kind == KindAdmin }); len(admins) > 0 {
		rules = append(rules, Rule{PathRegex: "^" + Dir + "/", Recipients: admins})
	}
	out := rules[:0]
	for _, r := range rules {
		if len(r.Recipients) > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// sortPatterns orders patterns so that one comes before every pattern that
// contains it: exact names, then single-segment globs with the most fixed
// characters first, then folder patterns with the longest folder first.
func sortPatterns(ps []string) {
	rank := func(p string) (int, int) {
		if prefix, ok := strings.CutSuffix(p, "/**"); ok {
			return 2, -len(prefix)
		}
		if strings.Contains(p, "*") {
			return 1, -len(strings.ReplaceAll(p, "*", ""))
		}
		return 0, 0
	}
	slices.SortFunc(ps, func(x, y string) int {
		xr, xl := rank(x)
		yr, yl := rank(y)
		return cmp.Or(cmp.Compare(xr, yr), cmp.Compare(xl, yl), strings.Compare(x, y))
	})
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
	anchors := map[string]string{}
	used := map[string]bool{}
	var keys []string
	for _, p := range a.parties() {
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
		anchors[p.Recipient] = name
		line := fmt.Sprintf("  - &%s %s", name, p.Recipient)
		if others := a.Who(p.Recipient); len(others) > 1 {
			line += " # " + strings.Join(others, ", ")
		}
		keys = append(keys, line)
	}
	if len(keys) > 0 {
		b.WriteString("keys:\n")
		for _, k := range keys {
			b.WriteString(k + "\n")
		}
	}
	b.WriteString("creation_rules:\n")
	for _, r := range rules {
		if r.Pattern != "" {
			fmt.Fprintf(&b, "  # %s\n", r.Pattern)
		} else {
			b.WriteString("  # every other secret: admins only\n")
		}
		fmt.Fprintf(&b, "  - path_regex: %s\n", yamlSingleQuoted(r.PathRegex))
		b.WriteString("    key_groups:\n      - age:\n")
		for _, rc := range r.Recipients {
			fmt.Fprintf(&b, "          - *%s\n", anchors[rc])
		}
	}
	return b.Bytes(), nil
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

func yamlSingleQuoted(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

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
