package fleettest

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/inventory"
)

// writeFleet writes files below a temporary folder and returns it.
func writeFleet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var smallFleet = map[string]string{
	"fleet.toml": `name = "t"`,
	"hosts/alpha/host.toml": `platform = "nixos"
system = "x86_64-linux"
state_version = "24.05"
[hardware]
memory_gb = 32
`,
	"hosts/beta/host.toml": `platform = "nixos"
system = "x86_64-linux"
state_version = "24.05"
[hardware]
memory_gb = 4
`,
	"tests/memory.toml": `[[assert]]
name = "enough <memory> & \"more\""
path = "hardware.memory_gb"
min = 8
`,
}

func run(t *testing.T, dir string) *Report {
	t.Helper()
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests, dl := Load(f.Inventory)
	if dl.HasErrors() {
		t.Fatalf("loading tests: %v", dl.Err())
	}
	rep, err := Run(context.Background(), f.Eval, tests, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestJUnitParsesBack writes a report as JUnit XML and reads it back with
// encoding/xml: the counts, names and the failure survive.
func TestJUnitParsesBack(t *testing.T) {
	rep := run(t, writeFleet(t, smallFleet))
	var b bytes.Buffer
	if err := WriteJUnit(&b, rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Line    int    `xml:"line,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, b.String())
	}
	if got.Tests != 2 || got.Failures != 1 || len(got.Suites) != 1 || len(got.Suites[0].Cases) != 2 {
		t.Fatalf("counts: %+v", got)
	}
	c := got.Suites[0].Cases
	if c[0].Name != `alpha: enough <memory> & "more"` || c[0].Failure != nil {
		t.Errorf("first case: %+v", c[0])
	}
	if c[1].Failure == nil || c[1].Failure.Message != "expected a number >= 8, got 4" || c[1].Line != 1 {
		t.Fatalf("second case: %+v", c[1])
	}
	if want := "tests/memory.toml:1:3: expected a number >= 8, got 4 from hosts/beta/host.toml:5:13 (host beta)\n"; c[1].Failure.Text != want {
		t.Errorf("failure text:\n%s", cmp.Diff(want, c[1].Failure.Text))
	}
}

// TestSummary counts tests, hosts and assertions.
func TestSummary(t *testing.T) {
	rep := run(t, writeFleet(t, smallFleet))
	if got, want := Summary(rep), "1 test, 2 hosts, 2 assertions: 1 failed"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

// FuzzParse feeds arbitrary test files to the parser: it must not panic,
// and a file it accepts has assertions that all select hosts.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		smallFleet["tests/memory.toml"],
		"hosts = [\"@web\"]\n[[assert]]\nport_open = \"53/udp\"\nequals = false\n",
		"[[assert]]\npath = 'nixos.\"a.b\".c'\none_of = [1, 2.5, \"x\", { secret = \"a/b\" }]\n",
		"[[snapshot]]\nhosts = [\"a*\"]\npath = \"settings\"\n",
		"[[assert]]\nmatches = '(('\npath = \"x\"\n",
		"assert = 1\n",
	} {
		f.Add(seed)
	}
	inv := &inventory.Inventory{
		Hosts: []*inventory.Host{{Layer: inventory.Layer{Name: "alpha"}}},
		Roles: map[string]*inventory.Role{"web": {}}, Profiles: map[string]*inventory.Profile{},
		Users: map[string]*inventory.User{}, Secrets: map[string]string{"a/b": "secrets/a/b.yaml"},
		Modules: map[string]map[string]*inventory.Module{},
	}
	f.Fuzz(func(t *testing.T, src string) {
		dl := &diag.List{}
		test := Parse(inv, "tests/f.toml", []byte(src), dl)
		if test == nil {
			if !dl.HasErrors() {
				t.Fatal("rejected without an error")
			}
			return
		}
		for _, a := range test.Asserts {
			if a.Label() == "" {
				t.Fatalf("assertion without a label: %+v", a)
			}
		}
	})
}

// TestExample runs the example fleet's tests: every assertion passes, and
// its VM tests load.
func TestExample(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "homelab")
	rep := run(t, dir)
	if rep.Failed > 0 || rep.Assertions == 0 {
		var b bytes.Buffer
		WriteText(&b, rep)
		t.Fatalf("the example's tests:\n%s", b.String())
	}
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vms, dl := LoadVM(f.Inventory)
	if dl.HasErrors() || len(vms) < 2 {
		t.Fatalf("VM tests: %d, %v", len(vms), dl.Err())
	}
}
