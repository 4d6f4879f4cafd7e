package inventory

import (
	"reflect"
	"regexp"
	"testing"
)

// TestLoadUnrecorded: loading without recording reads the same inventory
// with the same diagnostics, and has no digest.
func TestLoadUnrecorded(t *testing.T) {
	const root = "../../examples/homelab"
	inv, dl := Load(root)
	un, udl := LoadUnrecorded(root)
	if _, ok := inv.Inputs.Digest(); !ok {
		t.Fatal("Load has no digest")
	}
	if un.Inputs != nil {
		t.Fatal("LoadUnrecorded recorded what it read")
	}
	if _, ok := un.Inputs.Digest(); ok || !un.Inputs.Late() {
		t.Error("LoadUnrecorded has a digest")
	}
	if !reflect.DeepEqual(dl.Items(), udl.Items()) {
		t.Errorf("diagnostics differ:\n%v\n%v", dl.Items(), udl.Items())
	}
	if len(inv.Hosts) == 0 || len(inv.Hosts) != len(un.Hosts) {
		t.Fatalf("%d hosts and %d", len(inv.Hosts), len(un.Hosts))
	}
	for i, h := range inv.Hosts {
		if !reflect.DeepEqual(h, un.Hosts[i]) {
			t.Errorf("host %s differs", h.Name)
		}
	}
	for name, m := range inv.Modules {
		if !reflect.DeepEqual(m, un.Modules[name]) {
			t.Errorf("modules of %s differ", name)
		}
	}
}

// nameRE is the rule IsName checks, as a regular expression.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// FuzzIsName: IsName accepts exactly the names nameRE matches.
func FuzzIsName(f *testing.F) {
	for _, s := range []string{"", "a", "web-01", "app_2.lab", "-a", ".a", "_a", "a b", "a/b", "é", "A.-_9", "a\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsName(s), nameRE.MatchString(s); got != want {
			t.Fatalf("IsName(%q) = %v, the rule says %v", s, got, want)
		}
	})
}
