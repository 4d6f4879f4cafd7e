// Package atomicfs owns how fleet writes files: every file is written to a
// temporary file in its own directory, synced, and renamed into place, so a
// reader (or a crash) sees the old content or the new, never a mix. Trees
// of new files are written only after checking that none exists.
package atomicfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// WriteFile replaces path with data atomically. Parent directories are
// created as needed.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot sync directories; the rename is still done.
	_ = d.Sync()
	return nil
}

// File is one file of a tree to write.
type File struct {
	Data []byte
	Mode fs.FileMode
}

// ExistsError lists files that would be overwritten.
type ExistsError struct {
	Paths []string
}

func (e *ExistsError) Error() string {
	if len(e.Paths) == 1 {
		return fmt.Sprintf("%s already exists", e.Paths[0])
	}
	return fmt.Sprintf("%s and %d more files already exist", e.Paths[0], len(e.Paths)-1)
}

// CreateTree writes files (slash-separated paths relative to dir) that
// must not exist yet. It checks every path before writing any, so either
// all files are written or, on an ExistsError, none.
func CreateTree(dir string, files map[string]File) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var exists []string
	for _, p := range paths {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			exists = append(exists, filepath.Join(dir, filepath.FromSlash(p)))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if len(exists) > 0 {
		return &ExistsError{Paths: exists}
	}
	for _, p := range paths {
		f := files[p]
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := WriteFile(filepath.Join(dir, filepath.FromSlash(p)), f.Data, mode); err != nil {
			return err
		}
	}
	return nil
}
