package inventory

import (
	"slices"
	"strings"
	"testing"
)

func TestParseContainer(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		codes []string
		keys  []string // the keys left after checking
	}{
		{"full", `description = "d"
image = "docker.io/library/redis:7@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5"
cmd = ["a"]
ports = ["1:1"]
environment = { A = "b", S = { secret = "x/y" } }
labels = { l = "v" }
[health_check]
command = "true"
retries = 3
[resources]
cpus = 2
memory = "1g"
`, nil, []string{"description", "image", "cmd", "ports", "environment", "labels", "health_check", "resources"}},
		{"unknown key", "image = \"a\"\nimgae = \"b\"\n", []string{"unknown-key"}, []string{"image"}},
		{"wrong types", "image = 1\nports = \"80:80\"\nauto_start = \"yes\"\n", []string{"type", "type", "type"}, nil},
		{"no image", "description = \"x\"\n", []string{"missing-key"}, []string{"description"}},
		{"bad env", "image = \"a\"\nenvironment = { A = 1, B = \"ok\" }\n", []string{"type"}, []string{"image", "environment"}},
		{"bad enum", "image = \"a\"\nauto_update = \"daily\"\npull = \"sometimes\"\n", []string{"value", "value"}, []string{"image"}},
		{"health without command", "image = \"a\"\n[health_check]\ninterval = \"1s\"\n", []string{"missing-key"}, []string{"image"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ds := ParseContainer("containers/c.toml", []byte(tt.src))
			var codes []string
			for _, d := range ds {
				codes = append(codes, d.Code)
				if !d.Pos.IsValid() || d.Pos.Line < 1 {
					t.Errorf("diagnostic without a position: %+v", d)
				}
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("codes %v, want %v (%v)", codes, tt.codes, ds)
			}
			if !slices.Equal(c.Body.Keys(), tt.keys) {
				t.Errorf("keys %v, want %v", c.Body.Keys(), tt.keys)
			}
		})
	}
}

// FuzzContainerFile feeds container definitions to the loader: it never
// panics, every diagnostic has a position, and what it keeps has only
// allowed keys of the allowed types.
func FuzzContainerFile(f *testing.F) {
	for _, s := range []string{
		"image = \"docker.io/library/redis:7.4\"\nports = [\"6379:6379\"]\n",
		"image = \"a\"\nenvironment = { A = \"b\", S = { secret = \"x/y\", key = \"k\" } }\nlabels = { l = \"v\" }\n",
		"image = \"a\"\n[health_check]\ncommand = \"true\"\nretries = 3\n[resources]\ncpus = 1.5\nmemory = \"1g\"\npids = 10\n",
		"image = \"a\"\nvolumes = [\"/a:/b:ro\", \"v:/c\"]\ndepends_on = [\"db\"]\nauto_update = \"registry\"\n",
		"imgae = 1\n[resources]\nmemroy = 1\n",
		"image = \"a\"\nenvironment = 3\nhealth_check = \"x\"\n",
		"image = \"a\"\n[config_files]\n\"/etc/a\" = \"containers/a/a.conf\"\n\"/etc/b\" = \"../b\"\n\"c\" = \"c\"\n\"/d\" = 1\n",
		"image = \"a\"\n[secret_files]\n\"/run/secrets/a\" = { secret = \"x/y\", key = \"k\" }\n\"b\" = { secret = \"x/y\" }\n\"/c\" = 1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, ds := ParseContainer("containers/c.toml", []byte(src))
		for _, d := range ds {
			if d.Pos.File != "containers/c.toml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Fatalf("diagnostic without a position: %+v", d)
			}
		}
		if c == nil {
			if len(ds) == 0 {
				t.Fatal("no definition and no diagnostic")
			}
			return
		}
		for k, v := range c.Body.Entries() {
			if v == nil || !slices.Contains(ContainerKeys, k) {
				t.Fatalf("kept key %q", k)
			}
			switch k {
			case "cmd", "ports", "volumes", "networks", "depends_on", "devices", "extra_options":
				for _, e := range v.List {
					if e.Kind != String {
						t.Fatalf("%s keeps a %s", k, e.Kind)
					}
				}
			case "config_files":
				for _, n := range v.Keys() {
					if f := v.Get(n); !strings.HasPrefix(n, "/") || strings.Contains(n, ":") || f.Kind != String || !fleetPath(f.Str) {
						t.Fatalf("%s keeps %s = %s", k, n, f.Describe())
					}
				}
			case "secret_files":
				for _, n := range v.Keys() {
					if f := v.Get(n); !strings.HasPrefix(n, "/") || strings.Contains(n, ":") || SpecialKind(f) != "secret" {
						t.Fatalf("%s keeps %s = %s", k, n, f.Describe())
					}
				}
			case "environment", "labels":
				for _, n := range v.Keys() {
					if f := v.Get(n); f.Kind != String && SpecialKind(f) != "secret" {
						t.Fatalf("%s.%s keeps %s", k, n, f.Describe())
					}
				}
			case "health_check":
				if v.Get("command") == nil {
					t.Fatal("health_check kept without a command")
				}
			}
		}
		if strings.Contains(src, "\x00") && len(ds) == 0 {
			t.Fatal("a NUL byte passed without a diagnostic")
		}
	})
}
