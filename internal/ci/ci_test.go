package ci

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/fleettest"
)

func homelab(t *testing.T) *eval.Fleet {
	t.Helper()
	f, err := fleet.Load(context.Background(), filepath.Join("..", "..", "examples", "homelab"), fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Diags.HasErrors() {
		t.Fatalf("the example has errors: %v", f.Diags.Err())
	}
	return f.Eval
}

// TestWorkflowsGolden pins the workflows written for the example fleet.
// FLEET_UPDATE=1 rewrites the golden files.
func TestWorkflowsGolden(t *testing.T) {
	files := Workflows(homelab(t), true, Options{})
	for _, p := range []string{WorkflowFile, FlakeUpdateFile} {
		golden := filepath.Join("testdata", filepath.Base(p))
		if os.Getenv("FLEET_UPDATE") == "1" {
			if err := os.WriteFile(golden, files[p], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(files[p])); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", p, golden, diff)
		}
	}
}

// TestWorkflowsActionlint lints every variant of the workflows with
// actionlint: expressions, contexts, job dependencies, action inputs of
// popular actions, and (with shellcheck installed) the run scripts.
func TestWorkflowsActionlint(t *testing.T) {
	f := homelab(t)
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: run scripts are not checked (.ci/run installs it)")
	}
	for _, tc := range []struct {
		name  string
		tests bool
		opts  Options
	}{
		{"tests", true, Options{}},
		{"no-tests", false, Options{Branch: "release/2026"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for p, src := range Workflows(f, tc.tests, tc.opts) {
				var out bytes.Buffer
				opts.WorkingDir = t.TempDir()
				l, err := actionlint.NewLinter(&out, opts)
				if err != nil {
					t.Fatal(err)
				}
				errs, err := l.Lint(p, src, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range errs {
					t.Errorf("%s:%d:%d: %s [%s]", p, e.Line, e.Column, e.Message, e.Kind)
				}
			}
		})
	}
}

// TestActionsPinned checks that every third-party action is pinned by a
// full commit hash with its release in a comment.
func TestActionsPinned(t *testing.T) {
	for p, src := range Workflows(homelab(t), true, Options{}) {
		for i, line := range strings.Split(string(src), "\n") {
			_, ref, ok := strings.Cut(line, "uses: ")
			if !ok {
				continue
			}
			name, rest, _ := strings.Cut(ref, "@")
			hash, comment, _ := strings.Cut(rest, " # ")
			if len(hash) != 40 || strings.Trim(hash, "0123456789abcdef") != "" || !strings.HasPrefix(comment, "v") {
				t.Errorf("%s:%d: %s is not pinned to a commit with its release named", p, i+1, name)
			}
		}
	}
}

func TestAffected(t *testing.T) {
	f := homelab(t)
	for _, tc := range []struct {
		changed []string
		want    []string
	}{
		{[]string{"docs/secrets.md", "README.md", "tests/ssh.toml", "tests/snapshots/boot.snap", ".github/workflows/fleet.yml"}, nil},
		{[]string{"hosts/bartleby/host.toml"}, []string{"bartleby"}},
		{[]string{"generated/hosts/cronut.nix", "./hosts/rich-evans/hardware-configuration.nix"}, []string{"cronut", "rich-evans"}},
		{[]string{"modules/darwin/homebrew/default.nix"}, []string{"cronut", "work-macbook"}},
		{[]string{"roles/gaming.toml"}, []string{"total-eclipse"}},
		{[]string{"roles/backup-client.toml"}, []string{"bartleby", "marshmallow", "total-eclipse"}},
		{[]string{"secrets/monitoring/grafana-secret-key.yaml"}, []string{"rich-evans"}},
		{[]string{"flake.lock"}, []string{"bartleby", "cronut", "marshmallow", "rich-evans", "total-eclipse", "work-macbook"}},
		{[]string{"packages/homelab-status/default.nix"}, []string{"bartleby", "cronut", "marshmallow", "rich-evans", "total-eclipse", "work-macbook"}},
	} {
		got := Affected(f, tc.changed)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Affected(%v) (-want +got):\n%s", tc.changed, diff)
		}
	}
}

func TestBuildMatrix(t *testing.T) {
	m := BuildMatrix(homelab(t), []string{"cronut", "bartleby"}, nil, nil)
	want := []Job{
		{Name: "bartleby", Attr: "nixosConfigurations.bartleby.config.system.build.toplevel", System: "x86_64-linux", Runner: "ubuntu-24.04"},
		{Name: "cronut", Attr: "darwinConfigurations.cronut.system", System: "aarch64-darwin", Runner: "macos-15"},
	}
	if diff := cmp.Diff(want, m.Include); diff != "" {
		t.Error(diff)
	}
	if !slices.ContainsFunc(BuildMatrix(homelab(t), nil, nil, nil).Include, func(j Job) bool { return j.Name == "work-macbook" }) {
		t.Error("the full matrix misses work-macbook")
	}
}

func TestAffectedVMs(t *testing.T) {
	f := homelab(t)
	vms, dl := fleettest.LoadVM(f.Inv)
	if dl.HasErrors() {
		t.Fatal(dl.Err())
	}
	for _, tc := range []struct {
		changed      []string
		hosts, tests []string
	}{
		{[]string{"tests/vm/backup.nix"}, nil, []string{"backup"}},
		{[]string{"hosts/bartleby/host.toml"}, []string{"bartleby"}, []string{"backup", "monitoring"}},
		{[]string{"roles/gaming.toml"}, []string{"total-eclipse"}, nil},
		{[]string{"docs/x.md"}, nil, nil},
	} {
		hosts, tests := AffectedWithVMs(f, vms, tc.changed)
		if diff := cmp.Diff(tc.hosts, hosts); diff != "" {
			t.Errorf("%v: hosts (-want +got):\n%s", tc.changed, diff)
		}
		if diff := cmp.Diff(tc.tests, tests); diff != "" {
			t.Errorf("%v: tests (-want +got):\n%s", tc.changed, diff)
		}
	}
	m := BuildMatrix(f, []string{}, vms, []string{"backup"})
	want := []Job{{Name: "vm-backup", Attr: "checks.x86_64-linux.vm-backup", System: "x86_64-linux", Runner: "ubuntu-24.04"}}
	if diff := cmp.Diff(want, m.Include); diff != "" {
		t.Error(diff)
	}
}
