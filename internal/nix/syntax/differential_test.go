package syntax

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testHome is the $HOME both sides resolve ~/ paths against.
const testHome = "/home/fleet-test"

// nixInstantiate returns the path of nix-instantiate, or skips the test.
func nixInstantiate(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not found: install nix-bin to run the differential test")
	}
	return p
}

// nixParse runs `nix-instantiate --parse` on files in one process and
// returns one output line per file. Nix stops at the first file it
// rejects; ok is false then, with Nix's error output.
func nixParse(t testing.TB, nix string, files []string) (lines []string, stderr string, ok bool) {
	t.Helper()
	cmd := exec.Command(nix, append([]string{"--parse"}, files...)...)
	cmd.Env = append(os.Environ(), "HOME="+testHome, "NIX_PATH=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	s := strings.TrimSuffix(out.String(), "\n")
	if s != "" {
		lines = strings.Split(s, "\n")
	}
	return lines, errb.String(), err == nil
}

// fleetParse parses file and prints it as ShowParse does for `fleet nix
// parse`, or returns the first error. Like fleet nix parse it reuses one
// Parser for all files.
func fleetParse(file string, src []byte) (string, string) {
	f, ds := sharedParser.Parse(file, src)
	if len(ds) == 0 {
		ds = f.CheckScope()
	}
	if len(ds) > 0 {
		return "", ds[0].Error()
	}
	abs, _ := filepath.Abs(file)
	return f.ShowParse(ShowOptions{Dir: filepath.Dir(abs), Home: testHome}), ""
}

// sharedParser is reused by fleetParse for every file, as fleet nix parse
// does; tests using it do not run in parallel.
var sharedParser Parser

// nixFiles lists the .nix files under dir.
func nixFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".nix") && d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// corpusDirs are extra directories of real-world Nix files to test on,
// from $FLEET_NIX_CORPUS (separated by ':').
func corpusDirs() []string {
	var dirs []string
	for _, d := range strings.Split(os.Getenv("FLEET_NIX_CORPUS"), ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// differ compares fleet with Nix on files, which Nix is expected to
// accept, up to the order of let bindings and formals. It returns the
// number of files compared.
func differ(t *testing.T, nix string, files []string) (compared, exact int) {
	t.Helper()
	const batch = 200
	for len(files) > 0 {
		n := min(batch, len(files))
		chunk := files[:n]
		files = files[n:]
		lines, stderr, ok := nixParse(t, nix, chunk)
		if len(lines) > len(chunk) {
			t.Fatalf("nix-instantiate printed %d lines for %d files", len(lines), len(chunk))
		}
		for i, line := range lines {
			compared++
			if compareOne(t, chunk[i], line) {
				exact++
			}
		}
		if ok {
			continue
		}
		// Nix stopped at the file after the last line it printed.
		bad := chunk[len(lines)]
		if got, ferr := fleetParse(bad, mustRead(t, bad)); ferr == "" {
			t.Errorf("%s: Nix rejects, fleet accepts: %s\nfleet: %s", bad, firstLine(stderr), clip(got))
		}
		files = append(chunk[len(lines)+1:], files...)
	}
	return compared, exact
}

// compareOne compares fleet's output for file with Nix's line want. It
// reports whether they are identical before canonicalization.
func compareOne(t *testing.T, file, want string) bool {
	t.Helper()
	got, ferr := fleetParse(file, mustRead(t, file))
	if ferr != "" {
		t.Errorf("%s: Nix accepts, fleet rejects: %s", file, ferr)
		return false
	}
	if got == want {
		return true
	}
	cg, err1 := canonical(got)
	cw, err2 := canonical(want)
	if err1 != nil || err2 != nil {
		t.Errorf("%s: cannot canonicalize: fleet: %v; nix: %v\nfleet: %s\nnix:   %s", file, err1, err2, clip(got), clip(want))
		return false
	}
	if cg != cw {
		i := 0
		for i < len(cg) && i < len(cw) && cg[i] == cw[i] {
			i++
		}
		lo := max(0, i-80)
		t.Errorf("%s: output differs at byte %d:\nfleet: ...%s\nnix:   ...%s", file, i, clip(cg[lo:]), clip(cw[lo:]))
	}
	return false
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func mustRead(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCorpusDifferential compares fleet with nix-instantiate --parse on
// every .nix file under $FLEET_NIX_CORPUS.
func TestCorpusDifferential(t *testing.T) {
	dirs := corpusDirs()
	if len(dirs) == 0 {
		t.Skip("FLEET_NIX_CORPUS not set: point it at checkouts of Nix code to compare on them")
	}
	nix := nixInstantiate(t)
	total, exact := 0, 0
	for _, dir := range dirs {
		n, e := differ(t, nix, nixFiles(t, dir))
		total, exact = total+n, exact+e
	}
	t.Logf("compared %d files; %d identical before sorting let bindings and formals", total, exact)
}
