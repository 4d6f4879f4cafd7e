package compose

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Files returns the writes that put res's definitions into the catalog of
// the fleet at root (their secret files are the caller's: they are
// encrypted to whoever may read them once the definitions are written)
// and, when layer is not "", run each of them from that
// layer's file (hosts/<host>/host.toml, roles/<role>.toml or
// profiles/<profile>.toml, relative to root) as an empty instance table
// appended to it. from names the compose file in that file's comment.
//
// It returns no writes and an error for each definition that exists
// already and each instance the layer cannot take: the caller writes all
// of them or nothing.
func Files(root string, res *Result, layer, from string) ([]atomicfs.Write, *diag.List) {
	dl := &diag.List{}
	var ws []atomicfs.Write
	real, _ := filepath.EvalSymlinks(root)
	for _, d := range res.Definitions {
		rel := "containers/" + d.Name + ".toml"
		paths := []string{rel, d.SecretFile()}
		for _, f := range d.Files {
			paths = append(paths, f.Name)
		}
		for _, p := range paths {
			if link := linkOut(root, real, p); link != "" {
				dl.Errorf(d.Pos, "compose-outside", "%s is a symbolic link that leads out of the fleet: %s would be written there", link, p).
					Hint("remove the link, or import into the folder it leads to")
			}
		}
		if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel))); !errors.Is(err, fs.ErrNotExist) {
			dl.Errorf(d.Pos, "compose-exists", "%s exists: the catalog has a definition named %s", rel, d.Name).
				Hint("import the services under other names with --prefix (--prefix %s- makes %s%s), or remove %s", res.Project, res.Project+"-", d.Name, rel)
			continue
		}
		ws = append(ws, atomicfs.Write{Path: filepath.Join(root, filepath.FromSlash(rel)), Data: d.TOML, Perm: 0o644})
		for _, f := range d.Files {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f.Name))); !errors.Is(err, fs.ErrNotExist) {
				dl.Errorf(d.Pos, "compose-exists", "%s exists: a config of %s would go there", f.Name, d.Name).
					Hint("import the services under other names with --prefix, or remove %s", f.Name)
				continue
			}
			perm := fs.FileMode(0o644)
			if f.Exec {
				perm = 0o755 // the store keeps the bit: an entrypoint script runs
			}
			ws = append(ws, atomicfs.Write{Path: filepath.Join(root, filepath.FromSlash(f.Name)), Data: f.Src, Perm: perm})
		}
		if len(d.Secrets) > 0 {
			sf := d.SecretFile()
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(sf))); !errors.Is(err, fs.ErrNotExist) {
				dl.Errorf(d.Pos, "compose-exists", "%s exists: the values of %s's secrets would go there", sf, d.Name).
					Hint("import the services under other names with --prefix, or remove %s", sf)
			}
		}
	}
	if layer != "" {
		if w, ok := instances(root, res, layer, from, dl); ok {
			ws = append(ws, w)
		}
	}
	if dl.HasErrors() {
		return nil, dl
	}
	return ws, dl
}

// linkOut returns the folder on the way to rel (relative to root, whose
// links resolved are real) that is a symbolic link leading out of root,
// or "".
func linkOut(root, real, rel string) string {
	if real == "" {
		return ""
	}
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		dir := filepath.Join(root, filepath.FromSlash(strings.Join(parts[:i], "/")))
		fi, err := os.Lstat(dir)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		to, err := filepath.EvalSymlinks(dir)
		r, rerr := filepath.Rel(real, to)
		if err != nil || rerr != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return strings.Join(parts[:i], "/")
		}
	}
	return ""
}

// instances appends an instance table for each definition to layer.
func instances(root string, res *Result, layer, from string, dl *diag.List) (atomicfs.Write, bool) {
	name := filepath.Join(root, filepath.FromSlash(layer))
	st, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		kind, dir, what := layerKind(layer)
		d := dl.Errorf(diag.Pos{File: layer}, "compose-layer", "the fleet has no %s %s: %s does not exist", kind, what, layer)
		if hint := diag.DidYouMean(what, names(filepath.Join(root, dir), kind == "host")); hint != "" {
			d.Hint("%s", hint)
		} else {
			d.Hint("create it with fleet new %s %s", kind, what)
		}
		return atomicfs.Write{}, false
	}
	if err != nil {
		dl.Errorf(diag.Pos{File: layer}, "compose-layer", "cannot read %s: %v", layer, unwrapPath(err))
		return atomicfs.Write{}, false
	}
	data, err := os.ReadFile(name)
	if err != nil {
		dl.Errorf(diag.Pos{File: layer}, "compose-layer", "cannot read %s: %v", layer, err)
		return atomicfs.Write{}, false
	}
	t, ds := inventory.ParseTOML(layer, data)
	broken := t == nil
	for _, d := range ds {
		if d.Severity == diag.Error {
			dl.Add(d)
			broken = true
		}
	}
	if broken {
		return atomicfs.Write{}, false
	}
	var run []Definition
	for _, d := range res.Definitions {
		if d.Run {
			run = append(run, d)
		}
	}
	if len(run) == 0 {
		return atomicfs.Write{}, false // nothing to run: the file stays
	}
	var b strings.Builder
	b.Write(data)
	if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		b.WriteByte('\n')
	}
	b.WriteString("\n# The services of compose project " + res.Project + " (" + from + ").\n")
	ctrs := t.Get("containers")
	switch {
	case ctrs == nil:
	case ctrs.Kind == inventory.Array:
		var names []string
		for _, d := range run {
			for _, e := range ctrs.List {
				if e.Kind == inventory.String && e.Str == d.Name {
					dl.Errorf(e.Pos, "compose-exists", "%s runs an instance named %s already", layer, d.Name).
						Hint("import the services under other names with --prefix, or remove the instance")
				}
			}
			names = append(names, inventory.QuoteString(d.Name))
		}
		out, ok := appendToList(data, ctrs.Pos, names)
		if !ok {
			dl.Errorf(ctrs.Pos, "compose-layer", "the list of containers in %s is not written in a form fleet can add to", layer).
				Hint("add %s to that list, and import without --host, --role or --profile", strings.Join(names, ", "))
		}
		if dl.HasErrors() {
			return atomicfs.Write{}, false
		}
		return atomicfs.Write{Path: name, Data: out, Perm: st.Mode().Perm()}, true
	case ctrs.Kind != inventory.Table || ctrs.Inline:
		dl.Errorf(ctrs.Pos, "compose-layer", "containers in %s is %s: instance tables cannot be added to it", layer, ctrs.Describe()).
			Hint("write its instances as [containers.<name>] tables")
		return atomicfs.Write{}, false
	}
	for i, d := range run {
		if v := ctrs.Get(d.Name); v != nil {
			dl.Errorf(v.KeyPos, "compose-exists", "%s runs an instance named %s already", layer, d.Name).
				Hint("import the services under other names with --prefix, or remove the instance")
			continue
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("[containers." + inventory.QuoteKey(d.Name) + "]\n")
	}
	return atomicfs.Write{Path: name, Data: []byte(b.String()), Perm: st.Mode().Perm()}, true
}

// layerKind says what layer a file is: its kind, its folder and its name.
func layerKind(layer string) (kind, dir, name string) {
	parts := strings.Split(layer, "/")
	switch parts[0] {
	case "hosts":
		return "host", "hosts", parts[1]
	case "roles":
		return "role", "roles", strings.TrimSuffix(parts[1], ".toml")
	}
	return "profile", "profiles", strings.TrimSuffix(parts[len(parts)-1], ".toml")
}

// names lists the hosts (folders) or the roles or profiles (.toml files)
// in dir.
func names(dir string, folders bool) []string {
	es, _ := os.ReadDir(dir)
	var out []string
	for _, e := range es {
		switch {
		case folders && e.IsDir():
			out = append(out, e.Name())
		case !folders && strings.HasSuffix(e.Name(), ".toml"):
			out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
		}
	}
	return out
}

// appendToList adds items (TOML values) to the end of the array that
// starts at pos in src, in the array's style: on lines of their own when
// its closing bracket is on a line of its own, else on its line. It
// reports false when pos does not start an array.
func appendToList(src []byte, pos diag.Pos, items []string) ([]byte, bool) {
	open := inventory.Offset(src, pos)
	if open < 0 || open >= len(src) || src[open] != '[' {
		return nil, false
	}
	// Find the closing bracket, the end of the last element and whether a
	// comma follows it, skipping strings and comments.
	depth, last, comma, close := 0, -1, false, -1
scan:
	for i := open; i < len(src); i++ {
		switch c := src[i]; c {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				close = i
				break scan
			}
			if depth == 1 {
				last, comma = i+1, false
			}
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '"', '\'':
			end := inventory.StringEnd(src, i)
			if end < 0 {
				return nil, false
			}
			i = end - 1
			if depth == 1 {
				last, comma = end, false
			}
		case ',':
			if depth == 1 {
				comma = true
			}
		case ' ', '\t', '\n', '\r':
		default:
			if depth == 1 {
				// A bare value: a number, a boolean, a date.
				j := i
				for j < len(src) && !strings.ContainsRune(" \t\r\n,]#", rune(src[j])) {
					j++
				}
				last, comma, i = j, false, j-1
			}
		}
	}
	if close < 0 {
		return nil, false
	}
	lineStart := strings.LastIndexByte(string(src[:close]), '\n') + 1
	ownLine := strings.TrimSpace(string(src[lineStart:close])) == "" && lineStart > open
	var b strings.Builder
	switch {
	case last < 0:
		b.Write(src[:close])
		b.WriteString(strings.Join(items, ", "))
		b.Write(src[close:])
	case ownLine:
		// One element a line, indented as the last one.
		lastLine := strings.LastIndexByte(string(src[:last]), '\n') + 1
		indent := src[lastLine:lastLine]
		for k := lastLine; k < last && (src[k] == ' ' || src[k] == '\t'); k++ {
			indent = src[lastLine : k+1]
		}
		b.Write(src[:last])
		if !comma {
			b.WriteByte(',')
		}
		b.Write(src[last:lineStart])
		for _, it := range items {
			b.WriteString(string(indent) + it + ",\n")
		}
		b.Write(src[lineStart:])
	default:
		b.Write(src[:last])
		b.WriteString(", " + strings.Join(items, ", "))
		b.Write(src[last:])
	}
	return []byte(b.String()), true
}
