package generate

import (
	"bytes"
	"context"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/fleet"
)

// testKey is the key of the records the tests make.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// copyExample copies the example fleet into a temporary folder.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples", "homelab"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadFleet(t *testing.T, dir string) *fleet.Fleet {
	t.Helper()
	l, err := fleet.Load(context.Background(), dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// generateOn renders dir's files as generate does and writes what
// changed.
func generateOn(t *testing.T, dir string) {
	t.Helper()
	l := loadFleet(t, dir)
	files, same, _, sums, dl := FilesOn(dir, l.Eval, l.Containers, testKey, true)
	if dl.HasErrors() {
		t.Fatalf("rendering: %v", dl.Items())
	}
	if sums == nil {
		t.Fatalf("generate rendered no %s", SumsFile)
	}
	changes, err := ChangesExcept(dir, files, same)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(dir, changes); err != nil {
		t.Fatal(err)
	}
	if err := WriteSums(dir, sums); err != nil {
		t.Fatal(err)
	}
}

// checkOn compares dir's generated files as check does: the paths that
// differ, and how many host files the sums vouched for.
func checkOn(t *testing.T, dir string) (stale []string, bySums, hosts int) {
	t.Helper()
	l := loadFleet(t, dir)
	files, same, bySums, sums, dl := FilesOn(dir, l.Eval, l.Containers, testKey, false)
	if sums != nil {
		t.Errorf("check rendered a record")
	}
	if dl.HasErrors() {
		t.Fatalf("rendering: %v", dl.Items())
	}
	if _, ok := files[SumsFile]; ok {
		t.Errorf("check rendered %s: it is a record, never compared", SumsFile)
	}
	changes, err := ChangesExcept(dir, files, same)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		stale = append(stale, c.Path)
	}
	return stale, bySums, len(l.Eval.Hosts)
}

func TestSums(t *testing.T) {
	dir := copyExample(t)
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(SumsFile))); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	stale, bySums, _ := checkOn(t, dir)
	if len(stale) != 0 || bySums != 0 {
		t.Fatalf("without sums: stale %v, %d by sums; want none and 0", stale, bySums)
	}
	generateOn(t, dir)
	stale, bySums, hosts := checkOn(t, dir)
	if len(stale) != 0 || bySums != hosts {
		t.Fatalf("after generate: stale %v, %d of %d by sums; want none and all", stale, bySums, hosts)
	}

	// A host file edited by hand is rendered and found stale.
	web := filepath.Join(dir, "generated", "hosts", "rich-evans.nix")
	orig, err := os.ReadFile(web)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(web, bytes.Replace(orig, []byte("hostName"), []byte("hostname"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	stale, bySums, _ = checkOn(t, dir)
	if len(stale) != 1 || stale[0] != "generated/hosts/rich-evans.nix" || bySums != hosts-1 {
		t.Errorf("hand edit: stale %v, %d by sums; want [generated/hosts/rich-evans.nix] and %d", stale, bySums, hosts-1)
	}
	if err := os.WriteFile(web, orig, 0o644); err != nil {
		t.Fatal(err)
	}

	// A change to the fleet's files changes the digest: everything renders.
	toml := filepath.Join(dir, "hosts", "rich-evans", "host.toml")
	src, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(toml, append(src, "\n# a comment\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if stale, bySums, _ = checkOn(t, dir); len(stale) != 0 || bySums != 0 {
		t.Errorf("after an input changed: stale %v, %d by sums; want none and 0", stale, bySums)
	}
	if err := os.WriteFile(toml, src, 0o644); err != nil {
		t.Fatal(err)
	}

	// Another machine (another key) trusts none of it, nor does a run
	// without a key.
	defer func(k []byte) { testKey = k }(testKey)
	testKey = []byte("another machine's key, 32 bytes!")
	if stale, bySums, _ = checkOn(t, dir); len(stale) != 0 || bySums != 0 {
		t.Errorf("another key: stale %v, %d by sums; want none and 0", stale, bySums)
	}
	testKey = nil
	if stale, bySums, _ = checkOn(t, dir); len(stale) != 0 || bySums != 0 {
		t.Errorf("no key: stale %v, %d by sums; want none and 0", stale, bySums)
	}
	testKey = []byte("0123456789abcdef0123456789abcdef")

	// Another build of fleet trusts none of it.
	defer func(id func() string) { generatorID = id }(generatorID)
	generatorID = func() string { return "go:another-build" }
	if stale, bySums, _ = checkOn(t, dir); len(stale) != 0 || bySums != 0 {
		t.Errorf("another build: stale %v, %d by sums; want none and 0", stale, bySums)
	}
	generatorID = func() string { return "" }
	if stale, bySums, _ = checkOn(t, dir); len(stale) != 0 || bySums != 0 {
		t.Errorf("unknown build: stale %v, %d by sums; want none and 0", stale, bySums)
	}
}

func TestReadSumsMalformed(t *testing.T) {
	const gen, in = "go:x", "abc"
	sum := [32]byte{}
	good := string(renderSums(gen, in, map[string][32]byte{"generated/hosts/a.nix": sum}, testKey))
	dir := t.TempDir()
	write := func(s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(SumsFile)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good)
	if s := readSums(dir, gen, in, testKey); s == nil || len(s.files) != 1 {
		t.Fatalf("readSums(good) = %+v, want one file", s)
	}
	// Each case is given a MAC of its own (but "forged" and "no MAC"): what
	// fails is the text, not the MAC.
	resign := func(text string) string {
		body, _, _ := strings.Cut(text, "\n"+macPrefix)
		body += "\n"
		return body + macPrefix + hex.EncodeToString(sumsMAC(testKey, []byte(body))) + "\n"
	}
	forged := strings.Replace(good, strings.Repeat("0", 64), strings.Repeat("1", 64), 1)
	noMAC, _, _ := strings.Cut(good, macPrefix)
	for name, text := range map[string]string{
		"another generator": resign(strings.Replace(good, "generator go:x", "generator go:y", 1)),
		"another digest":    resign(strings.Replace(good, "inputs abc", "inputs abd", 1)),
		"no version":        resign(strings.Replace(good, sumsVersion+"\n", "", 1)),
		"future version":    resign(strings.Replace(good, sumsVersion, "fleet-sums 2", 1)),
		"short sum":         resign(strings.Replace(good, strings.Repeat("0", 64), "00", 1)),
		"not hex":           resign(strings.Replace(good, strings.Repeat("0", 64), strings.Repeat("z", 64), 1)),
		"outside generated": resign(strings.Replace(good, "generated/hosts/a.nix", "hosts/a/host.toml", 1)),
		"no value":          resign(strings.Replace(good, "\n"+macPrefix, "\ndangling\n"+macPrefix, 1)),
		"forged":            forged,
		"no MAC":            noMAC,
		"line after MAC":    good + strings.Repeat("1", 64) + " generated/hosts/b.nix\n",
		"empty":             "",
	} {
		write(text)
		if s := readSums(dir, gen, in, testKey); s != nil {
			t.Errorf("%s: readSums = %+v, want nil", name, s)
		}
	}
	write(good)
	if s := readSums(dir, gen, in, []byte("another machine's key, 32 bytes!")); s != nil {
		t.Errorf("another key: readSums = %+v, want nil", s)
	}
}

// TestDigestCoversReads is the guard of the sums: whatever file of the
// example is taken away, either the digest of the fleet as read changes,
// or the generated hosts' files stay exactly the same. A file read around
// Inputs that the hosts' Nix depends on fails it.
func TestDigestCoversReads(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the example once per file")
	}
	dir := copyExample(t)
	render := func() (string, map[string][]byte) {
		l := loadFleet(t, dir)
		files, _, _, _, _ := FilesOn("", l.Eval, l.Containers, nil, false)
		digest, ok := l.Inventory.Inputs.Digest()
		if !ok {
			t.Fatal("the example's inputs have no digest")
		}
		hosts := map[string][]byte{}
		for p, data := range files {
			if strings.HasPrefix(p, Dir+"/hosts/") {
				hosts[p] = data
			}
		}
		return digest, hosts
	}
	digest0, hosts0 := render()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && (rel == Dir || rel == filepath.FromSlash("docs/reference")) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each file is taken away, then emptied in place (its folder's
	// listing the same: only its bytes tell).
	aside := t.TempDir()
	changed := 0
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		kept := filepath.Join(aside, "f")
		if err := os.Rename(p, kept); err != nil {
			t.Fatal(err)
		}
		removed, removedHosts := render()
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		emptied, emptiedHosts := render()
		if err := os.Rename(kept, p); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			how    string
			digest string
			hosts  map[string][]byte
		}{{"without", removed, removedHosts}, {"with an empty", emptied, emptiedHosts}} {
			if c.digest != digest0 {
				changed++
				continue
			}
			if len(c.hosts) != len(hosts0) {
				t.Errorf("%s %s: the digest is the same, but %d hosts' files render, not %d", c.how, rel, len(c.hosts), len(hosts0))
				continue
			}
			for name, data := range c.hosts {
				if !bytes.Equal(data, hosts0[name]) {
					t.Errorf("%s %s: the digest is the same, but %s renders differently", c.how, rel, name)
				}
			}
		}
	}
	if changed == 0 {
		t.Fatal("taking no file away changed the digest")
	}
	t.Logf("%d of %d changes (each file taken away, each emptied) change the digest", changed, 2*len(files))
}

// FuzzParseSums feeds the record's parser any text, signed with the key
// (so that the parser is reached) and as it is (which no text passes
// without the key's MAC). It never panics; what it accepts names the
// generator and the digest asked for, and paths in generated/ only.
func FuzzParseSums(f *testing.F) {
	const gen, in = "go:x", "abc"
	good := string(renderSums(gen, in, map[string][32]byte{"generated/hosts/a.nix": {1}, "generated/hosts/b.nix": {2}}, testKey))
	body, _, _ := strings.Cut(good, macPrefix)
	f.Add(body)
	f.Add(strings.Replace(body, "generator go:x", "generator go:y", 1))
	f.Add("fleet-sums 1\ngenerator go:x\ninputs abc\n" + strings.Repeat("0", 64) + " hosts/a/host.toml\n")
	f.Add(good)
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		if s := parseSums([]byte(body), gen, in, testKey); s != nil && !strings.Contains(body, macPrefix) {
			t.Fatalf("accepted a record without a MAC: %q", body)
		}
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		signed := body + macPrefix + hex.EncodeToString(sumsMAC(testKey, []byte(body))) + "\n"
		s := parseSums([]byte(signed), gen, in, testKey)
		if s == nil {
			return
		}
		if s.generator != gen || s.inputs != in {
			t.Fatalf("accepted a record naming %q and %q", s.generator, s.inputs)
		}
		for p := range s.files {
			if !strings.HasPrefix(p, Dir+"/") {
				t.Fatalf("accepted a path outside %s: %q", Dir, p)
			}
		}
		if parseSums([]byte(signed), gen, in, []byte("another machine's key, 32 bytes!")) != nil {
			t.Fatalf("accepted under another key: %q", signed)
		}
	})
}
