package fleettest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/eval"
)

// SnapshotDir holds the recorded snapshots, one file per test.
const SnapshotDir = Dir + "/snapshots"

const snapshotHeader = "# Recorded by 'fleet test --update': the resolved values the snapshots of %s compare with.\n"

// snapshotStore reads and records the snapshots of the tests of a run.
type snapshotStore struct {
	root  string
	files map[string]*snapFile // by test name
	order []string
}

// snapFile is one test's recorded snapshots: a section per host and path.
type snapFile struct {
	test    *Test
	rel     string
	old     []byte
	entries map[string][]string // "host path" -> lines
	keys    []string            // sections in file order
	touched map[string]bool
}

func (s *snapshotStore) file(t *Test) (*snapFile, error) {
	if f := s.files[t.Name]; f != nil {
		return f, nil
	}
	if s.files == nil {
		s.files = map[string]*snapFile{}
	}
	f := &snapFile{test: t, rel: SnapshotDir + "/" + t.Name + ".snap", entries: map[string][]string{}, touched: map[string]bool{}}
	data, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(f.rel)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f.old = data
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || line == "":
		case strings.HasPrefix(line, "== "):
			cur = strings.TrimPrefix(line, "== ")
			if _, ok := f.entries[cur]; !ok {
				f.keys = append(f.keys, cur)
			}
			f.entries[cur] = []string{}
		case cur != "":
			f.entries[cur] = append(f.entries[cur], line)
		}
	}
	s.files[t.Name] = f
	s.order = append(s.order, t.Name)
	return f, nil
}

// snapshotLines renders the subtree at a host's path: one "path = value"
// line per leaf, sorted by path, and the provenance of each.
func snapshotLines(h *eval.Host, path []string) (lines []string, from map[string]string) {
	n, err := h.Lookup(eval.JoinPath(path))
	if err != nil {
		return []string{eval.JoinPath(path) + " is absent"}, nil
	}
	from = map[string]string{}
	for _, e := range eval.Flatten(n, path) {
		line := e.Path + " = " + e.Node.Describe()
		lines = append(lines, line)
		from[line] = Provenance(e.Node)
	}
	if len(lines) == 0 {
		lines = []string{eval.JoinPath(path) + " = {}"}
	}
	return lines, from
}

// check compares (or, updating, records) one host's snapshot.
func (s *snapshotStore) check(t *Test, a *Assertion, h *eval.Host, update bool) (*Failure, error) {
	f, err := s.file(t)
	if err != nil {
		return nil, err
	}
	key := h.Name + " " + eval.JoinPath(a.Path)
	lines, from := snapshotLines(h, a.Path)
	if update {
		if _, ok := f.entries[key]; !ok {
			f.keys = append(f.keys, key)
		}
		f.entries[key] = lines
		f.touched[key] = true
		return nil, nil
	}
	old, ok := f.entries[key]
	if !ok {
		return &Failure{Expected: "a recorded snapshot in " + f.rel, Actual: "none recorded", Why: "run 'fleet test --update' to record it"}, nil
	}
	diff := diffLines(old, lines, from)
	if diff == "" {
		return nil, nil
	}
	return &Failure{Expected: "the snapshot recorded in " + f.rel, Actual: "changed values", Diff: diff}, nil
}

// diffLines lists removed and added lines, each added one with its
// provenance.
func diffLines(old, cur []string, from map[string]string) string {
	had := map[string]bool{}
	for _, l := range old {
		had[l] = true
	}
	has := map[string]bool{}
	for _, l := range cur {
		has[l] = true
	}
	var b strings.Builder
	for _, l := range old {
		if !has[l] {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range cur {
		if !had[l] {
			fmt.Fprintf(&b, "+ %s", l)
			if p := from[l]; p != "" {
				fmt.Fprintf(&b, "    from %s", p)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// save writes the snapshot files an update touched, keeping the sections
// of hosts the run did not cover and dropping those of assertions that
// are gone. It returns the files written.
func (s *snapshotStore) save() ([]string, error) {
	var written []string
	for _, name := range s.order {
		f := s.files[name]
		wanted := map[string]bool{}
		for _, a := range f.test.Asserts {
			if a.Subject != SubjectSnapshot {
				continue
			}
			for _, h := range a.Hosts {
				wanted[h+" "+eval.JoinPath(a.Path)] = true
			}
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, snapshotHeader, f.test.File)
		for _, a := range f.test.Asserts {
			if a.Subject != SubjectSnapshot {
				continue
			}
			for _, h := range a.Hosts {
				key := h + " " + eval.JoinPath(a.Path)
				lines, ok := f.entries[key]
				if !ok || !wanted[key] {
					continue
				}
				fmt.Fprintf(&b, "\n== %s\n", key)
				for _, l := range lines {
					b.WriteString(l + "\n")
				}
				delete(wanted, key)
			}
		}
		if bytes.Equal(b.Bytes(), f.old) {
			continue
		}
		if err := atomicfs.WriteFile(filepath.Join(s.root, filepath.FromSlash(f.rel)), b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		written = append(written, f.rel)
	}
	return written, nil
}
