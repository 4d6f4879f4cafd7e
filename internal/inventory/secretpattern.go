package inventory

import (
	"slices"
	"strings"
)

// SecretPattern is a parsed secret access pattern, as roles list them in
// secrets = [...]: an exact secret name ("backup/restic-password"), a glob
// where * matches any run of characters within one path segment
// ("monitoring/*", "db-*/password"), or "prefix/**" for every secret
// below a folder. Evaluation uses it to decide what a host may read, and
// package secrets to derive recipients and the rules of .sops.yaml, so
// both always agree.
type SecretPattern struct {
	src    string
	folder bool   // "prefix/**"
	prefix string // for folder
	segs   []string
}

// ParseSecretPattern parses an access pattern. Every string is a pattern;
// whether it is a sensible one is for the caller to check.
func ParseSecretPattern(s string) SecretPattern {
	if prefix, ok := strings.CutSuffix(s, "/**"); ok {
		return SecretPattern{src: s, folder: true, prefix: prefix}
	}
	return SecretPattern{src: s, segs: strings.Split(s, "/")}
}

// String returns the pattern as written.
func (p *SecretPattern) String() string { return p.src }

// Folder returns the folder of a "prefix/**" pattern; ok is false for
// other patterns.
func (p *SecretPattern) Folder() (prefix string, ok bool) { return p.prefix, p.folder }

// Match reports whether the secret name id matches the pattern.
func (p *SecretPattern) Match(id string) bool {
	return p.MatchSplit(id, strings.Split(id, "/"))
}

// MatchSplit is Match for an id already split at "/" into segs, for
// callers matching one id against many patterns.
func (p *SecretPattern) MatchSplit(id string, segs []string) bool {
	if p.folder {
		return strings.HasPrefix(id, p.prefix+"/")
	}
	if len(segs) != len(p.segs) {
		return false
	}
	for i := range p.segs {
		if !matchSegment(p.segs[i], segs[i]) {
			return false
		}
	}
	return true
}

// Contains reports whether every secret name matching q also matches p.
// With '*' standing for itself, p matches q's text exactly when it matches
// every expansion of q's stars.
func (p *SecretPattern) Contains(q *SecretPattern) bool {
	if q.folder {
		return p.folder && strings.HasPrefix(q.prefix+"/", p.prefix+"/")
	}
	return p.MatchSplit(q.src, q.segs)
}

// MatchSecret reports whether a secret name matches an access pattern.
func MatchSecret(pattern, id string) bool {
	p := ParseSecretPattern(pattern)
	return p.Match(id)
}

// matchSegment matches one path segment against a glob segment where *
// matches any run of characters.
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

// Fixed is the text every name the pattern matches starts with: a
// folder pattern's folder and "/", or a glob's text before its first
// '*' (an exact name whole).
func (p *SecretPattern) Fixed() string {
	if p.folder {
		return p.prefix + "/"
	}
	if i := strings.IndexByte(p.src, '*'); i >= 0 {
		return p.src[:i]
	}
	return p.src
}

// SecretNames finds the names matching a pattern among many without
// testing each: the names are sorted, and those a pattern matches all
// start with its Fixed text, a range a binary search finds.
type SecretNames struct {
	names []string
}

// NewSecretNames indexes names (it keeps a sorted copy).
func NewSecretNames(names []string) *SecretNames {
	s := slices.Clone(names)
	slices.Sort(s)
	return &SecretNames{names: slices.Compact(s)}
}

// Each calls f with every name p matches, in sorted order, until f
// returns false.
func (x *SecretNames) Each(p *SecretPattern, f func(name string) bool) {
	fixed := p.Fixed()
	i, _ := slices.BinarySearch(x.names, fixed)
	for ; i < len(x.names) && strings.HasPrefix(x.names[i], fixed); i++ {
		if p.Match(x.names[i]) && !f(x.names[i]) {
			return
		}
	}
}

// Any reports whether p matches any of the names.
func (x *SecretNames) Any(p *SecretPattern) bool {
	found := false
	x.Each(p, func(string) bool { found = true; return false })
	return found
}

// SecretPatterns finds which of many patterns may match a text without
// testing each: a pattern can only match a text that starts with its
// Fixed text, so only the patterns whose Fixed text is a prefix of the
// text are candidates.
type SecretPatterns struct {
	byFixed map[string][]int
}

// Add files pattern p under the caller's number i.
func (x *SecretPatterns) Add(i int, p *SecretPattern) {
	if x.byFixed == nil {
		x.byFixed = map[string][]int{}
	}
	fixed := p.Fixed()
	x.byFixed[fixed] = append(x.byFixed[fixed], i)
}

// Candidates calls f with the number of every pattern whose Fixed text
// starts text: a superset of the patterns matching text, or containing
// the pattern text is the source of.
func (x *SecretPatterns) Candidates(text string, f func(i int)) {
	for k := 0; k <= len(text); k++ {
		for _, i := range x.byFixed[text[:k]] {
			f(i)
		}
	}
}
