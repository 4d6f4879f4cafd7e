package devenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
)

// Placeholders a template's files and file names may hold, filled by New.
const (
	// PlaceholderName is the project's name.
	PlaceholderName = "@name@"
	// PlaceholderSnake is the name with '-' and '.' replaced by '_', for
	// identifiers (a Python package, a Rust crate's library).
	PlaceholderSnake = "@name_snake@"
)

var projectNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// ErrUnknownTemplate is returned by New for a template the fleet does not
// have.
var ErrUnknownTemplate = errors.New("unknown template")

// TemplateError is a template name New cannot use, with a hint.
type TemplateError struct {
	Name string
	Hint string
}

func (e *TemplateError) Error() string { return fmt.Sprintf("no template named %q", e.Name) }

// Unwrap makes errors.Is(err, ErrUnknownTemplate) true.
func (e *TemplateError) Unwrap() error { return ErrUnknownTemplate }

// NameError is a project name that cannot be put in a project's files.
type NameError struct{ Name string }

func (e *NameError) Error() string {
	return fmt.Sprintf("%q cannot name a project: use letters, digits, '.', '_' and '-', starting with a letter or digit", e.Name)
}

// Options say what project New plans.
type Options struct {
	Template string
	// Name is the project's name; the folder's name when empty.
	Name string
	// Dir is the project's folder (absolute).
	Dir string
}

// Project is a project planned from a template, ready to be created.
type Project struct {
	Name     string
	Template string
	Dir      string
	// Files are the project's files by slash path relative to Dir.
	Files map[string]atomicfs.File
	// Nixpkgs is the url the project's nixpkgs input follows, Pinned
	// whether it names the fleet's locked revision.
	Nixpkgs string
	Pinned  bool
	// Notes say what could not be done as usual (no flake.lock, an input
	// type fleet cannot pin).
	Notes []string
}

// New plans the project opts describe from one of the fleet's templates:
// the template's files with placeholders filled, its toolset.nix rendered
// for the fleet as it is now, and every input the fleet has locked pinned
// to the locked revision. It reads the template but writes nothing. A
// template with errors (Check) is refused with them.
func New(f *eval.Fleet, opts Options) (*Project, error) {
	inv := f.Inv
	tpl := inv.TemplateDefs[opts.Template]
	if tpl == nil {
		hint := diag.DidYouMean(opts.Template, inv.Templates)
		if hint == "" && len(inv.Templates) > 0 {
			hint = "templates: " + strings.Join(inv.Templates, ", ")
		} else if hint == "" {
			hint = "the fleet has no templates: create templates/<name>/ (see docs/dev-environments.md)"
		}
		return nil, &TemplateError{Name: opts.Template, Hint: hint}
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(opts.Dir)
	}
	if !projectNameRE.MatchString(name) {
		return nil, &NameError{Name: name}
	}
	pins := ReadPins(inv)
	dl := &diag.List{}
	checkTemplate(inv, tpl, pins, dl)
	if dl.HasErrors() {
		return nil, dl.Err()
	}
	src, err := templateFiles(inv.Root, tpl.Dir)
	if err != nil {
		return nil, err
	}
	toolset, err := toolsetNix(f, tpl)
	if err != nil {
		return nil, err
	}
	src[inventory.ToolsetFile] = toolset
	p := &Project{Name: name, Template: tpl.Name, Dir: opts.Dir, Files: map[string]atomicfs.File{}}
	fill := strings.NewReplacer(PlaceholderName, name, PlaceholderSnake, strings.NewReplacer("-", "_", ".", "_").Replace(name))
	modes, err := templateModes(inv.Root, tpl.Dir, src)
	if err != nil {
		return nil, err
	}
	for rel, data := range src {
		if rel == "flake.nix" {
			if data, err = p.pin(tpl.Dir+"/flake.nix", data, pins); err != nil {
				return nil, err
			}
		}
		if bytes.IndexByte(data, 0) < 0 { // text, not a binary file
			data = []byte(fill.Replace(string(data)))
		}
		p.Files[fill.Replace(rel)] = atomicfs.File{Data: data, Mode: modes[rel]}
	}
	return p, nil
}

// pin rewrites the url of each flake input the fleet has locked to the
// locked revision, in place: the rest of flake.nix stays byte for byte.
func (p *Project) pin(name string, src []byte, pins *Pins) ([]byte, error) {
	_, inputs, ds := readFlake(name, src)
	if len(ds) > 0 {
		dl := &diag.List{}
		for _, d := range ds {
			dl.Add(d)
		}
		return nil, dl.Err()
	}
	if pins.LockErr != nil {
		p.Notes = append(p.Notes, fmt.Sprintf("the fleet's flake.lock cannot be read (%v): inputs follow their branches", pins.LockErr))
	}
	var out bytes.Buffer
	last := 0
	for _, in := range inputs {
		if in.Name == "nixpkgs" {
			p.Nixpkgs = in.URL
		}
		l, ok := pins.Locked[in.Name]
		switch {
		case pins.Locked == nil && pins.LockErr == nil:
			if in.Name == "nixpkgs" {
				p.Notes = append(p.Notes, "the fleet has no flake.lock: nixpkgs follows "+in.URL+" (run 'nix flake lock' in the fleet to pin a revision)")
			}
			continue
		case !ok:
			continue
		case l.URL == "":
			p.Notes = append(p.Notes, fmt.Sprintf("input %s: fleet cannot write a pinned url for its locked type; it follows %s", in.Name, in.URL))
			continue
		}
		out.Write(src[last:in.Start])
		out.WriteString(build.Quote(l.URL))
		last = in.End
		if in.Name == "nixpkgs" {
			p.Nixpkgs, p.Pinned = l.URL, true
		}
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// templateModes keeps the executable bit of template files.
func templateModes(root, dir string, files map[string][]byte) (map[string]fs.FileMode, error) {
	out := map[string]fs.FileMode{}
	for rel := range files {
		st, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir), filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			out[rel] = 0o644 // rendered, not copied
			continue
		}
		if err != nil {
			return nil, err
		}
		out[rel] = 0o644
		if st.Mode().Perm()&0o100 != 0 {
			out[rel] = 0o755
		}
	}
	return out, nil
}

// Create writes the project's files into its folder (created when
// missing). A file that exists already is never overwritten: when any
// does, nothing is written and the error is an *atomicfs.ExistsError.
func (p *Project) Create() error {
	return atomicfs.CreateTree(p.Dir, p.Files)
}
