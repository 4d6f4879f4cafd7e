package secrets

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestMatchPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, id string
		want        bool
	}{
		{"backup/restic-password", "backup/restic-password", true},
		{"backup/restic-password", "backup/restic", false},
		{"monitoring/*", "monitoring/grafana", true},
		{"monitoring/*", "monitoring/a/b", false},
		{"monitoring/*", "backup/x", false},
		{"*/password", "db/password", true},
		{"db-*/password", "db-main/password", true},
		{"db-*/password", "db/password", false},
		{"*-key", "grafana-secret-key", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"hosts/web/*", "hosts/web/ssh", true},
		{"db/**", "db/a", true},
		{"db/**", "db/a/b/c", true},
		{"db/**", "db", false},
		{"db/**", "dbx/a", false},
	} {
		if got := MatchPattern(tc.pattern, tc.id); got != tc.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tc.pattern, tc.id, got, tc.want)
		}
	}
}

func TestCheckPattern(t *testing.T) {
	for _, p := range []string{"a/b", "a/*", "*/b", "a-*-b/c", "a/**", "a/b/**"} {
		if err := CheckPattern(p); err != nil {
			t.Errorf("CheckPattern(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"", "/a", "a/", "a//b", "a/../b", "**", "**/a", "a/**/b", "a*/**", "a/b**", "a/[bc]", "a/b?", "a b"} {
		if err := CheckPattern(p); err == nil {
			t.Errorf("CheckPattern(%q) accepted a bad pattern", p)
		}
	}
}

func TestSecretID(t *testing.T) {
	for _, tc := range []struct {
		rel, id string
		ok      bool
	}{
		{"secrets/backup/restic-password.yaml", "backup/restic-password", true},
		{"secrets/hosts/web/ssh.env", "hosts/web/ssh", true},
		{"secrets/a/b.c.json", "a/b.c", true},
		{"secrets/a/b.txt", "", false},
		{"other/a/b.yaml", "", false},
		{"secrets/../x.yaml", "", false},
		{"secrets/.yaml", "", false},
	} {
		id, ok := SecretID(tc.rel)
		if id != tc.id || ok != tc.ok {
			t.Errorf("SecretID(%q) = %q, %v; want %q, %v", tc.rel, id, ok, tc.id, tc.ok)
		}
	}
}

// FuzzPatternRegex checks that the path_regex written to .sops.yaml
// matches exactly the files whose IDs MatchPattern accepts, and that
// containment implies matching.
func FuzzPatternRegex(f *testing.F) {
	for _, s := range [][2]string{
		{"monitoring/*", "monitoring/grafana"},
		{"db/**", "db/a/b"},
		{"a*b/c", "axxb/c"},
		{"a.b/c", "aXb/c"},
		{"x/(y)+", "x/(y)+"},
		{"*/*", "a/b.c"},
	} {
		f.Add(s[0], s[1], "a/*")
	}
	f.Fuzz(func(t *testing.T, pattern, id, other string) {
		if CheckPattern(pattern) != nil || !utf8.ValidString(id) || strings.ContainsAny(id, "\n") {
			return
		}
		re, err := regexp.Compile(PatternRegex(pattern))
		if err != nil {
			t.Fatalf("PatternRegex(%q) = %q does not compile: %v", pattern, PatternRegex(pattern), err)
		}
		for _, ext := range Extensions() {
			file := Dir + "/" + id + ext
			if got, want := re.MatchString(file), MatchPattern(pattern, id); got != want {
				t.Fatalf("pattern %q, file %q: regexp %v, MatchPattern %v", pattern, file, got, want)
			}
		}
		if CheckPattern(other) == nil && patternContains(other, pattern) && MatchPattern(pattern, id) && !MatchPattern(other, id) {
			t.Fatalf("%q contains %q, which matches %q, but %q does not", other, pattern, id, other)
		}
	})
}

func TestRecipientsAndReaders(t *testing.T) {
	tf := newTestFleet(t)
	a := tf.access()
	admin, web, db, alex := tf.admin.Recipient().String(), tf.web.recipient, tf.db.recipient, tf.alex.Recipient().String()
	for _, tc := range []struct {
		id      string
		want    []string
		readers []string
	}{
		{"app/config", []string{admin, web}, []string{"admin root", "host web"}},
		{"shared/token", []string{admin, db, web}, []string{"admin root", "host db", "host web"}},
		{"db/main/password", []string{admin, db}, []string{"admin root", "host db"}},
		{"hosts/web/ssh", []string{admin, web}, []string{"admin root", "host web"}},
		{"users/alex/gpg", []string{admin, alex}, []string{"admin root", "user alex"}},
		{"other/x", []string{admin}, []string{"admin root"}},
	} {
		if diff := cmp.Diff(tc.want, a.Recipients(tc.id)); diff != "" {
			t.Errorf("Recipients(%q) (-want +got):\n%s", tc.id, diff)
		}
		if diff := cmp.Diff(tc.readers, a.Readers(tc.id)); diff != "" {
			t.Errorf("Readers(%q) (-want +got):\n%s", tc.id, diff)
		}
	}
}

// firstRule is what sops does with creation rules: the first rule whose
// path_regex matches the path wins.
func firstRule(t *testing.T, rules []Rule, rel string) []string {
	t.Helper()
	for _, r := range rules {
		if regexp.MustCompile(r.PathRegex).MatchString(rel) {
			return r.Recipients
		}
	}
	return nil
}

func TestRulesAgreeWithRecipients(t *testing.T) {
	tf := newTestFleet(t)
	a := tf.access()
	// Two globs that overlap without one containing the other.
	a.Hosts = append(a.Hosts,
		Party{Name: "x", Recipient: newIdentity(t).Recipient().String(), Readable: []string{"cat/db-*"}},
		Party{Name: "y", Recipient: newIdentity(t).Recipient().String(), Readable: []string{"cat/*-password"}},
	)
	a.Secrets = []string{"cat/db-password", "app/config", "shared/token"}
	rules, err := a.Rules()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"app/config", "app/other", "shared/token", "db/a/b", "db/x", "hosts/web/k", "hosts/db/k", "hosts/gone/k", "users/alex/k", "users/bob/k", "misc/x", "cat/db-password", "cat/db-main", "cat/root-password", "top"}
	for _, id := range ids {
		for _, ext := range Extensions() {
			rel := Dir + "/" + id + ext
			if diff := cmp.Diff(a.Recipients(id), firstRule(t, rules, rel)); diff != "" {
				t.Errorf("%s: first rule's recipients (-want +got):\n%s", rel, diff)
			}
		}
	}
	// A file fleet does not name like a secret goes to the admins.
	if diff := cmp.Diff([]string{tf.admin.Recipient().String()}, firstRule(t, rules, "secrets/x/y.txt")); diff != "" {
		t.Errorf("unknown extension (-want +got):\n%s", diff)
	}
}

func TestSopsConfigGolden(t *testing.T) {
	a := &Access{
		Admins: []Party{
			{Name: "alex", Recipient: "age1mxhx05fr03ggc6yxvaw75jp3r465yusgcjwmex5q80gr8uvs240qz9kf8g"},
			{Name: "recovery", Recipient: "age1k8fyzk2kqdln0zvyt87w5e2zxag2lldkpsh8xz8u70dt2td2l5vqftdjcc"},
		},
		Hosts: []Party{
			{Name: "rich-evans", Recipient: "age1q5anc8hjxv9pdj0vzf6kzwuyayaqwz9m4ghc5dhk7x3s06s68u5suxtcg2", Readable: []string{"backup/restic-password", "monitoring/*"}},
			{Name: "marshmallow", Recipient: "age1rhanss9xatey99c7weym9dczlumr349hxyvwh2nrqh2vx02jpg4qp8tvgu", Readable: []string{"backup/restic-password"}},
			{Name: "keyless", Readable: []string{"backup/restic-password"}},
		},
		Users: []Party{{Name: "alex", Recipient: "age1mxhx05fr03ggc6yxvaw75jp3r465yusgcjwmex5q80gr8uvs240qz9kf8g"}},
	}
	got, err := a.SopsConfig()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.SopsConfig()
	if string(got) != string(again) {
		t.Fatal("SopsConfig is not deterministic")
	}
	golden := filepath.Join("testdata", "sops.yaml.golden")
	if os.Getenv("FLEET_UPDATE") != "" {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf(".sops.yaml (-golden +got):\n%s", diff)
	}
}

func TestRulesErrors(t *testing.T) {
	a := &Access{Admins: []Party{{Name: "a", Recipient: newIdentity(t).Recipient().String()}}, Hosts: []Party{{Name: "h", Recipient: newIdentity(t).Recipient().String(), Readable: []string{"bad//pattern"}}}}
	if _, err := a.Rules(); err == nil || !strings.Contains(err.Error(), "host h") {
		t.Errorf("Rules with a bad pattern: %v", err)
	}
	if _, err := (&Access{}).SopsConfig(); err == nil {
		t.Errorf("SopsConfig with nobody: no error")
	}
}

func TestHostRecipient(t *testing.T) {
	hk := newHostKey(t, "root@h")
	id := newIdentity(t)
	for _, tc := range []struct {
		name, hostKey, ageKey string
		want, from            string
		err                   bool
	}{
		{"host key", hk.pub, "", hk.recipient, "host_key", false},
		{"keyscan line", "h.example.org " + hk.pub, "", hk.recipient, "host_key", false},
		{"age key", "", id.Recipient().String(), id.Recipient().String(), "age_key", false},
		{"none", "", "", "", "", false},
		{"both", hk.pub, id.Recipient().String(), "", "", true},
		{"rsa", strings.TrimSpace(readTestdata(t, "ssh/rsa.pub")), "", "", "", true},
		{"ssh in age_key", "", hk.pub, "", "", true},
		{"garbage age key", "", "age1nope", "", "", true},
	} {
		got, from, err := HostRecipient(tc.hostKey, tc.ageKey)
		if (err != nil) != tc.err || got != tc.want || from != tc.from {
			t.Errorf("%s: HostRecipient = %q, %q, %v; want %q, %q, error %v", tc.name, got, from, err, tc.want, tc.from, tc.err)
		}
	}
}

func TestKeys(t *testing.T) {
	tf := newTestFleet(t)
	got := tf.access().Keys()
	var lines []string
	for _, k := range got {
		lines = append(lines, string(k.Kind)+" "+k.Name+" "+strings.Join(k.Reads, ","))
	}
	want := []string{"admin root **", "host db hosts/db/*,db/**,shared/token", "host web hosts/web/*,app/*,shared/token", "user alex users/alex/*"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
}

// TestRulesNestedGlobs checks the order of rules for globs that contain
// one another, including pairs whose fixed characters tie.
func TestRulesNestedGlobs(t *testing.T) {
	for _, tc := range []struct {
		outer, inner string
		ids          []string
	}{
		{"c/*a*", "c/a*", []string{"c/ab", "c/ba", "c/a", "c/b"}},
		{"c/*", "c/a*", []string{"c/ab", "c/b"}},
		{"c/a*", "c/a*b", []string{"c/axb", "c/ax"}},
		{"*/x", "c/x", []string{"c/x", "d/x"}},
		{"c/**", "c/*", []string{"c/a", "c/a/b"}},
		{"c/**", "c/d/**", []string{"c/d/e", "c/e"}},
	} {
		admin := newIdentity(t).Recipient().String()
		o, i := newIdentity(t).Recipient().String(), newIdentity(t).Recipient().String()
		for _, order := range [][2]int{{0, 1}, {1, 0}} {
			parties := []Party{{Name: "o", Recipient: o, Readable: []string{tc.outer}}, {Name: "i", Recipient: i, Readable: []string{tc.inner}}}
			a := &Access{Admins: []Party{{Name: "a", Recipient: admin}}, Hosts: []Party{parties[order[0]], parties[order[1]]}}
			rules, err := a.Rules()
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.ids {
				if diff := cmp.Diff(a.Recipients(id), firstRule(t, rules, Dir+"/"+id+".yaml")); diff != "" {
					t.Errorf("%s inside %s, secret %s (-want +got):\n%s", tc.inner, tc.outer, id, diff)
				}
			}
		}
	}
}

// TestRulesRandom builds random access rules over a small alphabet and
// checks, for every secret of a universe, that the first matching rule
// never grants more than Recipients, and grants exactly Recipients when
// the secret is listed in Access.Secrets.
func TestRulesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "ab", "ba", "*", "a*", "*a", "*b*"}
	var universe []string
	for _, x := range []string{"a", "b", "ab", "ba", "aa", "bb"} {
		for _, y := range []string{"a", "b", "ab", "ba", "bab"} {
			universe = append(universe, x+"/"+y)
			universe = append(universe, x+"/"+y+"/a")
		}
	}
	keys := make([]string, 6)
	for i := range keys {
		keys[i] = newIdentity(t).Recipient().String()
	}
	for round := range 300 {
		a := &Access{Admins: []Party{{Name: "root", Recipient: keys[0]}}}
		for h := 1; h < len(keys); h++ {
			var pats []string
			for range 1 + rng.IntN(3) {
				p := segs[rng.IntN(len(segs))] + "/" + segs[rng.IntN(len(segs))]
				if rng.IntN(5) == 0 {
					p = segs[rng.IntN(4)] + "/**"
				}
				pats = append(pats, p)
			}
			a.Hosts = append(a.Hosts, Party{Name: fmt.Sprintf("h%d", h), Recipient: keys[h], Readable: pats})
		}
		rules, err := a.Rules()
		if err != nil {
			t.Fatal(err)
		}
		first := compiledRules(rules)
		for _, id := range universe {
			got := first(Dir + "/" + id + ".json")
			want := a.Recipients(id)
			for _, r := range got {
				if !slices.Contains(want, r) {
					t.Fatalf("round %d: %s: rule grants %s beyond the access rules %v", round, id, r, a.Hosts)
				}
			}
		}
		a.Secrets = universe
		rules, err = a.Rules()
		if err != nil {
			t.Fatal(err)
		}
		first = compiledRules(rules)
		for _, id := range universe {
			if got, want := first(Dir+"/"+id+".json"), a.Recipients(id); !sameSet(got, want) {
				t.Fatalf("round %d: %s: first rule %v, want %v (hosts %v)", round, id, got, want, a.Hosts)
			}
		}
	}
}

// compiledRules is firstRule with the regular expressions compiled once.
func compiledRules(rules []Rule) func(rel string) []string {
	res := make([]*regexp.Regexp, len(rules))
	for i, r := range rules {
		res[i] = regexp.MustCompile(r.PathRegex)
	}
	return func(rel string) []string {
		for i, re := range res {
			if re.MatchString(rel) {
				return rules[i].Recipients
			}
		}
		return nil
	}
}
