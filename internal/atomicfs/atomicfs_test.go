package atomicfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "f")
	for _, content := range []string{"one", "two"} {
		if err := WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	info, _ := os.Stat(p)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestCreateTreeAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CreateTree(dir, map[string]File{"a": {Data: []byte("x")}, "b": {Data: []byte("y")}, "c/d": {Data: []byte("z")}})
	var ee *ExistsError
	if !errors.As(err, &ee) || len(ee.Paths) != 1 {
		t.Fatalf("err = %v, want an ExistsError for b", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a was written although b exists")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "b")); string(got) != "mine" {
		t.Error("b was overwritten")
	}
	if err := CreateTree(dir, map[string]File{"a": {Data: []byte("x")}, "c/d": {Data: []byte("z"), Mode: 0o755}}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "c/d")); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("c/d: %v %v", info, err)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".web.nix.tmp123": true, ".sops.yaml.tmp9": true, ".x.tmp": false, "web.nix.tmp1": false,
		".web.nix": false, ".web.nix.tmp12a": false, ".tmp1": false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWriteAllStagesFirst(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "a", "keep.txt")
	if err := WriteFile(keep, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// b is a file, so b/x.txt cannot be written: nothing may change.
	if err := os.WriteFile(filepath.Join(dir, "b"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteAll([]Write{
		{Path: keep, Data: []byte("new")},
		{Path: filepath.Join(dir, "c", "d", "new.txt"), Data: []byte("x")},
		{Path: filepath.Join(dir, "b", "x.txt"), Data: []byte("x")},
	})
	var pe *PathError
	if !errors.As(err, &pe) || pe.Partial || pe.Path != filepath.Join(dir, "b", "x.txt") {
		t.Fatalf("WriteAll = %v, want a PathError for b/x.txt before any change", err)
	}
	if data, _ := os.ReadFile(keep); string(data) != "old" {
		t.Errorf("keep.txt = %q, want it untouched", data)
	}
	for _, p := range []string{filepath.Join(dir, "c")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	es, _ := os.ReadDir(filepath.Join(dir, "a"))
	if len(es) != 1 {
		t.Errorf("a holds %d entries, want only keep.txt (no temporary files)", len(es))
	}
	// Without the blocker everything is written and the removal done.
	if err := WriteAll([]Write{{Path: keep, Data: []byte("new")}, {Path: filepath.Join(dir, "b"), Remove: true}}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(keep); string(data) != "new" {
		t.Errorf("keep.txt = %q, want new", data)
	}
	if _, err := os.Lstat(filepath.Join(dir, "b")); err == nil {
		t.Error("b was not removed")
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".x.nix.tmp42", "x.nix", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := RemoveTemps(dir)
	if err != nil || len(got) != 1 || filepath.Base(got[0]) != ".x.nix.tmp42" {
		t.Fatalf("RemoveTemps = %v, %v", got, err)
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 2 {
		t.Errorf("%d entries left, want 2", len(es))
	}
}

// TestWriteAllStageFails stages many files at once; one whose temporary
// name is too long for the file system fails, and then no target is
// touched and no temporary file is left.
func TestWriteAllStageFails(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.txt")
	if err := WriteFile(keep, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := []Write{{Path: keep, Data: []byte("new")}}
	long := filepath.Join(dir, "sub", strings.Repeat("x", 250)) // ".xxx….tmpNNN" is over 255 bytes
	for i := range 100 {
		ws = append(ws, Write{Path: filepath.Join(dir, "sub", fmt.Sprintf("f%03d", i)), Data: []byte("x")})
		if i == 50 {
			ws = append(ws, Write{Path: long, Data: []byte("x")})
		}
	}
	err := WriteAll(ws)
	var pe *PathError
	if !errors.As(err, &pe) || pe.Partial || pe.Path != long {
		t.Fatalf("WriteAll = %v, want a PathError for the long name before any change", err)
	}
	if data, _ := os.ReadFile(keep); string(data) != "old" {
		t.Errorf("keep.txt = %q, want it untouched", data)
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 1 {
		t.Errorf("%s holds %d entries, want only keep.txt (sub removed, no temporary files)", dir, len(es))
	}
	// Without the long name all 101 files are written.
	ws = slices.DeleteFunc(ws, func(w Write) bool { return w.Path == long })
	if err := WriteAll(ws); err != nil {
		t.Fatal(err)
	}
	es, _ = os.ReadDir(filepath.Join(dir, "sub"))
	if len(es) != 100 {
		t.Errorf("sub holds %d entries, want 100", len(es))
	}
	if data, _ := os.ReadFile(keep); string(data) != "new" {
		t.Errorf("keep.txt = %q, want new", data)
	}
}

// TestWriteAllMany stages enough files to flush their file system once
// instead of syncing each, and falls back to syncing each file of a folder
// whose flush fails.
func TestWriteAllMany(t *testing.T) {
	for _, flush := range []string{"works", "fails"} {
		t.Run(flush, func(t *testing.T) {
			var flushed []string
			defer func(h func(string) error) { syncFSHook = h }(syncFSHook)
			syncFSHook = func(dir string) error {
				flushed = append(flushed, filepath.Base(dir))
				if flush == "fails" {
					return errors.New("no flush here")
				}
				return nil
			}
			dir := t.TempDir()
			var ws []Write
			for i := range syncFSFrom + 10 {
				sub := "a"
				if i%2 == 1 {
					sub = "b"
				}
				ws = append(ws, Write{Path: filepath.Join(dir, sub, fmt.Sprintf("f%03d", i)), Data: []byte(fmt.Sprint(i)), Perm: 0o444})
			}
			if err := WriteAll(ws); err != nil {
				t.Fatal(err)
			}
			slices.Sort(flushed)
			if !slices.Equal(flushed, []string{"a", "b"}) {
				t.Errorf("flushed %v, want each folder once: [a b]", flushed)
			}
			for _, w := range ws {
				got, err := os.ReadFile(w.Path)
				if err != nil || string(got) != string(w.Data) {
					t.Fatalf("%s = %q, %v; want %q", w.Path, got, err, w.Data)
				}
			}
			for _, sub := range []string{"a", "b"} {
				es, _ := os.ReadDir(filepath.Join(dir, sub))
				for _, e := range es {
					if IsTemp(e.Name()) {
						t.Errorf("temporary file %s left", e.Name())
					}
				}
			}
		})
	}
}

// TestSyncFS flushes a real file system where syncfs(2) is available.
func TestSyncFS(t *testing.T) {
	err := syncFS(t.TempDir())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("syncfs(2) is not used on %s/%s: each file is synced", runtime.GOOS, runtime.GOARCH)
	}
	if err != nil {
		t.Fatalf("syncFS: %v", err)
	}
	if err := syncFS(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("syncFS of a missing folder succeeded")
	}
}

// TestUndo: the writes Undo returns put back what WriteAll changed: a
// file's old content and mode, and no file where there was none.
func TestUndo(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.toml")
	if err := os.WriteFile(old, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ws := []Write{
		{Path: old, Data: []byte("after\n"), Perm: 0o644},
		{Path: filepath.Join(dir, "sub", "new.toml"), Data: []byte("new\n"), Perm: 0o644},
	}
	undo, err := Undo(ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(ws); err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(undo); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(old)
	if err != nil || string(data) != "before\n" {
		t.Fatalf("old.toml = %q, %v", data, err)
	}
	if st, _ := os.Stat(old); st.Mode().Perm() != 0o600 {
		t.Fatalf("old.toml has mode %v", st.Mode().Perm())
	}
	if _, err := os.Stat(ws[1].Path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("new.toml is still there: %v", err)
	}
}
