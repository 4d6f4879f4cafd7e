package syntax

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
)

// The fixture corpus: testdata/parse/*.nix are files Nix 2.8 accepts,
// written to cover every construct; NAME.exp is Nix's --parse output for
// NAME.nix with the repository root replaced by /repo. testdata/fail/*.nix
// are files Nix rejects; NAME.err is fleet's diagnostics for them.
//
// FLEET_UPDATE=1 rewrites the .exp files from nix-instantiate and the .err
// files from fleet.

const fakeRoot = "/repo"

func update() bool { return os.Getenv("FLEET_UPDATE") == "1" }

// repoRoot is the absolute path of the repository.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func fixtures(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.nix"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	return files
}

// TestParseFixtures compares ShowParse with the recorded output of Nix 2.8
// on the fixture corpus, up to the order of let bindings and formals.
func TestParseFixtures(t *testing.T) {
	root := repoRoot(t)
	files := fixtures(t, "parse")
	if update() {
		nix := nixInstantiate(t)
		lines, stderr, ok := nixParse(t, nix, files)
		if !ok {
			t.Fatalf("nix-instantiate rejects a fixture:\n%s", stderr)
		}
		for i, file := range files {
			exp := strings.ReplaceAll(lines[i], root, fakeRoot) + "\n"
			if err := os.WriteFile(strings.TrimSuffix(file, ".nix")+".exp", []byte(exp), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src := mustRead(t, file)
			f, ds := Parse(file, src)
			if len(ds) == 0 {
				ds = f.CheckScope()
			}
			if len(ds) > 0 {
				t.Fatalf("fleet rejects a file Nix accepts: %v", ds)
			}
			abs, _ := filepath.Abs(file)
			dir := fakeRoot + strings.TrimPrefix(filepath.Dir(abs), root)
			got := f.ShowParse(ShowOptions{Dir: dir, Home: testHome})
			want := strings.TrimSuffix(string(mustRead(t, strings.TrimSuffix(file, ".nix")+".exp")), "\n")
			if got == want {
				return
			}
			cg, err := canonical(got)
			if err != nil {
				t.Fatalf("canonical(fleet): %v", err)
			}
			cw, err := canonical(want)
			if err != nil {
				t.Fatalf("canonical(nix): %v", err)
			}
			if diff := cmp.Diff(splitTop(cw), splitTop(cg)); diff != "" {
				t.Errorf("ShowParse differs from Nix 2.8 (-nix +fleet):\n%s", diff)
			}
		})
	}
}

// splitTop breaks a --parse line at spaces after a closing parenthesis,
// so that diffs of long lines are readable.
func splitTop(s string) []string { return strings.SplitAfter(s, ") ") }

// TestDifferential runs nix-instantiate --parse on the fixture corpus and
// compares fleet's output with it, and checks that Nix rejects every file
// of testdata/fail.
func TestDifferential(t *testing.T) {
	nix := nixInstantiate(t)
	n, exact := differ(t, nix, fixtures(t, "parse"))
	t.Logf("parse fixtures: %d compared with Nix 2.8, %d identical before sorting let bindings and formals", n, exact)

	fails := fixtures(t, "fail")
	samePos := 0
	for _, file := range fails {
		_, stderr, ok := nixParse(t, nix, []string{file})
		if ok {
			t.Errorf("%s: Nix accepts a file of testdata/fail", file)
			continue
		}
		f, ds := Parse(file, mustRead(t, file))
		if len(ds) == 0 {
			ds = f.CheckScope()
		}
		if len(ds) == 0 {
			t.Errorf("%s: Nix rejects, fleet accepts: %s", file, firstLine(stderr))
			continue
		}
		if nixPos := nixErrorPos(stderr); nixPos != "" && strings.HasSuffix(nixPos, ds[0].Pos.String()[len(file):]) {
			samePos++
		} else {
			t.Logf("%s: first error: nix %s %q, fleet %s %q", file, nixPos, firstLine(stderr), ds[0].Pos, ds[0].Message)
		}
	}
	t.Logf("fail fixtures: %d rejected by both, %d with the same position of the first error", len(fails), samePos)
}

// nixErrorPos extracts ":L:C" from Nix's "at FILE:L:C:" line.
func nixErrorPos(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "at "); ok {
			rest = strings.TrimSuffix(rest, ":")
			parts := strings.Split(rest, ":")
			if len(parts) >= 3 {
				return ":" + parts[len(parts)-2] + ":" + parts[len(parts)-1]
			}
		}
	}
	return ""
}

// TestFailFixtures pins fleet's diagnostics for the files of
// testdata/fail: each is rejected, with positioned errors.
func TestFailFixtures(t *testing.T) {
	for _, file := range fixtures(t, "fail") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, ds := Parse(file, mustRead(t, file))
			if len(ds) == 0 {
				ds = f.CheckScope()
			}
			if len(ds) == 0 {
				t.Fatal("fleet accepts a file Nix rejects")
			}
			var b strings.Builder
			diag.Render(&b, ds)
			errFile := strings.TrimSuffix(file, ".nix") + ".err"
			if update() {
				if err := os.WriteFile(errFile, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(string(mustRead(t, errFile)), b.String()); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
			if got := f.Bytes(); string(got) != f.Source() {
				t.Errorf("tree of a broken file does not print back:\n%q\nwant\n%q", got, f.Source())
			}
		})
	}
}
