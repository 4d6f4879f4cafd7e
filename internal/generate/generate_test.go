package generate

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

const nixosHost = `platform = "nixos"
system = "x86_64-linux"
state_version = "24.05"
`

// cases are small fleets, one per construct; their generated files are
// golden files under testdata/<case>/. FLEET_UPDATE=1 rewrites them.
var cases = map[string]map[string]string{
	"containers": {
		"containers/app.toml": `description = "A web app with a database"
image = "ghcr.io/example/app:2.1.0@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5"
cmd = ["serve", "--port=8080"]
entrypoint = "/bin/app"
user = "1000:1000"
workdir = "/srv"
hostname = "app"
ports = ["8080:8080", "127.0.0.1:9090:9090", "60000-60010:60000-60010/udp"]
volumes = ["/var/lib/app:/data", "/srv/media:/media:ro", "app-cache:/cache"]
config_files = { "/etc/app/app.yml" = "containers/app/app.yml", "/etc/app/templates" = "containers/app/templates" }
environment = { TZ = "Europe/Berlin", DB_PASSWORD = { secret = "app/db", key = "password" }, API_TOKEN = { secret = "app/token" } }
networks = ["backend"]
depends_on = ["db"]
labels = { "traefik.enable" = "true" }
devices = ["/dev/dri:/dev/dri"]
pull = "always"
open_firewall = true
extra_options = ["--cap-drop=ALL"]

[health_check]
command = "curl -fsS http://localhost:8080/health || exit 1"
interval = "30s"
timeout = "5s"
start_period = "1m"
retries = 3

[resources]
memory = "512m"
cpus = 1.5
pids = 200
`,
		"containers/db.toml": `image = "docker.io/library/postgres:16.4@sha256:5b8b6d8ad8b2c8b7e4f6a0c5b2f0d5c1c7b4a2e8e1f2a3b4c5d6e7f8091a2b3c"
volumes = ["/var/lib/postgres:/var/lib/postgresql/data"]
environment = { POSTGRES_PASSWORD_FILE = "/run/secrets/postgres_password", POSTGRES_USER_FILE = "/run/secrets/postgres_user" }
networks = ["backend"]

[secret_files]
"/run/secrets/postgres_password" = { secret = "app/db", key = "password" }
"/run/secrets/postgres_user" = { secret = "app/db", key = "user", mode = "0444" }
`,
		"containers/app/app.yml":            "listen: :8080\n",
		"containers/app/templates/mail.txt": "Hello {{ .Name }}\n",
		"containers/watchtower.toml": `image = "docker.io/containrrr/watchtower:1.7.1"
auto_update = "registry"
auto_start = false
`,
		"hosts/box/host.toml": `platform = "nixos"
system = "x86_64-linux"
state_version = "24.05"
age_key = "age1lh4gvvtwqz5xr8kkhhjg7fws99q4pvh7qryg8r265f2d78ug8ehq8dhpvm"
containers = ["app", "db", "watchtower"]
`,
		"hosts/lab/host.toml": `platform = "nixos"
system = "aarch64-linux"
state_version = "24.05"
age_key = "age1lh4gvvtwqz5xr8kkhhjg7fws99q4pvh7qryg8r265f2d78ug8ehq8dhpvm"
container_backend = "docker"

[containers.db]
[containers.db-test]
from = "db"
volumes = ["/var/lib/postgres-test:/var/lib/postgresql/data"]
networks = ["test"]
`,
		"secrets/app/db.yaml":    "password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nuser: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n    version: 3.13.3\n",
		"secrets/app/token.yaml": "token: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n    version: 3.13.3\n",
	},
	"minimal": {
		"hosts/box/host.toml": nixosHost,
	},
	"modules-and-packages": {
		"common/common.toml":                   "modules = [\"ssh\"]\npackages = [\"git\", \"python3Packages.black\"]\n[settings.ssh]\nport = 2222\nshell = \"bashInteractive\"\n",
		"modules/nixos/ssh/default.nix":        "{ lib, ... }: { options.fleet.ssh = { enable = lib.mkEnableOption \"ssh\"; port = lib.mkOption { type = lib.types.port; default = 22; }; keys = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; }; shell = lib.mkOption { type = lib.types.package; }; }; }\n",
		"modules/nixos/tool.nix":               "{ lib, ... }: { options.fleet.tool.enable = lib.mkEnableOption \"tool\"; }\n",
		"hosts/box/host.toml":                  nixosHost + "description = \"a box\"\npackages = [\"mytool\"]\n",
		"hosts/box/hardware-configuration.nix": "{ }\n",
		"packages/mytool/default.nix":          "{ writeShellScriptBin }: writeShellScriptBin \"mytool\" \"echo hi\"\n",
		"templates/go/README.md":               "# A Go project with a dev shell\n",
		"templates/go/flake.nix":               "{ }\n",
		"templates/go/template.toml":           "description = \"A Go project with a dev shell\"\n",
		"common/nixos.nix":                     "{ }\n",
	},
	"values": {
		"hosts/box/host.toml": nixosHost + `[nixos.services.x]
enable = true
name = "with \"quotes\" and ${dollar}"
text = """
first line
  indented ${x} ''quoted''
last line
"""
ratio = 0.25
big = 1e21
negative = [-1, 2]
when = 1979-05-27
package = { expr = "pkgs.hello" }
call = { expr = "lib.mkForce 3" }
"key with spaces" = 1
"if" = true
[nixos.networking]
hostName = "override"
`,
	},
	"users-and-home": {
		"users/alex/user.toml": `description = "Alex"
uid = 1000
shell = "zsh"
admin = true
groups = ["video"]
ssh_keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE alex@laptop"]
home_modules = ["git"]
home_packages = ["ripgrep"]
[home_settings.git]
email = "alex@example.org"
[home.programs.direnv]
enable = true
nix-direnv.enable = true
`,
		"users/alex/home.nix":          "{ }\n",
		"users/sam/user.toml":          "shell = \"fish\"\nhome_packages = [\"jq\"]\n[standalone]\nsystem = \"x86_64-linux\"\nstate_version = \"25.05\"\n[home.programs.fish]\nenable = true\n",
		"modules/home/git/default.nix": "{ lib, ... }: { options.fleet.git = { enable = lib.mkEnableOption \"git\"; email = lib.mkOption { type = lib.types.str; }; }; }\n",
		"common/home.nix":              "{ }\n",
		"hosts/box/host.toml":          nixosHost + "users = [\"alex\", \"sam\"]\n",
		"hosts/mac/host.toml":          "platform = \"darwin\"\nsystem = \"aarch64-darwin\"\nstate_version = 6\nhome_state_version = \"25.05\"\nusers = [\"sam\", \"alex\"]\n[darwin.homebrew]\nenable = true\ncasks = [\"firefox\"]\n",
	},
	"secrets": {
		"hosts/box/host.toml": nixosHost + `age_key = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"
[nixos.services.restic.backups.home]
passwordFile = { secret = "backup/restic" }
repositoryFile = { secret = "backup/repo", key = "url", owner = "restic", mode = "0440", restart_units = ["restic-backups-home.service"] }
[nixos.services.other]
tokenFile = { secret = "api/token" }
`,
		"secrets/backup/restic.yaml": "password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n    version: 3.13.3\n",
		"secrets/backup/repo.json":   "{\"url\": \"ENC[...]\", \"user\": \"ENC[...]\", \"sops\": {}}\n",
		"secrets/api/token.bin":      "{\"data\": \"ENC[...]\", \"sops\": {}}\n",
	},
}

func writeFleet(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["fleet.toml"] = "name = \"t\"\n"
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

func generateFleet(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	inv, diags := inventory.Load(dir)
	f, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
	if err != nil {
		t.Fatal(err)
	}
	diags.Append(f.Diags)
	if diags.HasErrors() {
		t.Fatalf("fleet has errors: %v", diags.Items())
	}
	files, gd := Files(f, syntax.Check)
	if gd.HasErrors() {
		t.Fatalf("generation: %v", gd.Items())
	}
	return files
}

func TestGolden(t *testing.T) {
	update := os.Getenv("FLEET_UPDATE") == "1"
	for name, fleet := range cases {
		t.Run(name, func(t *testing.T) {
			files := generateFleet(t, writeFleet(t, fleet))
			// Deterministic: a second run gives the same bytes.
			again := generateFleet(t, writeFleet(t, fleet))
			if diff := cmp.Diff(files, again); diff != "" {
				t.Fatalf("generation is not deterministic:\n%s", diff)
			}
			golden := filepath.Join("testdata", name)
			if update {
				os.RemoveAll(golden)
			}
			for p, data := range files {
				gp := filepath.Join(golden, filepath.FromSlash(p))
				if update {
					if err := os.MkdirAll(filepath.Dir(gp), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(gp, data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(gp)
				if err != nil {
					t.Fatalf("%v (run with FLEET_UPDATE=1 to create golden files)", err)
				}
				if diff := cmp.Diff(string(want), string(data)); diff != "" {
					t.Errorf("%s (-golden +generated):\n%s", p, diff)
				}
			}
		})
	}
}

// TestRoundTrip checks that every generated file prints back byte for byte
// through fleet's own parser.
func TestRoundTrip(t *testing.T) {
	for name, fleet := range cases {
		for p, data := range generateFleet(t, writeFleet(t, fleet)) {
			f, ds := syntax.Parse(p, data)
			if len(ds) > 0 {
				t.Errorf("%s/%s: %v", name, p, ds)
				continue
			}
			if got := f.Bytes(); string(got) != string(data) {
				t.Errorf("%s/%s: round trip differs", name, p)
			}
		}
	}
}

// TestNixParse checks every generated file with Nix 2.8's parser.
func TestNixParse(t *testing.T) {
	nix := needNix(t)
	for name, fleet := range cases {
		dir := writeFleet(t, fleet)
		files := generateFleet(t, dir)
		if err := Apply(dir, changesOf(files)); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for p := range files {
			paths = append(paths, filepath.Join(dir, filepath.FromSlash(p)))
		}
		cmd := exec.Command(nix, append([]string{"--parse"}, paths...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: nix-instantiate --parse: %v\n%s", name, err, out)
		}
	}
}

func changesOf(files map[string][]byte) []Change {
	var cs []Change
	for p, d := range files {
		cs = append(cs, Change{Path: p, New: d})
	}
	return cs
}

func needNix(t *testing.T) string {
	t.Helper()
	nix, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not found: install nix-bin (Nix 2.8) to check generated Nix with Nix itself")
	}
	return nix
}

// TestFilesOn checks that a host's file equal to the disk is not kept but
// listed as the same, and that the changes found from what is kept are
// those Changes finds from every file: an edited host file and a leftover
// of a host that is gone.
func TestFilesOn(t *testing.T) {
	total := 0 // unchanged host files checked
	defer func() {
		if total == 0 {
			t.Error("no case has a second host: nothing unchanged was checked")
		}
	}()
	for name, fleet := range cases {
		dir := writeFleet(t, fleet)
		files := generateFleet(t, dir)
		if err := Apply(dir, changesOf(files)); err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for p := range files {
			if strings.HasPrefix(p, Dir+"/hosts/") {
				hosts = append(hosts, p)
			}
		}
		slices.Sort(hosts)
		if len(hosts) == 0 {
			continue
		}
		edited := filepath.Join(dir, filepath.FromSlash(hosts[0]))
		if err := os.WriteFile(edited, []byte(Header+"\n{ }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		leftover := filepath.Join(dir, Dir, "hosts", "gone.nix")
		if err := os.WriteFile(leftover, []byte(Header+"\n{ }\n"), 0o644); err != nil {
			t.Fatal(err)
		}

		inv, _ := inventory.Load(dir)
		f, err := eval.Evaluate(context.Background(), inv, eval.Config{ReadOptions: options.Extract})
		if err != nil {
			t.Fatal(err)
		}
		kept, same, _, _, _ := FilesOn(dir, f, nil, nil, false)
		checked := 0
		for _, p := range hosts[1:] {
			checked++
			if !same[p] || kept[p] != nil {
				t.Errorf("%s: %s is unchanged but kept=%v same=%v", name, p, kept[p] != nil, same[p])
			}
		}
		total += checked
		if same[hosts[0]] || kept[hosts[0]] == nil {
			t.Errorf("%s: the edited %s is not kept", name, hosts[0])
		}
		got, err := ChangesExcept(dir, kept, same)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := Files(f, nil)
		want, err := Changes(dir, all)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: changes differ (-all +kept):\n%s", name, diff)
		}
		if len(want) < 2 {
			t.Errorf("%s: %d changes, want the edited file and the leftover at least", name, len(want))
		}
	}
}
