package inventory

import (
	"regexp"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Toolset is toolsets/<name>.toml: developer tools defined once, installed
// by home-manager on the machines whose users, roles or profiles name it,
// and put in the dev shells of the project templates that name it.
type Toolset struct {
	Name        string
	File        string // relative to the fleet root
	Description Str
	// Packages are nixpkgs attribute names every system gets.
	Packages []Str
	// Platforms holds the extra packages of one platform ("linux",
	// "darwin") or one system ("x86_64-linux"), in source order.
	Platforms []ToolsetPlatform
}

// ToolsetPlatform is a [platforms.<key>] table of a toolset.
type ToolsetPlatform struct {
	Key      Str // "linux", "darwin" or a system
	Packages []Str
}

// ToolsetPlatformKeys are the keys [platforms] accepts besides systems.
var ToolsetPlatformKeys = []string{"linux", "darwin"}

// Matches reports whether the platform table applies to system.
func (p ToolsetPlatform) Matches(system string) bool {
	return p.Key.V == system || strings.HasSuffix(system, "-"+p.Key.V)
}

// PackagesFor returns the packages the toolset gives system: the common
// ones, then those of the matching platform tables, without repeats.
func (t *Toolset) PackagesFor(system string) []Str {
	out := slices.Clone(t.Packages)
	for _, p := range t.Platforms {
		if !p.Matches(system) {
			continue
		}
		for _, pkg := range p.Packages {
			if !slices.ContainsFunc(out, func(s Str) bool { return s.V == pkg.V }) {
				out = append(out, pkg)
			}
		}
	}
	return out
}

// Template is templates/<name>/: a project template. Its metadata is
// templates/<name>/template.toml; the other files are the project.
type Template struct {
	Name string
	// Dir is the template's folder relative to the fleet root.
	Dir string
	// File is the template.toml, relative to the fleet root, or "" when
	// the template has none.
	File        string
	Description Str
	// Toolsets name the toolsets of the dev shell.
	Toolsets []Str
}

// TemplateFile is the metadata file of a template, inside its folder.
const TemplateFile = "template.toml"

// ToolsetFile is the file fleet generates in each template folder: the
// dev shell's packages per system.
const ToolsetFile = "toolset.nix"

var (
	toolsetKeys      = []string{"description", "packages", "platforms"}
	toolsetPlatKeys  = []string{"packages"}
	templateKeys     = []string{"description", "toolsets"}
	templateNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	packageNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$`)
	templateNameWant = "lowercase letters, digits, '-' and '_' (the name is typed in 'nix flake init -t FLEET#NAME')"
)

// IsPackageName reports whether s is a nixpkgs attribute path such as
// "ripgrep" or "python3Packages.black".
func IsPackageName(s string) bool { return packageNameRE.MatchString(s) }

func (l *loader) loadToolsets(inv *Inventory) {
	for _, name := range l.tomlFiles("toolsets") {
		rel := "toolsets/" + name + ".toml"
		t := l.parse(rel, false)
		if t == nil {
			continue
		}
		inv.Toolsets[name] = l.toolset(t, name, rel)
	}
}

func (l *loader) toolset(t *Value, name, rel string) *Toolset {
	d := decoder{diags: l.diags}
	d.keys(t, "a toolset", toolsetKeys...)
	ts := &Toolset{Name: name, File: rel, Description: d.str(t, "description")}
	ts.Packages = l.packageNames(d.strList(t, "packages"))
	plats := d.table(t, "platforms")
	if plats == nil {
		return ts
	}
	known := append(slices.Clone(ToolsetPlatformKeys), Systems[NixOS]...)
	known = append(known, Systems[Darwin]...)
	for k, v := range plats.Entries() {
		if !slices.Contains(known, k) {
			e := d.diags.Errorf(v.KeyPos, "unknown-key", "[platforms.%s] is not a platform or system", QuoteKey(k))
			if hint := diag.DidYouMean(k, known); hint != "" {
				e.Hint("%s", hint)
			} else {
				e.Hint("use one of %s", quoteAll(known))
			}
			continue
		}
		if v.Kind != Table {
			d.wrongType(v, "platforms."+QuoteKey(k), "a table with packages = [...]")
			continue
		}
		d.keys(v, "[platforms."+QuoteKey(k)+"]", toolsetPlatKeys...)
		ts.Platforms = append(ts.Platforms, ToolsetPlatform{Key: Str{V: k, Pos: v.KeyPos}, Packages: l.packageNames(d.strList(v, "packages"))})
	}
	return ts
}

// packageNames drops, with an error, names that are not nixpkgs
// attribute paths.
func (l *loader) packageNames(ss []Str) []Str {
	out := ss[:0]
	for _, s := range ss {
		if !IsPackageName(s.V) {
			l.diags.Errorf(s.Pos, "value", "%q is not a package attribute name", s.V).
				Hint(`write the nixpkgs attribute, such as "ripgrep" or "python3Packages.black"`)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (l *loader) loadTemplates(inv *Inventory) {
	for _, name := range l.subdirs("templates") {
		dir := "templates/" + name
		if !l.checkName(dir, name, templateNameRE.MatchString, templateNameWant) {
			continue
		}
		inv.Templates = append(inv.Templates, name)
		tp := &Template{Name: name, Dir: dir}
		inv.TemplateDefs[name] = tp
		rel := dir + "/" + TemplateFile
		t := l.parse(rel, true)
		if t == nil {
			continue
		}
		tp.File = rel
		d := decoder{diags: l.diags}
		d.keys(t, TemplateFile, templateKeys...)
		tp.Description = d.str(t, "description")
		tp.Toolsets = d.strList(t, "toolsets")
	}
}
