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
	"strings"
	"sync"
)

// WriteFile replaces path with data atomically. Parent directories are
// created as needed.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempPattern)
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

// tempPattern is the name pattern of the temporary files WriteFile and
// WriteAll create beside their targets.
const tempPattern = ".tmp*"

// IsTemp reports whether name (a base name) is one of the temporary files
// this package creates: ".<target>.tmp<digits>". A process killed between
// creating and renaming one leaves it behind; RemoveTemps cleans up.
func IsTemp(name string) bool {
	if len(name) < 2 || name[0] != '.' {
		return false
	}
	i := strings.LastIndex(name, ".tmp")
	if i <= 1 {
		return false
	}
	for _, c := range name[i+4:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(name) > i+4
}

// RemoveTemps removes the temporary files left in dir (not recursing)
// and returns the paths it removed.
func RemoveTemps(dir string) ([]string, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, nil // nothing there, or not a folder: nothing to clean
	}
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if e.Type().IsRegular() && IsTemp(e.Name()) {
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return out, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// Write is one change of WriteAll: Data replaces Path, or Path is removed
// when Remove is set.
type Write struct {
	Path   string
	Data   []byte
	Perm   fs.FileMode
	Remove bool
}

// PathError is a path WriteAll could not write, with the reason. Nothing
// was changed when it is returned from the preparation phase.
type PathError struct {
	Path string
	Err  error
	// Partial is set when some targets had already been replaced (a
	// rename or removal failed after every file was staged).
	Partial bool
}

func (e *PathError) Error() string { return fmt.Sprintf("cannot write %s: %v", e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// WriteAll applies a set of changes as nearly all-or-nothing as a file
// system allows: every new content is first written and synced to a
// temporary file beside its target; only when all of them are ready are
// they renamed into place and removals done. A path that cannot be written
// is reported (as a *PathError) before any target is touched. The
// temporary files are synced many at once, so a file system commits their
// syncs together instead of one journal commit a file; many files are
// made durable by one flush of their file system (see stageAll).
func WriteAll(ws []Write) error {
	tmps := make([]string, len(ws))
	var created []string // folders made for staging, removed again on failure
	cleanup := func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
		slices.Sort(created) // parents before children
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i])
		}
	}
	seen := map[string]bool{}
	for _, w := range ws {
		dir := filepath.Dir(w.Path)
		if w.Remove || seen[dir] {
			continue
		}
		seen[dir] = true
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
				break
			}
			created = append(created, d)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			cleanup()
			return &PathError{Path: w.Path, Err: unwrapPath(err)}
		}
	}
	errs := stageAll(ws, tmps)
	for i, err := range errs {
		if err != nil {
			cleanup()
			return &PathError{Path: ws[i].Path, Err: unwrapPath(err)}
		}
	}
	dirs := map[string]bool{}
	renamed := 0
	for i, w := range ws {
		if w.Remove {
			continue
		}
		if err := os.Rename(tmps[i], w.Path); err != nil {
			for _, t := range tmps[i:] {
				if t != "" {
					os.Remove(t)
				}
			}
			return &PathError{Path: w.Path, Err: unwrapPath(err), Partial: renamed > 0}
		}
		renamed++
		dirs[filepath.Dir(w.Path)] = true
	}
	for _, w := range ws {
		if w.Remove {
			if err := os.Remove(w.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return &PathError{Path: w.Path, Err: unwrapPath(err), Partial: true}
			}
			dirs[filepath.Dir(w.Path)] = true
		}
	}
	for d := range dirs {
		_ = syncDir(d)
	}
	return nil
}

// syncers is how many temporary files stageAll syncs at once: enough
// for a file system to gather their syncs into few journal commits.
const syncers = 32

// syncFSFrom is how many files make stageAll flush their file systems
// once (syncFS) instead of syncing each file: thousands of syncs cost
// seconds where one flush costs a journal commit. (syncfs reports the
// write-back errors of the flush since Linux 5.8; before, a failed flush
// goes unseen where a sync per file would have failed.)
const syncFSFrom = 256

// syncFSHook stands in for syncFS in tests.
var syncFSHook = syncFS

// stageAll writes each change's data to a temporary file beside its
// target, whose folder exists, and makes it durable; tmps[i] gets the
// name of change i's file and the result error i its failure. One
// goroutine creates and writes the files in order (creations in one folder
// would only contend for its lock). Many files are made durable by one
// flush of each file system they are on, or, where that is not possible or
// fails, by syncing each file; up to syncers goroutines sync and close
// them.
func stageAll(ws []Write, tmps []string) []error {
	errs := make([]error, len(ws))
	batch := len(ws) >= syncFSFrom
	type written struct {
		i int
		f *os.File
	}
	todo := make(chan written, syncers)
	var wg sync.WaitGroup
	for range min(syncers, len(ws)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range todo {
				var err error
				if !batch {
					err = w.f.Sync()
				}
				if cerr := w.f.Close(); err == nil {
					err = cerr
				}
				errs[w.i] = err
			}
		}()
	}
	for i, w := range ws {
		if w.Remove {
			continue
		}
		tmp, err := os.CreateTemp(filepath.Dir(w.Path), "."+filepath.Base(w.Path)+tempPattern)
		if err != nil {
			errs[i] = err
			continue
		}
		tmps[i] = tmp.Name()
		perm := w.Perm
		if perm == 0 {
			perm = 0o644
		}
		_, err = tmp.Write(w.Data)
		if err == nil {
			err = tmp.Chmod(perm)
		}
		if err != nil {
			tmp.Close()
			errs[i] = err
			continue
		}
		todo <- written{i, tmp}
	}
	close(todo)
	wg.Wait()
	if batch {
		syncStaged(ws, tmps, errs)
	}
	return errs
}

// syncStaged makes the staged files durable with one flush of each
// folder's file system, or syncs each file of a folder whose flush fails.
func syncStaged(ws []Write, tmps []string, errs []error) {
	flushed := map[string]bool{}
	for i, w := range ws {
		if tmps[i] == "" || errs[i] != nil {
			continue
		}
		dir := filepath.Dir(w.Path)
		ok, tried := flushed[dir]
		if !tried {
			ok = syncFSHook(dir) == nil
			flushed[dir] = ok
		}
		if !ok {
			errs[i] = syncFile(tmps[i])
		}
	}
}

// syncFile syncs the file at path.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// unwrapPath drops the *fs.PathError around err, whose path (a temporary
// file's) would only confuse.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Undo returns the writes that put back what ws would change: the
// content (and mode) a file has now, or the removal of a file that does
// not exist yet. Give them to WriteAll after WriteAll(ws) to go back.
func Undo(ws []Write) ([]Write, error) {
	var undo []Write
	for _, w := range ws {
		st, err := os.Stat(w.Path)
		if errors.Is(err, fs.ErrNotExist) {
			undo = append(undo, Write{Path: w.Path, Remove: true})
			continue
		}
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(w.Path)
		if err != nil {
			return nil, err
		}
		undo = append(undo, Write{Path: w.Path, Data: data, Perm: st.Mode().Perm()})
	}
	return undo, nil
}
