package readfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for name, data := range map[string][]byte{"empty": {}, "small": []byte("a = 1\n"), "big": big} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Read(p, 0)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: read %d bytes, %v; want %d bytes", name, len(got), err, len(data))
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	var pe *fs.PathError
	if _, err := Read(dir, 0); !errors.As(err, &pe) {
		t.Errorf("a folder: %v, want a *fs.PathError", err)
	}
	var tl *TooLargeError
	if _, err := Read(filepath.Join(dir, "big"), 1000); !errors.As(err, &tl) || tl.Size != int64(len(big)) {
		t.Errorf("over the limit: %v, want a *TooLargeError of %d bytes", err, len(big))
	}
	if got, err := Read(filepath.Join(dir, "small"), 6); err != nil || string(got) != "a = 1\n" {
		t.Errorf("at the limit: %q, %v", got, err)
	}
}

// TestReadInto: files read one after the other into one buffer come out
// whole, a larger one in new storage, a smaller one in the buffer's.
func TestReadInto(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"a": []byte("first file\n"), "b": bytes.Repeat([]byte("x"), 5000), "c": []byte("c\n")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 0, 64)
	for _, name := range []string{"a", "b", "c", "a"} {
		got, err := ReadInto(buf, filepath.Join(dir, name), 0)
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Fatalf("%s: %q, %v", name, got, err)
		}
		if reuses && cap(buf) > len(files[name]) && &got[:1][0] != &buf[:1][0] {
			t.Errorf("%s: read into new storage, though the buffer holds %d bytes", name, cap(buf))
		}
		buf = got
	}
	if _, err := ReadInto(buf, filepath.Join(dir, "missing"), 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
