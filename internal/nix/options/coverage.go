package options

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// NixOption is one option as the module system evaluates it: its path
// (loc, with <name> and * as getSubOptions names them) and the name of
// its type (type.name: "nullOr", "attrsOf", "submodule", ...). Failed is
// set when the declaration, type or suboptions could not be evaluated.
// scripts/options-coverage/flatten.nix writes a list of them.
type NixOption struct {
	Path     []string `json:"path"`
	Type     string   `json:"type"`
	Internal bool     `json:"internal,omitempty"`
	Failed   string   `json:"failed,omitempty"`
}

// Coverage compares an index with the option list Nix evaluates for the
// same tree.
type Coverage struct {
	// Nix counts Nix's option paths (distinct, failed entries apart);
	// Failed counts what Nix could not evaluate.
	Nix, Failed int
	// Exact counts Nix's paths the index declares as options; Accepted
	// those Lookup accepts in any way (declared, below a value, open);
	// Moved those it knows as renamed or removed (mkRenamedOptionModule
	// declares an option Nix lists); Missing lists the others.
	Exact, Accepted, Moved int
	Missing                []string
	// Fleet counts the index's option paths; Extra lists those Nix does
	// not have, and ExtraBelow counts the ones among them below a path
	// Nix declares as an option (inside a value Nix does not descend
	// into, such as either A (submodule ...)).
	Fleet      int
	Extra      []string
	ExtraBelow int
	// ExtraOpen counts the Extra entries that are declarations fleet could
	// not read (open) at a path holding Nix's options (programs.brave
	// made by mapAttrs): not a false path, a set Nix has.
	ExtraOpen int
	// Of the Exact paths: types of the same kind, types the index leaves
	// open (or Nix's is a stand-in), and different ones.
	TypeEqual, TypeOpen int
	TypeDiff            []string
}

// nixKind maps a module-system type name to fleet's kind; "" when fleet
// has no kind for it (functionTo, a stand-in format type, ...).
func nixKind(name string) Kind {
	switch name {
	case "bool":
		return Bool
	case "str", "separatedString", "singleLineStr", "nonEmptyStr", "strMatching", "passwdEntry", "envVar", "lines", "commas":
		return Str
	case "int", "intBetween", "unsignedInt", "positiveInt", "signedInt8", "signedInt16", "signedInt32",
		"unsignedInt8", "unsignedInt16", "unsignedInt32", "port":
		return Int
	case "float":
		return Float
	case "number", "numberBetween", "positiveNumber", "unsignedNumber":
		return Number
	case "path", "pathInStore", "externalPath":
		return Path
	case "package", "shellPackage":
		return Package
	case "enum":
		return Enum
	case "listOf", "nonEmptyListOf":
		return ListOf
	case "attrsOf", "lazyAttrsOf":
		return AttrsOf
	case "attrs":
		return Attrs
	case "nullOr":
		return NullOr
	case "either", "oneOf", "coercedTo":
		return Either
	case "submodule":
		return Submodule
	case "anything", "raw", "unspecified":
		return Anything
	}
	if strings.HasPrefix(name, "intBetween") || strings.HasPrefix(name, "ints.") {
		return Int
	}
	return ""
}

// CompareCoverage compares ix with the options Nix evaluated for the same
// tree.
func CompareCoverage(ix *Index, nix []NixOption) Coverage {
	var c Coverage
	inNix := map[string]bool{}
	for _, o := range nix {
		if o.Failed != "" {
			c.Failed++
			continue
		}
		p := joinPath(o.Path)
		if inNix[p] {
			continue
		}
		inNix[p] = true
		c.Nix++
		f := ix.Lookup(o.Path)
		switch f.Verdict {
		case Moved:
			c.Moved++
			continue
		case Unknown_:
			c.Missing = append(c.Missing, p)
			continue
		}
		c.Accepted++
		es := ix.Option(p)
		var opts []*IndexEntry
		for _, e := range es {
			if e.Kind != "" {
				opts = append(opts, e)
			}
		}
		if len(opts) == 0 {
			continue
		}
		c.Exact++
		want := nixKind(o.Type)
		switch {
		case want == "" || o.Type == "standin-format":
			c.TypeOpen++
		case anyKind(opts, want):
			c.TypeEqual++
		case anyKind(opts, Unknown):
			c.TypeOpen++
		default:
			c.TypeDiff = append(c.TypeDiff, p+": nix "+o.Type+", fleet "+string(opts[0].Kind)+" ("+opts[0].Type+")")
		}
	}
	// Every proper prefix of Nix's options: the sets holding them.
	sets := map[string]bool{}
	for _, o := range nix {
		for i := 1; i < len(o.Path); i++ {
			sets[joinPath(o.Path[:i])] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range ix.Entries {
		if e.Kind == "" || seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		c.Fleet++
		if inNix[e.Path] {
			continue
		}
		c.Extra = append(c.Extra, e.Path)
		if e.Kind == Unknown && sets[e.Path] {
			c.ExtraOpen++
			continue
		}
		p := SplitPath(e.Path)
		for i := len(p) - 1; i > 0; i-- {
			if inNix[joinPath(p[:i])] {
				c.ExtraBelow++
				break
			}
		}
	}
	sort.Strings(c.Missing)
	sort.Strings(c.Extra)
	sort.Strings(c.TypeDiff)
	return c
}

func anyKind(es []*IndexEntry, k Kind) bool {
	for _, e := range es {
		if e.Kind == k {
			return true
		}
	}
	return false
}

var pkgsAttr = regexp.MustCompile(`pkgs\.([a-zA-Z_][a-zA-Z0-9_'-]*)`)

// EvalNixOptions runs scriptDir/flatten.nix (scripts/options-coverage)
// with nix-instantiate over a home-manager (class "home") or nix-darwin
// ("darwin") source tree and nixpkgs.lib's lib folder, and returns the
// options the module system evaluates. The stand-in pkgs has every
// attribute the tree's modules name as pkgs.NAME.
func EvalNixOptions(scriptDir, lib, tree, class string) ([]NixOption, error) {
	names := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(tree, "modules"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".nix") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range pkgsAttr.FindAllSubmatch(b, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var list strings.Builder
	list.WriteString("[")
	for _, n := range sortedKeys(names) {
		fmt.Fprintf(&list, " %q", n)
	}
	list.WriteString(" ]")
	// pkgs.path: the stand-in nixpkgs files and nixpkgs.lib's lib.
	standin, err := os.MkdirTemp("", "fleet-standin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(standin)
	if err := os.CopyFS(standin, os.DirFS(filepath.Join(scriptDir, "standin-nixpkgs"))); err != nil {
		return nil, err
	}
	absLib, err := filepath.Abs(lib)
	if err != nil {
		return nil, err
	}
	if err := os.Symlink(absLib, filepath.Join(standin, "lib")); err != nil {
		return nil, err
	}
	absTree, err := filepath.Abs(tree)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("nix-instantiate", "--eval", "--strict", "--json", filepath.Join(scriptDir, "flatten.nix"),
		"--arg", "lib", absLib, "--arg", "tree", absTree, "--argstr", "class", class,
		"--arg", "pkgNames", list.String(), "--arg", "standinPath", standin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("nix-instantiate: %v: %s", err, stderr.Bytes())
	}
	var opts []NixOption
	if err := json.Unmarshal(out, &opts); err != nil {
		return nil, err
	}
	return opts, nil
}

// Report writes the figures of c, with up to max of each list.
func (c Coverage) Report(max int) string {
	var b strings.Builder
	pct := func(n, d int) float64 {
		if d == 0 {
			return 0
		}
		return 100 * float64(n) / float64(d)
	}
	fmt.Fprintf(&b, "nix options: %d (not evaluable: %d)\n", c.Nix, c.Failed)
	fmt.Fprintf(&b, "paths declared by the index: %d (%.2f%%); accepted: %d (%.2f%%); renamed or removed: %d (%.2f%%); missing: %d (%.2f%%)\n",
		c.Exact, pct(c.Exact, c.Nix), c.Accepted, pct(c.Accepted, c.Nix), c.Moved, pct(c.Moved, c.Nix), len(c.Missing), pct(len(c.Missing), c.Nix))
	fmt.Fprintf(&b, "index options: %d; also in nix: %d (%.2f%%); not in nix: %d (below a nix option: %d; open at a set of nix options: %d; other: %d)\n",
		c.Fleet, c.Fleet-len(c.Extra), pct(c.Fleet-len(c.Extra), c.Fleet), len(c.Extra), c.ExtraBelow, c.ExtraOpen, len(c.Extra)-c.ExtraBelow-c.ExtraOpen)
	fmt.Fprintf(&b, "types of the %d paths in both: equal %d (%.2f%%), open %d (%.2f%%), different %d (%.2f%%)\n",
		c.Exact, c.TypeEqual, pct(c.TypeEqual, c.Exact), c.TypeOpen, pct(c.TypeOpen, c.Exact), len(c.TypeDiff), pct(len(c.TypeDiff), c.Exact))
	list := func(title string, l []string) {
		if len(l) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s:\n", title)
		for i, s := range l {
			if i == max {
				fmt.Fprintf(&b, "  ... %d more\n", len(l)-max)
				break
			}
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	list("missing", c.Missing)
	list("not in nix", c.Extra)
	list("types different", c.TypeDiff)
	return b.String()
}
