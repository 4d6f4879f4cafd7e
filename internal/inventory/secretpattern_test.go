package inventory

import (
	"slices"
	"strings"
	"testing"
)

func TestMatchSecret(t *testing.T) {
	for _, tc := range []struct {
		pattern, id string
		want        bool
	}{
		{"backup/restic-password", "backup/restic-password", true},
		{"backup/restic-password", "backup/restic", false},
		{"backup/*", "backup/x/y", false},
		{"monitoring/*", "monitoring/grafana", true},
		{"monitoring/*", "backup/x", false},
		{"*/password", "db/password", true},
		{"db-*/password", "db-main/password", true},
		{"db-*/password", "db/password", false},
		{"*/grafana-*", "monitoring/grafana-key", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"a*", "a", true},
		{"*", "", true},
		{"b*", "backup/x", false},
		{"hosts/web/*", "hosts/db/tls", false},
		{"db/**", "db/a/b/c", true},
		{"db/**", "db", false},
		{"db/**", "dbx/a", false},
	} {
		if got := MatchSecret(tc.pattern, tc.id); got != tc.want {
			t.Errorf("MatchSecret(%q, %q) = %v, want %v", tc.pattern, tc.id, got, tc.want)
		}
	}
}

func TestSecretPatternContains(t *testing.T) {
	for _, tc := range []struct {
		outer, inner string
		want         bool
	}{
		{"c/*", "c/a*", true},
		{"c/a*", "c/*", false},
		{"c/*a*", "c/a*", true},
		{"c/**", "c/d/**", true},
		{"c/d/**", "c/**", false},
		{"c/**", "c/*", true},
		{"c/*", "c/**", false},
		{"c/**", "cd/**", false},
		{"*/x", "c/x", true},
	} {
		o, i := ParseSecretPattern(tc.outer), ParseSecretPattern(tc.inner)
		if got := o.Contains(&i); got != tc.want {
			t.Errorf("%q contains %q = %v, want %v", tc.outer, tc.inner, got, tc.want)
		}
	}
}

// FuzzMatchSecret compares the matcher with a plain recursive definition
// of the same globs.
func FuzzMatchSecret(f *testing.F) {
	f.Add("a*b/c", "axb/c")
	f.Add("db/**", "db/x/y")
	f.Add("**", "x")
	f.Fuzz(func(t *testing.T, pattern, id string) {
		if got, want := MatchSecret(pattern, id), referenceMatch(pattern, id); got != want {
			t.Errorf("MatchSecret(%q, %q) = %v, want %v", pattern, id, got, want)
		}
	})
}

func referenceMatch(pattern, id string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		return strings.HasPrefix(id, prefix+"/")
	}
	pp, np := strings.Split(pattern, "/"), strings.Split(id, "/")
	if len(pp) != len(np) {
		return false
	}
	for i := range pp {
		if !referenceSegment(pp[i], np[i]) {
			return false
		}
	}
	return true
}

// referenceSegment is the textbook dynamic program: m[i][j] says whether
// p[i:] matches s[j:].
func referenceSegment(p, s string) bool {
	m := make([][]bool, len(p)+1)
	for i := range m {
		m[i] = make([]bool, len(s)+1)
	}
	m[len(p)][len(s)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(s); j >= 0; j-- {
			switch {
			case p[i] == '*':
				m[i][j] = m[i+1][j] || (j < len(s) && m[i][j+1])
			case j < len(s):
				m[i][j] = p[i] == s[j] && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

// TestSecretIndexes holds SecretNames and SecretPatterns to testing every
// name against every pattern, on names and patterns built from a few
// segments so that they overlap in every way.
func TestSecretIndexes(t *testing.T) {
	segs := []string{"a", "b", "ab", "a-b", "*", "a*", "*b", "*a*"}
	var names, patterns []string
	for _, x := range segs {
		if !strings.Contains(x, "*") {
			names = append(names, x)
		}
		patterns = append(patterns, x, x+"/**")
		for _, y := range segs {
			if !strings.Contains(x+y, "*") {
				names = append(names, x+"/"+y)
			}
			patterns = append(patterns, x+"/"+y)
			if !strings.Contains(x, "*") {
				patterns = append(patterns, x+"/"+y+"/**")
			}
			for _, z := range segs[:4] {
				names = append(names, x+"/"+y+"/"+z)
			}
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return strings.Contains(n, "*") })
	idx := NewSecretNames(slices.Concat(names, names)) // repeats are dropped
	var cands SecretPatterns
	parsed := make([]SecretPattern, len(patterns))
	for i, p := range patterns {
		parsed[i] = ParseSecretPattern(p)
		cands.Add(i, &parsed[i])
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(names)))
	for i := range parsed {
		p := &parsed[i]
		var want, got []string
		for _, n := range sorted {
			if p.Match(n) {
				want = append(want, n)
			}
		}
		idx.Each(p, func(n string) bool { got = append(got, n); return true })
		if !slices.Equal(got, want) {
			t.Errorf("SecretNames.Each(%q) = %q, want %q", patterns[i], got, want)
		}
		if idx.Any(p) != (len(want) > 0) {
			t.Errorf("SecretNames.Any(%q) = %v", patterns[i], idx.Any(p))
		}
	}
	seen := func(text string) map[int]bool {
		out := map[int]bool{}
		cands.Candidates(text, func(i int) { out[i] = true })
		return out
	}
	for _, n := range names {
		c := seen(n)
		for i := range parsed {
			if parsed[i].Match(n) && !c[i] {
				t.Errorf("%q matches %q, which is not a candidate", patterns[i], n)
			}
		}
	}
	for j := range parsed {
		c := seen(patterns[j])
		for i := range parsed {
			if parsed[i].Contains(&parsed[j]) && !c[i] {
				t.Errorf("%q contains %q, which is not a candidate", patterns[i], patterns[j])
			}
		}
	}
}
