package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/fleetdev/fleet/internal/diag"
)

// TestErrorsHaveHints loads the fleets of the check_* scripts and requires
// every error to carry a position and either a hint or a related position
// that says what to do.
func TestErrorsHaveHints(t *testing.T) {
	scripts, err := filepath.Glob("testdata/script/check_*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, s := range scripts {
		ar, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, f := range ar.Files {
			if !strings.Contains(f.Name, "/") && !strings.HasSuffix(f.Name, ".toml") && f.Name != "flake.nix" {
				continue
			}
			p := filepath.Join(dir, f.Name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "fleet", "fleet.toml")); err == nil {
			dir = filepath.Join(dir, "fleet") // the fleet is in a subfolder, beside what is outside it
		}
		a := &App{Stdio: Stdio{Out: io.Discard, Err: io.Discard}, Env: Env{}, WorkDir: dir}
		l, err := a.load(context.Background(), nil)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		for _, d := range l.Diags.Items() {
			if !d.Pos.IsValid() {
				t.Errorf("%s: error without a position: %s", s, d.Message)
			}
			if d.Severity == diag.Error && len(d.Hints) == 0 && len(d.Related) == 0 && !strings.Contains(d.Message, " must be ") {
				t.Errorf("%s: %s: error without a hint: %s", filepath.Base(s), d.Pos, d.Message)
			}
		}
	}
}
