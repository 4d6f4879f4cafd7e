package atomicfs

import (
	"errors"
	"os"
	"path/filepath"
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
