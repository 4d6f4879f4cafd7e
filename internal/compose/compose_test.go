package compose

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/inventory"
)

// The compose files of testdata/*.yaml are read as if they were in
// /srv/stacks/<name>/ (their env_file names are read from testdata/),
// with DOMAIN and TZ set in the environment. A first line
// "# options: prefix=P secrets" gives Options.Prefix and sets
// Options.Secrets. What Read writes and
// reports is compared with testdata/<name>.golden (FLEET_UPDATE=1
// rewrites them), and every definition must load in fleet without a
// finding.
func TestRead(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, dl := Read(filepath.Base(file), src, testOptions(name, src))
			var b bytes.Buffer
			diag.Render(&b, dl.Items())
			if res != nil {
				if dl.HasErrors() {
					t.Fatal("a result with errors")
				}
				b.WriteString("project " + res.Project + "\n")
				for _, d := range res.Definitions {
					rel := "containers/" + d.Name + ".toml"
					b.WriteString("\n# " + rel + " (" + d.Pos.String() + ")\n")
					b.Write(d.TOML)
					mustLoad(t, rel, d.TOML)
					for _, s := range d.Secrets {
						b.WriteString("# " + d.SecretFile() + ": " + s[0] + " = " + s[1] + "\n")
					}
					for _, f := range d.Files {
						b.WriteString("# " + f.Name + ": " + strconv.Quote(string(f.Src)) + "\n")
					}
				}
				runInFleet(t, res, dl)
			} else if !dl.HasErrors() {
				t.Fatal("no result and no error")
			}
			golden(t, "testdata/"+name+".golden", b.Bytes())
		})
	}
}

func testOptions(name string, src []byte) Options {
	o := Options{
		Folder: "/srv/stacks/" + name,
		Lookup: func(v string) (string, bool) {
			val, ok := map[string]string{"DOMAIN": "example.net", "TZ": "Europe/Berlin", "EMPTY": ""}[v]
			return val, ok
		},
		ReadFile: func(name string) ([]byte, error) {
			if !strings.HasPrefix(name, "/srv/stacks/") {
				return nil, fs.ErrNotExist
			}
			return os.ReadFile(filepath.Join("testdata", path.Base(name)))
		},
	}
	if first, _, _ := strings.Cut(string(src), "\n"); strings.HasPrefix(first, "# options:") {
		for _, opt := range strings.Fields(strings.TrimPrefix(first, "# options:")) {
			switch k, v, _ := strings.Cut(opt, "="); k {
			case "prefix":
				o.Prefix = v
			case "secrets":
				o.Secrets = true
			}
		}
	}
	return o
}

// runInFleet writes res's definitions into a fleet whose one NixOS host
// runs them all, and fails on any error fleet finds in it that the import
// did not warn about (found): the definitions are not only well-formed but
// make a fleet that checks.
func runInFleet(t *testing.T, res *Result, found *diag.List) {
	t.Helper()
	dir := t.TempDir()
	var names []string
	files := map[string]string{
		"fleet.toml":                           "name = \"t\"\n",
		"hosts/box/hardware-configuration.nix": "{ fileSystems.\"/\".device = \"/dev/disk/by-label/nixos\"; }\n",
	}
	for _, d := range res.Definitions {
		names = append(names, inventory.QuoteString(d.Name))
		files["containers/"+d.Name+".toml"] = string(d.TOML)
		for _, f := range d.Files {
			files[f.Name] = string(f.Src)
		}
	}
	files["hosts/box/host.toml"] = "platform = \"nixos\"\nsystem = \"x86_64-linux\"\nstate_version = \"24.05\"\ncontainers = [" + strings.Join(names, ", ") + "]\n"
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Diags.Items() {
		// The secret files are the import command's (and the host has no
		// key here): what is checked is that the references are there.
		// A host path two services write is marked shared, unless a
		// mount relabels it private (Z), which the import warns of.
		warned := d.Code == "container-volume-clash" && slices.ContainsFunc(found.Items(), func(w diag.Diagnostic) bool {
			return w.Code == "compose-shared-path" && strings.Contains(w.Message, "private (Z)")
		})
		if d.Severity == diag.Error && !strings.Contains(d.Message, "secret") && !warned {
			t.Errorf("the fleet running the definitions: %v (%s)", d, d.Code)
		}
	}
}

// mustLoad fails when fleet reports anything about a definition.
func mustLoad(t *testing.T, rel string, src []byte) {
	t.Helper()
	c, ds := inventory.ParseContainer(rel, src)
	if c == nil || len(ds) > 0 {
		t.Fatalf("%s does not load: %v\n%s", rel, ds, src)
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if os.Getenv("FLEET_UPDATE") == "1" {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (FLEET_UPDATE=1 writes it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got; FLEET_UPDATE=1 rewrites it):\n%s", file, d)
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "a", "EMPTY": "", "B_2": "b"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in, want, err string
		unset         []string
	}{
		{in: "plain", want: "plain"},
		{in: "$A/${A}x", want: "a/ax"},
		{in: "$B_2.$UNSET.", want: "b..", unset: []string{"UNSET"}},
		{in: "$$A costs $$5", want: "$A costs $5"},
		{in: "${UNSET:-d}${EMPTY:-e}${EMPTY-f}${UNSET-g}", want: "de" + "" + "g"},
		{in: "${UNSET:-${A}-${UNSET2:-z}}", want: "a-z"},
		{in: "${A:+yes}${EMPTY:+no}${EMPTY+set}${UNSET+no}", want: "yesset"},
		{in: "${A:?}${EMPTY?}", want: "a"},
		{in: "${UNSET}", want: "", unset: []string{"UNSET"}},
		{in: "cost $5, $ and end$", want: "cost $5, $ and end$"},
		{in: "${EMPTY:?give it}", err: "variable EMPTY is not set: give it"},
		{in: "${UNSET?}", err: "variable UNSET is not set: it is required"},
		{in: "${A", err: "not closed"},
		{in: "${1A}", err: "does not start with a variable name"},
		{in: "${A:x}", err: `":x" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, unset, err := expand(tt.in, lookup)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("= %q, %v; want %q", got, err, tt.want)
			}
			if d := cmp.Diff(tt.unset, unset); d != "" {
				t.Fatalf("unset (-want +got)\n%s", d)
			}
		})
	}
}

func TestParseEnvFile(t *testing.T) {
	src := "# comment\n\nexport A=1\nB = two words  # note\nC='single # kept $A'\nD=\"line\\nbreak \\\"q\\\" $A\" # c\nE=\nnot a pair\nF=a=b\nG='it\\'s \\t'\nH=${A}-${HOME}\n"
	got, err := ParseEnvFile([]byte(src), func(k string) (string, bool) { return "/home/x", k == "HOME" })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "single # kept $A", "D": "line\nbreak \"q\" 1", "E": "", "F": "a=b", "G": `it's \t`, "H": "1-/home/x"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
	for _, bad := range []string{"1A=x\n", "A='open\n", "A=\"open\n", "A-B=x\n"} {
		if _, err := ParseEnvFile([]byte(bad), nil); err == nil {
			t.Errorf("%q: no error", bad)
		} else if strings.Contains(err.Error(), "open") {
			t.Errorf("%q: the error shows the value: %v", bad, err)
		}
	}
}

func TestAppendToList(t *testing.T) {
	items := []string{`"x"`, `"y"`}
	tests := []struct{ name, src, want string }{
		{"one line", "containers = [\"a\", \"b\"]\n", "containers = [\"a\", \"b\", \"x\", \"y\"]\n"},
		{"empty", "containers = []\n", "containers = [\"x\", \"y\"]\n"},
		{"trailing comma on a line", "containers = [\"a\",]\n", "containers = [\"a\", \"x\", \"y\",]\n"},
		{"a line each", "containers = [\n  \"a\",\n  \"b\",\n]\n", "containers = [\n  \"a\",\n  \"b\",\n  \"x\",\n  \"y\",\n]\n"},
		{"a line each, no last comma, comments", "containers = [\n    \"a\", # the ] one\n    'b' # \"quoted\"\n]\nx = 1\n", "containers = [\n    \"a\", # the ] one\n    'b', # \"quoted\"\n    \"x\",\n    \"y\",\n]\nx = 1\n"},
		{"bracket after the last", "containers = [\n  \"a\",\n  \"b\"]\n", "containers = [\n  \"a\",\n  \"b\", \"x\", \"y\"]\n"},
		{"escaped quote", "containers = [\"a\\\"]\"]\n", "containers = [\"a\\\"]\", \"x\", \"y\"]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ds := inventory.ParseTOML("f.toml", []byte(tt.src))
			if len(ds) > 0 {
				t.Fatal(ds)
			}
			got, ok := appendToList([]byte(tt.src), v.Get("containers").Pos, items)
			if !ok {
				t.Fatal("not appended")
			}
			if d := cmp.Diff(tt.want, string(got)); d != "" {
				t.Fatalf("(-want +got)\n%s", d)
			}
			checkAppended(t, tt.src, got, []string{"x", "y"})
		})
	}
	if _, ok := appendToList([]byte("a = 1\n"), diag.Pos{Line: 1, Col: 5}, items); ok {
		t.Fatal("appended to a number")
	}
}

// checkAppended checks that out parses, and that its containers list is
// src's with names after it.
func checkAppended(t *testing.T, src string, out []byte, names []string) {
	t.Helper()
	before, _ := inventory.ParseTOML("f.toml", []byte(src))
	after, ds := inventory.ParseTOML("f.toml", out)
	for _, d := range ds {
		if d.Severity == diag.Error {
			t.Fatalf("the result does not parse: %v\n%s", d, out)
		}
	}
	strs := func(v *inventory.Value) []string {
		var s []string
		for _, e := range v.Get("containers").List {
			s = append(s, e.Describe())
		}
		return s
	}
	want := strs(before)
	for _, n := range names {
		want = append(want, inventory.QuoteString(n))
	}
	if d := cmp.Diff(want, strs(after)); d != "" {
		t.Fatalf("list (-want +got)\n%s\n%s", d, out)
	}
}

func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("services:\n  a:\n    image: x\n    ports: [{target: 80, published: 8080, host_ip: '::1'}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, dl := Read("compose.yaml", src, testOptions("fuzz", src))
		if res == nil {
			if !dl.HasErrors() {
				t.Fatal("no result and no error")
			}
			return
		}
		for _, d := range dl.Items() {
			if d.Severity == diag.Error {
				t.Fatalf("a result with an error: %v", d)
			}
			if !d.Pos.IsValid() || d.Pos.Line < 1 {
				t.Fatalf("no position: %v", d)
			}
		}
		for _, d := range res.Definitions {
			mustLoad(t, "containers/"+d.Name+".toml", d.TOML)
			for _, f := range d.Files {
				if dir, _ := path.Split(f.Name); dir != "containers/"+d.Name+"/" {
					t.Fatalf("config file %q is not in containers/%s/", f.Name, d.Name)
				}
			}
		}
		// With the secrets moved out, the definitions load too.
		o := testOptions("fuzz", src)
		o.Secrets = true
		if res, _ := Read("compose.yaml", src, o); res != nil {
			for _, d := range res.Definitions {
				mustLoad(t, "containers/"+d.Name+".toml", d.TOML)
			}
		}
	})
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${A:-${B}}", "$$", "${A?x}", "$A$B", "${A:+b}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := expand(s, func(k string) (string, bool) { return "v", k == "A" })
		if err == nil && !strings.Contains(s, "$") && got != s {
			t.Fatalf("%q became %q", s, got)
		}
	})
}

func FuzzAppendToList(f *testing.F) {
	for _, s := range []string{"containers = [\"a\"]\n", "containers = [\n  \"a\", # x\n]\n", "containers = ['''a]''', \"\"\"b\"\"\"]\n", "x = 1\ncontainers = [ ]\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, ds := inventory.ParseTOML("f.toml", []byte(src))
		if v == nil || len(ds) > 0 {
			return
		}
		c := v.Get("containers")
		if c == nil || c.Kind != inventory.Array {
			return
		}
		out, ok := appendToList([]byte(src), c.Pos, []string{`"x"`})
		if !ok {
			t.Fatalf("not appended to the list of %q", src)
		}
		checkAppended(t, src, out, []string{"x"})
	})
}

// TestProject: the project's name is --project, else COMPOSE_PROJECT_NAME,
// else the file's name key, else the folder's name, in compose's form.
func TestProject(t *testing.T) {
	src := []byte("name: Named\nservices:\n  a:\n    image: x\n")
	noName := []byte("services:\n  a:\n    image: x\n")
	env := func(v string) Lookup {
		return func(k string) (string, bool) { return v, k == "COMPOSE_PROJECT_NAME" && v != "" }
	}
	tests := []struct {
		name    string
		src     []byte
		project string
		lookup  Lookup
		want    string
	}{
		{"flag", src, "Given", env("fromenv"), "given"},
		{"environment", src, "", env("FromEnv"), "fromenv"},
		{"name key", src, "", env(""), "named"},
		{"folder", noName, "", env(""), "mystack-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, dl := Read("c.yaml", tt.src, Options{Project: tt.project, Lookup: tt.lookup, Folder: "/srv/My Stack.-2"})
			if res == nil {
				t.Fatal(dl.Items())
			}
			if res.Project != tt.want {
				t.Fatalf("project %q, want %q", res.Project, tt.want)
			}
		})
	}
}

// TestReadFiles: an override file merges over the compose file as compose
// merges them (ports appended, mounts replaced by target, environment by
// name, command replaced), and extends merges a service over another, of
// the file or of another file. Positions name the file each value is from.
func TestReadFiles(t *testing.T) {
	var fs []File
	for _, name := range []string{"merge-base.yml", "merge-override.yml"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, File{Name: name, Src: src})
	}
	res, dl := ReadFiles(fs, testOptions("merge", nil))
	var b bytes.Buffer
	diag.Render(&b, dl.Items())
	if res == nil {
		t.Fatalf("no result:\n%s", b.String())
	}
	for _, d := range res.Definitions {
		rel := "containers/" + d.Name + ".toml"
		b.WriteString("\n# " + rel + " (" + d.Pos.String() + ")\n")
		b.Write(d.TOML)
		mustLoad(t, rel, d.TOML)
	}
	runInFleet(t, res, dl)
	golden(t, "testdata/merge.golden", b.Bytes())
}

func FuzzReadFiles(f *testing.F) {
	base, _ := os.ReadFile("testdata/merge-base.yml")
	over, _ := os.ReadFile("testdata/merge-override.yml")
	f.Add(base, over)
	f.Add([]byte("services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n"), []byte("services:\n  a:\n    ports: [80]\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res, dl := ReadFiles([]File{{Name: "a.yaml", Src: a}, {Name: "b.yaml", Src: b}}, testOptions("fuzz", nil))
		if res == nil {
			if !dl.HasErrors() {
				t.Fatal("no result and no error")
			}
			return
		}
		for _, d := range dl.Items() {
			if d.Pos.File != "a.yaml" && d.Pos.File != "b.yaml" && !strings.HasPrefix(d.Pos.File, "merge-") {
				t.Fatalf("a finding in no file: %v", d)
			}
		}
		for _, d := range res.Definitions {
			mustLoad(t, "containers/"+d.Name+".toml", d.TOML)
		}
	})
}
