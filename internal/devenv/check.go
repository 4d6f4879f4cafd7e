package devenv

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Pins are the fleet's input pins: the url each input follows and, when
// the fleet has a flake.lock, the locked revision.
type Pins struct {
	// URLs are the inputs' urls: fleet.toml's [inputs], then those only
	// the fleet's flake.nix declares.
	URLs map[string]string
	// Locked are flake.lock's root inputs; nil without a flake.lock.
	Locked map[string]lockedInput
	// LockErr is why flake.lock could not be read, if it could not.
	LockErr error
}

// ReadPins reads the pins of the fleet at root.
func ReadPins(inv *inventory.Inventory) *Pins {
	p := &Pins{URLs: map[string]string{}}
	for _, in := range inv.Fleet.Inputs {
		p.URLs[in.Name.V] = in.URL.V
	}
	if src, err := os.ReadFile(filepath.Join(inv.Root, "flake.nix")); err == nil {
		if _, inputs, _ := readFlake("flake.nix", src); inputs != nil {
			for _, in := range inputs {
				if _, ok := p.URLs[in.Name]; !ok {
					p.URLs[in.Name] = in.URL
				}
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(inv.Root, "flake.lock"))
	switch {
	case err == nil:
		p.Locked, p.LockErr = readLock(data)
	case !errors.Is(err, fs.ErrNotExist):
		p.LockErr = err
	}
	return p
}

// agrees reports whether a template's url for input name is the fleet's:
// the same url, or the url of the locked revision.
func (p *Pins) agrees(name, u string) (want string, ok bool) {
	want, known := p.URLs[name]
	if !known || want == u {
		return want, true
	}
	if l, locked := p.Locked[name]; locked && l.URL != "" && l.URL == u {
		return want, true
	}
	return want, false
}

// Check reports problems in the fleet's templates: a missing
// template.toml, description, .envrc or flake.nix; Nix files that do not
// parse; toolsets that do not exist; inputs whose url disagrees with the
// fleet's pins.
func Check(f *eval.Fleet) []diag.Diagnostic {
	dl := &diag.List{}
	if len(f.Inv.Templates) == 0 {
		return nil
	}
	pins := ReadPins(f.Inv)
	for _, name := range f.Inv.Templates {
		checkTemplate(f.Inv, f.Inv.TemplateDefs[name], pins, dl)
	}
	return dl.Items()
}

func checkTemplate(inv *inventory.Inventory, tpl *inventory.Template, pins *Pins, dl *diag.List) {
	dirPos := diag.Pos{File: tpl.Dir}
	if tpl.File == "" {
		dl.Errorf(dirPos, "template", "template %s has no %s", tpl.Name, inventory.TemplateFile).
			Hint(`create %s/%s with description = "..." and toolsets = [...]`, tpl.Dir, inventory.TemplateFile)
	} else if !tpl.Description.IsSet() || strings.TrimSpace(tpl.Description.V) == "" {
		dl.Errorf(diag.Pos{File: tpl.File, Line: 1, Col: 1}, "template", "template %s has no description", tpl.Name).
			Hint(`add description = "..." (shown by 'nix flake show' and 'nix flake init -t')`)
	}
	for _, t := range tpl.Toolsets {
		if inv.Toolsets[t.V] == nil {
			d := dl.Errorf(t.Pos, "unknown-toolset", "no toolset named %q", t.V)
			if hint := diag.DidYouMean(t.V, sortedKeys(inv.Toolsets)); hint != "" {
				d.Hint("%s", hint)
			} else {
				d.Hint("create toolsets/%s.toml", t.V)
			}
		}
	}
	files, err := templateFiles(inv.Root, tpl.Dir)
	if err != nil {
		dl.Errorf(dirPos, "read", "cannot read template %s: %v", tpl.Name, err)
		return
	}
	envrc, ok := files[".envrc"]
	switch {
	case !ok:
		dl.Errorf(dirPos, "template", "template %s has no .envrc", tpl.Name).
			Hint("create %s/.envrc holding `use flake`, so that direnv loads the dev shell", tpl.Dir)
	case !usesFlake(envrc):
		dl.Warnf(diag.Pos{File: tpl.Dir + "/.envrc", Line: 1, Col: 1}, "template", ".envrc of template %s does not `use flake`", tpl.Name).
			Hint("add a line `use flake`: nix-direnv then loads the flake's dev shell")
	}
	flake, ok := files["flake.nix"]
	if !ok {
		dl.Errorf(dirPos, "template", "template %s has no flake.nix", tpl.Name).
			Hint("create %s/flake.nix with devShells.<system>.default for the systems in %s", tpl.Dir, inventory.ToolsetFile)
	}
	for _, rel := range sortedKeys(files) {
		if !strings.HasSuffix(rel, ".nix") || rel == inventory.ToolsetFile {
			continue
		}
		name := tpl.Dir + "/" + rel
		for _, d := range syntax.Check(name, files[rel]) {
			dl.Add(d)
		}
	}
	if flake == nil {
		return
	}
	name := tpl.Dir + "/flake.nix"
	if ds := syntax.Check(name, flake); len(ds) > 0 {
		return // reported above
	}
	_, inputs, ds := readFlake(name, flake)
	for _, d := range ds {
		dl.Add(d)
	}
	for _, in := range inputs {
		want, ok := pins.agrees(in.Name, in.URL)
		if ok {
			continue
		}
		dl.Errorf(in.Pos, "template-pin", "template %s takes %s from %q, the fleet from %q", tpl.Name, in.Name, in.URL, want).
			Hint("use %q, so that the project's tools are the versions the dev machines have ('fleet new project' then pins the locked revision)", want)
	}
	if len(tpl.Toolsets) > 0 && !bytes.Contains(flake, []byte("./"+inventory.ToolsetFile)) {
		dl.Warnf(diag.Pos{File: name, Line: 1, Col: 1}, "template", "flake.nix of template %s does not use %s", tpl.Name, inventory.ToolsetFile).
			Hint("import ./%s and give the dev shell packages.${system} pkgs, so that it gets the toolsets' packages", inventory.ToolsetFile)
	}
}

// usesFlake reports whether an .envrc has a `use flake` line.
func usesFlake(src []byte) bool {
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "use" && f[1] == "flake" {
			return true
		}
	}
	return false
}

// templateFiles reads the regular files of a template folder, keyed by
// slash path relative to it; template.toml is left out. Symbolic links
// and other special files are errors: a project gets plain files.
func templateFiles(root, dir string) (map[string][]byte, error) {
	base := filepath.Join(root, filepath.FromSlash(dir))
	out := map[string][]byte{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return &fs.PathError{Op: "copy", Path: path.Join(dir, rel), Err: errors.New("not a regular file (templates hold plain files)")}
		case rel == inventory.TemplateFile:
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = data
		return nil
	})
	return out, err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
