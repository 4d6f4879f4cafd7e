package eval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/inventory"
)

// writeFleet writes files into a new temporary fleet directory.
func writeFleet(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, text := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func evaluate(t testing.TB, files map[string]string) (*Fleet, []string) {
	t.Helper()
	// Every host has a hardware configuration, so the warning about its
	// absence does not crowd the diagnostics the tests are about.
	for p := range files {
		if dir, ok := strings.CutSuffix(p, "/host.toml"); ok && strings.HasPrefix(p, "hosts/") {
			if _, ok := files[dir+"/hardware-configuration.nix"]; !ok {
				files[dir+"/hardware-configuration.nix"] = "{ }\n"
			}
		}
	}
	inv, diags := inventory.Load(writeFleet(t, files))
	f, err := Evaluate(context.Background(), inv, Config{})
	if err != nil {
		t.Fatal(err)
	}
	diags.Append(f.Diags)
	var msgs []string
	for _, d := range diags.Items() {
		msgs = append(msgs, d.Severity.String()+": "+d.Pos.String()+": "+d.Message)
	}
	return f, msgs
}

const host = `platform = "nixos"
system = "x86_64-linux"
state_version = "24.05"
`

func TestMergeRules(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		path  string
		want  string // the resolved value, Describe()d
		from  string // Node.From()
		diags []string
	}{
		{
			name: "host overrides profile overrides common",
			files: map[string]string{
				"common/common.toml": "[nixos.time]\ntimeZone = \"UTC\"\n",
				"profiles/p.toml":    "[nixos.time]\ntimeZone = \"Europe/Paris\"\n",
				"hosts/h/host.toml":  host + "profile = \"p\"\n[nixos.time]\ntimeZone = \"Asia/Tokyo\"\n",
			},
			path: "nixos.time.timeZone", want: `"Asia/Tokyo"`, from: "host h hosts/h/host.toml:6:12",
		},
		{
			name: "profile chain: parents first",
			files: map[string]string{
				"profiles/base.toml": "[nixos.x]\na = 1\nb = 1\n",
				"profiles/mid.toml":  "extends = \"base\"\n[nixos.x]\nb = 2\n",
				"profiles/leaf.toml": "extends = \"mid\"\n[nixos.x]\nc = 3\n",
				"hosts/h/host.toml":  host + "profile = \"leaf\"\n",
			},
			path: "nixos.x", want: "{ a = 1, b = 2, c = 3 }", from: "profile base, profile mid, profile leaf",
		},
		{
			name: "lists concatenate without duplicates",
			files: map[string]string{
				"common/common.toml": "packages = [\"git\", \"htop\"]\n",
				"roles/r.toml":       "packages = [\"htop\", \"tcpdump\"]\n",
				"hosts/h/host.toml":  host + "roles = [\"r\"]\npackages = [\"git\", \"vim\"]\n",
			},
			path: "packages", want: `["git", "htop", "tcpdump", "vim"]`, from: "common, role r, host h",
		},
		{
			name: "force replaces a list",
			files: map[string]string{
				"common/common.toml": "[nixos.networking]\nnameservers = [\"1.1.1.1\"]\n",
				"hosts/h/host.toml":  host + "[force.nixos.networking]\nnameservers = [\"9.9.9.9\"]\n",
			},
			path: "nixos.networking.nameservers", want: `["9.9.9.9"]`, from: "host h hosts/h/host.toml:5:15",
		},
		{
			name: "force replaces a table",
			files: map[string]string{
				"common/common.toml": "[nixos.x]\na = 1\nb = 2\n",
				"hosts/h/host.toml":  host + "[force.nixos]\nx = { c = 3 }\n",
			},
			path: "nixos.x", want: "{ c = 3 }", from: "common, host h",
		},
		{
			name: "force with a header table replaces its values one by one",
			files: map[string]string{
				"common/common.toml": "[nixos.x]\na = [1]\nb = 2\n",
				"hosts/h/host.toml":  host + "[force.nixos.x]\na = [3]\n",
			},
			path: "nixos.x", want: "{ a = [3], b = 2 }", from: "common, host h",
		},
		{
			name: "peers that agree are fine",
			files: map[string]string{
				"roles/a.toml":      "[nixos.x]\nv = 1\n",
				"roles/b.toml":      "[nixos.x]\nv = 1\n",
				"hosts/h/host.toml": host + "roles = [\"a\", \"b\"]\n",
			},
			path: "nixos.x.v", want: "1", from: "role b roles/b.toml:2:5",
		},
		{
			name: "peers that disagree conflict",
			files: map[string]string{
				"roles/a.toml":      "[nixos.x]\nv = 1\n",
				"roles/b.toml":      "[nixos.x]\nv = 2\n",
				"hosts/h/host.toml": host + "roles = [\"a\", \"b\"]\n",
			},
			path: "nixos.x.v", want: "1", from: "role a roles/a.toml:2:5",
			diags: []string{"error: roles/b.toml:2:5: conflicting values for nixos.x.v: role a sets 1, role b sets 2"},
		},
		{
			name: "a profile is not a peer of a role",
			files: map[string]string{
				"profiles/p.toml":   "[nixos.x]\nv = 1\n",
				"roles/b.toml":      "[nixos.x]\nv = 2\n",
				"hosts/h/host.toml": host + "profile = \"p\"\nroles = [\"b\"]\n",
			},
			path: "nixos.x.v", want: "2", from: "role b roles/b.toml:2:5",
		},
		{
			name: "modules enable, a higher layer disables",
			files: map[string]string{
				"common/common.toml":          "modules = [\"m\"]\n",
				"modules/nixos/m/default.nix": "{ }",
				"hosts/h/host.toml":           host + "[settings.m]\nenable = false\n",
			},
			path: "settings.m.enable", want: "false", from: "host h hosts/h/host.toml:5:10",
		},
		{
			name: "secret and expr values",
			files: map[string]string{
				"hosts/h/host.toml": host + "age_key = \"age1x\"\n[nixos.services.x]\npasswordFile = { secret = \"a/b\" }\npackage = { expr = \"pkgs.hello\" }\n",
				"secrets/a/b.yaml":  "x: y\n",
			},
			path: "nixos.services.x", want: `{ package = { expr = "pkgs.hello" }, passwordFile = { secret = "a/b" } }`, from: "host h hosts/h/host.toml:5:17",
		},
		{
			name: "home: user between roles and host",
			files: map[string]string{
				"common/common.toml": "[home.programs.git]\nenable = true\n",
				"users/u/user.toml":  "[home.programs.git.settings.user]\nemail = \"u@home\"\n",
				"hosts/h/host.toml":  host + "users = [\"u\"]\n",
				"hosts/w/host.toml":  host + "users = [\"u\"]\n[home.programs.git.settings.user]\nemail = \"u@work\"\n",
			},
			path: "users.u.home.programs.git.settings.user.email", want: `"u@home"`, from: "user u users/u/user.toml:2:9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["fleet.toml"] = "name = \"t\"\n"
			f, diags := evaluate(t, tt.files)
			if diff := cmp.Diff(tt.diags, diags); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			n, err := f.Host("h").Lookup(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Describe(); got != tt.want {
				t.Errorf("value = %s, want %s", got, tt.want)
			}
			if got := n.From(); got != tt.from {
				t.Errorf("from = %q, want %q", got, tt.from)
			}
		})
	}
}

func TestHomeHostOverridesUser(t *testing.T) {
	f, diags := evaluate(t, map[string]string{
		"fleet.toml":        "name = \"t\"\n",
		"users/u/user.toml": "[home.programs.git.settings.user]\nemail = \"u@home\"\n",
		"hosts/w/host.toml": host + "users = [\"u\"]\n[home.programs.git.settings.user]\nemail = \"u@work\"\n",
	})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	n, err := f.Host("w").Lookup("users.u.home.programs.git.settings.user.email")
	if err != nil {
		t.Fatal(err)
	}
	x := Explain(n)
	var got []string
	for _, d := range x.Defs {
		got = append(got, d.Mark+" "+d.Layer+" "+d.Text)
	}
	want := []string{`overridden user u "u@home"`, `wins host w "u@work"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMatchSecret(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"backup/restic", "backup/restic", true},
		{"backup/*", "backup/restic", true},
		{"backup/*", "backup/x/y", false},
		{"backup/**", "backup/x/y", true},
		{"hosts/web/*", "hosts/web/tls", true},
		{"hosts/web/*", "hosts/db/tls", false},
		{"*/grafana-*", "monitoring/grafana-key", true},
		{"b*", "backup/x", false},
	}
	for _, tt := range tests {
		if got := MatchSecret(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchSecret(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestParsePath(t *testing.T) {
	got, err := ParsePath(`fleet.monitoring."a.b".c`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"settings", "monitoring", "a.b", "c"}, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{"", "a..b", "a.", `"a`, `"a"b`} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) succeeded", bad)
		}
	}
}

// fuzzModule declares options of many types, so that fuzzed settings are
// type-checked.
const fuzzModule = `{ lib, ... }: with lib; {
  options.fleet.m = {
    enable = mkEnableOption "m";
    port = mkOption { type = types.port; default = 1; };
    mode = mkOption { type = types.enum [ "a" "b" ]; default = "a"; };
    list = mkOption { type = types.listOf types.str; default = [ ]; };
    attrs = mkOption { type = types.attrsOf (types.either types.int types.str); default = { }; };
    sub = mkOption { type = types.submodule { options.x = mkOption { type = types.nullOr types.path; default = null; }; }; default = { }; };
    pkg = mkOption { type = types.package; };
    f = mkOption { type = types.float; default = 1.5; };
  };
}`

// FuzzEvaluate feeds arbitrary host, profile and role files to loading
// and evaluation: they must report problems, never panic.
func FuzzEvaluate(f *testing.F) {
	f.Add(host+"profile = \"p\"\nroles = [\"r\"]\n", "[nixos.x]\na = 1\n", "[nixos.x]\na = [1]\n")
	f.Add(host+"modules = [\"m\"]\nage_key = \"age1x\"\n[settings.m]\nport = 80\nsub.x = { secret = \"a/b\" }\n", "[settings.m]\nmode = \"c\"\nattrs.k = 1.5\n", "[force.settings.m]\nlist = [\"x\"]\n")
	f.Add(host+"[force.nixos]\nx = { expr = \"1\" }\n", "extends = \"p\"\n", "[requires]\nplatform = \"darwin\"\n")
	f.Add("platform = \"darwin\"\nsystem = \"aarch64-darwin\"\nstate_version = 6\nusers = [\"u\"]\n", "modules = [\"m\"]\n", "secrets = [\"a/*\"]\n")
	f.Fuzz(func(t *testing.T, hostSrc, profileSrc, roleSrc string) {
		dir := writeFleet(t, map[string]string{
			"fleet.toml":                  "name = \"t\"\n",
			"hosts/h/host.toml":           hostSrc,
			"profiles/p.toml":             profileSrc,
			"roles/r.toml":                roleSrc,
			"users/u/user.toml":           "[home.x]\ny = 1\n",
			"modules/nixos/m/default.nix": fuzzModule,
			"modules/home/h/default.nix":  fuzzModule,
			"secrets/a/b.yaml":            "b: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n",
		})
		inv, diags := inventory.Load(dir)
		fl, err := Evaluate(context.Background(), inv, benchConfig())
		if err != nil {
			t.Fatal(err)
		}
		diags.Append(fl.Diags)
		for _, d := range diags.Items() {
			if !d.Pos.IsValid() || strings.Contains(d.Message, "%!") {
				t.Fatalf("bad diagnostic: %+v", d)
			}
		}
		for _, h := range fl.Hosts {
			for _, e := range Flatten(h.Tree, nil) {
				_ = Explain(e.Node)
				if _, err := h.Lookup(e.Path); err != nil {
					t.Fatalf("flattened path %s does not look up: %v", e.Path, err)
				}
			}
		}
	})
}

func TestPlainTypesValues(t *testing.T) {
	f, diags := evaluate(t, map[string]string{
		"fleet.toml":        "name = \"t\"\n",
		"secrets/a/b.yaml":  "x: y\n",
		"hosts/h/host.toml": host + "age_key = \"age1x\"\n[nixos.x]\ns = \"v\"\ni = 3\nf = 1.5\nb = false\nl = [1, 2]\nt = { k = \"v\" }\np = { secret = \"a/b\" }\ne = { expr = \"pkgs.hello\" }\n",
	})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	n, err := f.Host("h").Lookup("nixos.x")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"s": "v", "i": int64(3), "f": 1.5, "b": false, "l": []any{int64(1), int64(2)},
		"t": map[string]any{"k": "v"}, "p": map[string]any{"secret": "a/b"}, "e": map[string]any{"expr": "pkgs.hello"},
	}
	if diff := cmp.Diff(want, Plain(n)); diff != "" {
		t.Errorf("Plain (-want +got):\n%s", diff)
	}
	x := Explain(n.Fields.At("i"))
	if x.Value != int64(3) || x.Text != "3" {
		t.Errorf("Explain: value %#v text %q, want 3 and \"3\"", x.Value, x.Text)
	}
}

// TestEvaluateCancelled: a cancelled evaluation returns the context's
// error, not a fleet with hosts left out.
func TestEvaluateCancelled(t *testing.T) {
	inv, _ := inventory.Load(writeFleet(t, map[string]string{
		"fleet.toml":        "",
		"hosts/a/host.toml": host,
		"hosts/b/host.toml": host,
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, err := Evaluate(ctx, inv, Config{})
	if !errors.Is(err, context.Canceled) || f != nil {
		t.Errorf("Evaluate after cancel: %v, %v; want nil and context.Canceled", f, err)
	}
}
