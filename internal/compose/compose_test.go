package compose

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
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
				}
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
	tests := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"$A/${A}x", "a/ax", ""},
		{"$B_2.$UNSET.", "b..", ""},
		{"$$A costs $$5", "$A costs $5", ""},
		{"${UNSET:-d}${EMPTY:-e}${EMPTY-f}${UNSET-g}", "de" + "" + "g", ""},
		{"${UNSET:-${A}-${UNSET:-z}}", "a-z", ""},
		{"${A:+yes}${EMPTY:+no}${EMPTY+set}${UNSET+no}", "yesset", ""},
		{"${A:?}${EMPTY?}", "a", ""},
		{"${EMPTY:?give it}", "", "variable EMPTY is not set: give it"},
		{"${UNSET?}", "", "variable UNSET is not set: it is required"},
		{"${A", "", "not closed"},
		{"${1A}", "", "does not start with a variable name"},
		{"${A:x}", "", `":x" is not one of`},
		{"cost $5", "", `'$' is followed by "5"`},
		{"end$", "", "a '$' ends the value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := expand(tt.in, lookup)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("= %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseEnvFile(t *testing.T) {
	src := "# comment\n\nexport A=1\nB = two words  # note\nC='single # kept'\nD=\"line\\nbreak \\\"q\\\"\" # c\nE=\nnot a pair\nF=a=b\n"
	got, err := ParseEnvFile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "single # kept", "D": "line\nbreak \"q\"", "E": "", "F": "a=b"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}
	for _, bad := range []string{"1A=x\n", "A='open\n", "A=\"open\n", "A-B=x\n"} {
		if _, err := ParseEnvFile([]byte(bad)); err == nil {
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
		got, err := expand(s, func(k string) (string, bool) { return "v", k == "A" })
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
		fs = append(fs, File{name, src})
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
	golden(t, "testdata/merge.golden", b.Bytes())
}

func FuzzReadFiles(f *testing.F) {
	base, _ := os.ReadFile("testdata/merge-base.yml")
	over, _ := os.ReadFile("testdata/merge-override.yml")
	f.Add(base, over)
	f.Add([]byte("services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n"), []byte("services:\n  a:\n    ports: [80]\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		res, dl := ReadFiles([]File{{"a.yaml", a}, {"b.yaml", b}}, testOptions("fuzz", nil))
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
