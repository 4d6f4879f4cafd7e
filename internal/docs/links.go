package docs

import (
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleet"
)

// linker makes the links of a page for one output format. Pages are named
// by id: "index", "hosts/web", "modules/nixos/monitoring".
type linker interface {
	// page links from page from to page to, with an optional #fragment.
	page(from, to, frag string) string
	// source links to a position in a fleet file.
	source(from string, pos diag.Pos) string
	// file links to a fleet file (relative to the root, with /) that
	// hand-written Markdown names; ok is false to keep the link as
	// written.
	file(from, rel, frag string) (href string, ok bool)
	// html is true for the HTML site.
	html() bool
}

// relPath is the relative path from folder dir to target, both relative
// to one root with /.
func relPath(dir, target string) string {
	if dir == "." || dir == "" {
		return target
	}
	d := strings.Split(dir, "/")
	t := strings.Split(target, "/")
	i := 0
	for i < len(d) && i < len(t)-1 && d[i] == t[i] {
		i++
	}
	return strings.Repeat("../", len(d)-i) + strings.Join(t[i:], "/")
}

func withFrag(href, frag string) string {
	if frag == "" {
		return href
	}
	return href + "#" + frag
}

// mdLinker links the Markdown tree written to out: pages link to pages by
// relative .md paths, positions to the fleet's files with the #L<line>
// anchors forges use.
type mdLinker struct {
	// toRoot is the relative path from the output folder to the fleet
	// root, with /, ending in / (or "" when they are the same).
	toRoot string
}

func newMDLinker(root, out string) (*mdLinker, error) {
	rel, err := filepath.Rel(out, root)
	if err != nil {
		return nil, err
	}
	rel = filepath.ToSlash(rel)
	if rel == "." {
		rel = ""
	} else {
		rel += "/"
	}
	return &mdLinker{toRoot: rel}, nil
}

func mdFile(id string) string {
	if id == "index" {
		return "README.md"
	}
	return id + ".md"
}

func (l *mdLinker) page(from, to, frag string) string {
	return withFrag(relPath(path.Dir(from), mdFile(to)), frag)
}

func (l *mdLinker) fleetPath(from, rel string) string {
	return strings.Repeat("../", depth(from)) + l.toRoot + rel
}

func (l *mdLinker) source(from string, pos diag.Pos) string {
	href := l.fleetPath(from, pos.File)
	if pos.Line > 0 {
		href += "#L" + strconv.Itoa(int(pos.Line))
	}
	return href
}

func (l *mdLinker) file(from, rel, frag string) (string, bool) {
	return withFrag(l.fleetPath(from, rel), frag), true
}

func (l *mdLinker) html() bool { return false }

// depth is how many folders deep a page id is.
func depth(id string) int { return strings.Count(id, "/") }

// htmlLinker links the HTML site: pages by relative .html paths, fleet
// files to their source pages (source/<file>.html#L<line>), which it
// records so the site includes them.
type htmlLinker struct {
	fsys fs.FS
	// pageOf maps fleet files that are pages of the site (hand-written
	// guides, hosts' README.md) to their page ids.
	pageOf  map[string]string
	sources map[string]bool
}

func htmlFile(id string) string { return id + ".html" }

func (l *htmlLinker) page(from, to, frag string) string {
	return withFrag(relPath(path.Dir(from), htmlFile(to)), frag)
}

func sourceID(file string) string { return "source/" + file }

func (l *htmlLinker) source(from string, pos diag.Pos) string {
	l.sources[pos.File] = true
	frag := ""
	if pos.Line > 0 {
		frag = "L" + strconv.Itoa(int(pos.Line))
	}
	return l.page(from, sourceID(pos.File), frag)
}

func (l *htmlLinker) file(from, rel, frag string) (string, bool) {
	if id, ok := l.pageOf[rel]; ok {
		return l.page(from, id, frag), true
	}
	if !showable(l.fsys, rel) {
		return "", false
	}
	l.sources[rel] = true
	return l.page(from, sourceID(rel), frag), true
}

func (l *htmlLinker) html() bool { return true }

// showable reports whether a fleet file may get a source page: a regular
// text file outside secrets/.
func showable(fsys fs.FS, rel string) bool {
	if rel == "" || strings.HasPrefix(rel, "../") || rel == ".." || strings.HasPrefix(rel, "secrets/") || strings.HasPrefix(rel, ".git/") {
		return false
	}
	st, err := fs.Stat(fsys, rel)
	return err == nil && st.Mode().IsRegular() && st.Size() < 1<<20
}

// handLinks rewrites the relative links of hand-written Markdown read
// from the fleet file src so they work from page from.
func handLinks(text, src, from string, lk linker) string {
	return rewriteLinks(text, func(dest string) string {
		if dest == "" || strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "/") || strings.Contains(dest, ":") {
			return dest
		}
		p, frag, _ := strings.Cut(dest, "#")
		rel := path.Join(path.Dir(src), p)
		if href, ok := lk.file(from, rel, frag); ok {
			return href
		}
		return dest
	})
}

// CheckLinks reports the relative links of the fleet's hand-written
// Markdown (hosts' and modules' README.md, the guides in docs/) whose
// target is not in the fleet: on a forge and on the site they would lead
// nowhere. Each is a warning at the link's file:line:col.
func CheckLinks(f *fleet.Fleet) []diag.Diagnostic {
	fsys := os.DirFS(f.Dir)
	var files []string
	for _, h := range f.Inventory.Hosts {
		files = append(files, "hosts/"+h.Name+"/README.md")
	}
	for _, class := range slices.Sorted(maps.Keys(f.Inventory.Modules)) {
		for _, name := range slices.Sorted(maps.Keys(f.Inventory.Modules[class])) {
			files = append(files, path.Join(path.Dir(f.Inventory.Modules[class][name].File), "README.md"))
		}
	}
	if entries, err := fs.ReadDir(fsys, "docs"); err == nil {
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
				files = append(files, "docs/"+e.Name())
			}
		}
	}
	var out []diag.Diagnostic
	seen := map[string]bool{}
	for _, file := range files {
		if seen[file] {
			continue
		}
		seen[file] = true
		text := readText(fsys, file)
		if text == "" || strings.HasPrefix(text, MarkdownHeader) {
			continue
		}
		lines := strings.SplitAfter(text, "\n")
		outsideFences(lines, func(i int, l string) {
			masked := maskCode(l)
			for _, m := range linkRe.FindAllStringSubmatchIndex(masked, -1) {
				dest := strings.TrimSuffix(strings.TrimPrefix(l[m[2]:m[3]], "<"), ">")
				if dest == "" || strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "/") || strings.Contains(dest, ":") {
					continue
				}
				p, _, _ := strings.Cut(dest, "#")
				target := path.Join(path.Dir(file), p)
				pos := diag.Pos{File: file, Line: int32(i + 1), Col: int32(m[2] + 1)}
				switch {
				case target == ".." || strings.HasPrefix(target, "../"):
					out = append(out, diag.Diagnostic{Severity: diag.Warning, Pos: pos, Code: "docs-link",
						Message: "link to " + dest + " leaves the fleet: the docs site cannot show it",
						Hints:   []string{"link to a file inside the fleet, or to a full https:// address"}})
				case !exists(fsys, target):
					d := diag.Diagnostic{Severity: diag.Warning, Pos: pos, Code: "docs-link", Message: "link to " + dest + ": " + target + " is not in the fleet"}
					d.Hints = []string{"fix the link, or create " + target}
					out = append(out, d)
				}
			}
		})
	}
	return out
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

// maskCode blanks the inline code spans of a line (keeping its length),
// so that what looks like a link inside code is not taken for one.
func maskCode(line string) string {
	b := []byte(line)
	i := 0
	for i < len(b) {
		if b[i] != '`' {
			i++
			continue
		}
		n := i
		for n < len(b) && b[n] == '`' {
			n++
		}
		end := strings.Index(line[n:], line[i:n])
		if end < 0 {
			break
		}
		stop := n + end + (n - i)
		for j := i; j < stop; j++ {
			b[j] = ' '
		}
		i = stop
	}
	return string(b)
}
