package secrets

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// nastyRunes are the characters that break hand-written YAML: line
// breaks, comment and anchor markers, quotes, flow and block indicators.
var nastyRunes = []string{"\n", "\r", "\r\n", "\t", "#", " #", "&", "*", ":", ": ", "- ", "'", "''", "\"", "\\", "{", "}", "[", "]", ",", "|", ">", "!", "%", "@", "`", "é", "✓", "\u2028", "\u0085", "a", "b", " ", "---", "..."}

func nastyString(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(nastyRunes[rng.IntN(len(nastyRunes))])
	}
	return b.String()
}

// sopsFile is what sops reads from .sops.yaml.
type sopsFile struct {
	Keys          []string `yaml:"keys"`
	CreationRules []struct {
		PathRegex string `yaml:"path_regex"`
		KeyGroups []struct {
			Age []string `yaml:"age"`
		} `yaml:"key_groups"`
	} `yaml:"creation_rules"`
}

// TestSopsConfigYAMLProperty renders .sops.yaml for parties whose names
// (which reach comments) and recipients hold any character, and reads it
// back with a YAML parser: the creation rules must be exactly the rules
// computed, whatever the names hold. FLEET_PROPERTY_ROUNDS runs longer.
func TestSopsConfigYAMLProperty(t *testing.T) {
	rounds := 400
	if n, err := strconv.Atoi(os.Getenv("FLEET_PROPERTY_ROUNDS")); err == nil {
		rounds = n
	}
	rng := rand.New(rand.NewPCG(20, 20))
	for round := range rounds {
		a := &Access{}
		recip := func() string {
			if rng.IntN(3) == 0 {
				return "age1" + nastyString(rng, 1+rng.IntN(6))
			}
			return newIdentity(t).Recipient().String()
		}
		shared := recip()
		for i := range 1 + rng.IntN(3) {
			r := recip()
			if i == 0 && rng.IntN(2) == 0 {
				r = shared
			}
			a.Admins = append(a.Admins, Party{Name: nastyString(rng, 1+rng.IntN(8)), Recipient: r})
		}
		for range rng.IntN(4) {
			name := strings.Map(func(r rune) rune {
				if r == '/' || r == '*' || r < 0x20 || strings.ContainsRune("\\ ?[]{}\u2028\u0085", r) {
					return 'x'
				}
				return r
			}, nastyString(rng, 1+rng.IntN(5)))
			r := recip()
			if rng.IntN(3) == 0 {
				r = shared
			}
			a.Hosts = append(a.Hosts, Party{Name: nastyString(rng, 1+rng.IntN(8)), Recipient: r, Readable: []string{"c" + name + "/" + name + "*"}})
		}
		rules, err := a.Rules()
		if err != nil {
			continue // refused: an invalid pattern
		}
		data, err := a.SopsConfig()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var got sopsFile
		if err := yaml.Unmarshal(data, &got); err != nil {
			t.Fatalf("round %d: generated .sops.yaml does not parse: %v\n%s", round, err, data)
		}
		var want sopsFile
		seen := map[string]bool{}
		for _, p := range a.parties() {
			if p.Recipient != "" && !seen[p.Recipient] {
				seen[p.Recipient] = true
				want.Keys = append(want.Keys, p.Recipient)
			}
		}
		want.CreationRules = make([]struct {
			PathRegex string `yaml:"path_regex"`
			KeyGroups []struct {
				Age []string `yaml:"age"`
			} `yaml:"key_groups"`
		}, len(rules))
		for i, r := range rules {
			want.CreationRules[i].PathRegex = r.PathRegex
			want.CreationRules[i].KeyGroups = []struct {
				Age []string `yaml:"age"`
			}{{Age: r.Recipients}}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: .sops.yaml reads back differently (-want +got):\n%s\n%s", round, diff, data)
		}
		// Nothing but the header and generated comments may start a line
		// with a top-level key.
		for _, line := range strings.Split(string(data), "\n") {
			if line != "" && line[0] != '#' && line[0] != ' ' && line != "keys:" && line != "creation_rules:" {
				t.Fatalf("round %d: unexpected top-level line %q\n%s", round, line, data)
			}
		}
	}
}
