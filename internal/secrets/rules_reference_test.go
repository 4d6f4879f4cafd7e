package secrets

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// rulesReference is Rules as first written, comparing every pattern with
// every other: quadratic in the number of patterns, but plain. The
// randomized test holds Rules to it.
func (a *Access) rulesReference() ([]Rule, error) {
	ps := a.parties()
	pt, err := readPatterns(ps)
	if err != nil {
		return nil, err
	}
	index, globs, held := pt.index, pt.globs, pt.held
	n := len(globs)
	contains := make([][]bool, n) // contains[i][j]: globs[i] contains globs[j]
	for i := range n {
		contains[i] = make([]bool, n)
		for j := range n {
			contains[i][j] = i == j || globs[i].Contains(&globs[j])
		}
	}
	order := sortGlobsReference(globs, contains)
	var rules []Rule
	for _, j := range order {
		reads := make([]bool, len(ps))
		for i := range n {
			if contains[i][j] {
				for _, pi := range held[i] {
					reads[pi] = true
				}
			}
		}
		rs := recipientsWhere(ps, func(i int) bool { return ps[i].kind == KindAdmin || reads[i] })
		rules = append(rules, Rule{Pattern: globs[j].String(), PathRegex: PatternRegex(globs[j].String()), Recipients: rs})
	}
	// Exact rules for existing secrets that the first matching rule gets
	// wrong (two globs that overlap without one containing the other).
	var fixes []Rule
	ids := slices.Clone(a.Secrets)
	slices.Sort(ids)
	admins := adminRecipients(ps)
	for _, id := range slices.Compact(ids) {
		if _, literal := index[id]; literal {
			continue
		}
		segs := strings.Split(id, "/")
		want := recipientsWhere(ps, func(i int) bool { return ps[i].reads(id, segs) })
		got := admins
		for k, j := range order {
			if globs[j].MatchSplit(id, segs) {
				got = rules[k].Recipients
				break
			}
		}
		if !sameSet(want, got) {
			fixes = append(fixes, Rule{Pattern: id, PathRegex: PatternRegex(id), Recipients: want})
		}
	}
	return finalRules(fixes, rules, admins), nil
}

// recipientsReference and readersReference are Recipients and Readers
// as first written: every party tested.
func recipientsReference(a *Access, id string) []string {
	ps := a.parties()
	segs := strings.Split(id, "/")
	return recipientsWhere(ps, func(i int) bool { return ps[i].reads(id, segs) })
}

func readersReference(a *Access, id string) []string {
	var out []string
	segs := strings.Split(id, "/")
	for _, p := range a.parties() {
		if p.reads(id, segs) {
			out = append(out, string(p.kind)+" "+p.Name)
		}
	}
	return out
}

// sortGlobsReference is sortGlobs over a full containment matrix.
func sortGlobsReference(globs []glob, contains [][]bool) []int {
	n := len(globs)
	pref := preference(globs)
	// The preference order can put "*a*" before "a*", which it contains:
	// a topological sort repairs it, keeping the preference wherever
	// containment allows.
	strict := func(i, k int) bool { return contains[i][k] && !contains[k][i] }
	below := make([]int, n) // how many unplaced patterns each strictly contains
	for i := range n {
		for k := range n {
			if strict(i, k) {
				below[i]++
			}
		}
	}
	done := make([]bool, n)
	out := make([]int, 0, n)
	for len(out) < n {
		for _, i := range pref {
			if done[i] || below[i] > 0 {
				continue
			}
			done[i] = true
			out = append(out, i)
			for k := range n {
				if !done[k] && strict(k, i) {
					below[k]--
				}
			}
			break
		}
	}
	return out
}

// TestRulesMatchReference compares Rules with rulesReference, and an
// Index's Recipients and Readers with testing every party, on random
// fleets: overlapping globs, folders, exact names, parties sharing a
// recipient or without one, existing secrets the globs get wrong.
func TestRulesMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "ab", "ba", "*", "a*", "*b", "*a*", "db-*"}
	names := []string{"a", "b", "ab", "ba", "db-1", "xab"}
	pick := func(from []string) string { return from[r.IntN(len(from))] }
	pattern := func() string {
		n := 1 + r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = pick(segs)
		}
		if r.IntN(5) == 0 {
			parts[n-1] = "**"
			for i := range parts[:n-1] {
				parts[i] = pick(names)
			}
		}
		return strings.Join(parts, "/")
	}
	id := func() string {
		n := 1 + r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = pick(names)
		}
		return strings.Join(parts, "/")
	}
	recipients := []string{"", "age1one", "age1two", "age1three", "age1four", "age1five"}
	checked := 0
	for range 3000 {
		var a Access
		for i := range r.IntN(3) {
			a.Admins = append(a.Admins, Party{Name: fmt.Sprintf("admin%d", i), Recipient: pick(recipients)})
		}
		for i := range r.IntN(10) {
			p := Party{Name: pick(names) + fmt.Sprint(i), Recipient: pick(recipients)}
			for range r.IntN(4) {
				p.Readable = append(p.Readable, pattern())
			}
			if r.IntN(2) == 0 {
				a.Hosts = append(a.Hosts, p)
			} else {
				a.Users = append(a.Users, p)
			}
		}
		for range r.IntN(8) {
			a.Secrets = append(a.Secrets, id())
		}
		x := a.Index()
		for range 5 {
			sid := id()
			if got, want := x.Recipients(sid), recipientsReference(&a, sid); !slices.Equal(got, want) {
				t.Fatalf("%+v: Recipients(%q) = %q, reference %q", a, sid, got, want)
			}
			if got, want := x.Readers(sid), readersReference(&a, sid); !slices.Equal(got, want) {
				t.Fatalf("%+v: Readers(%q) = %q, reference %q", a, sid, got, want)
			}
		}
		got, gerr := a.Rules()
		want, werr := a.rulesReference()
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%+v:\nRules error %v\nreference error %v", a, gerr, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v:\nRules     %+v\nreference %+v", a, got, want)
		}
		if gerr == nil && len(got) > 1 {
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d of 3000 random fleets had rules to compare", checked)
	}
}

// TestSopsYAMLWriter holds the direct .sops.yaml writer to the YAML
// encoder on random fleets: wherever it writes, it writes the same bytes,
// and it leaves to the encoder what it does not write exactly.
func TestSopsYAMLWriter(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(from []string) string { return from[r.IntN(len(from))] }
	names := []string{"web1", "db-2", "alex", "a_b", "x.y", "Alex Smith", "é", "#tag", "a'b", "-lead"}
	patterns := []string{"app/token", "app/*", "db-*/password", "hosts/**", "a'b/c", "#x/y", "*/x"}
	recipients := []string{"age1one", "age1two", "age1three", "age1pq1four", "age1five"}
	fast, slow := 0, 0
	for range 2000 {
		var a Access
		for i := range 1 + r.IntN(2) {
			a.Admins = append(a.Admins, Party{Name: pick(names) + fmt.Sprint(i), Recipient: pick(recipients)})
		}
		for range r.IntN(8) {
			p := Party{Name: pick(names), Recipient: pick(recipients)}
			for range r.IntN(3) {
				p.Readable = append(p.Readable, pick(patterns))
			}
			if r.IntN(2) == 0 {
				a.Hosts = append(a.Hosts, p)
			} else {
				a.Users = append(a.Users, p)
			}
		}
		for range r.IntN(4) {
			a.Secrets = append(a.Secrets, pick([]string{"app/token", "db-1/password", "x/x", "hosts/h/k"}))
		}
		rules, err := a.Rules()
		if err != nil {
			continue
		}
		keys, anchors := sopsKeys(a.parties())
		var direct, encoded bytes.Buffer
		if err := encodeSopsYAML(&encoded, keys, rules, anchors); err != nil {
			t.Fatal(err)
		}
		if !writeSopsYAML(&direct, keys, rules, anchors) {
			if direct.Len() > 0 {
				t.Fatalf("the writer gave up after writing %q", direct.String())
			}
			slow++
			continue
		}
		fast++
		if direct.String() != encoded.String() {
			t.Fatalf("%+v:\ndirect:\n%s\nencoder:\n%s", a, direct.String(), encoded.String())
		}
	}
	t.Logf("fast %d slow %d", fast, slow)
	if fast < 300 || slow < 300 {
		t.Fatalf("%d fleets written directly, %d by the encoder: want both paths well covered", fast, slow)
	}
}
