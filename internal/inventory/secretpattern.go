package inventory

import "strings"

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
