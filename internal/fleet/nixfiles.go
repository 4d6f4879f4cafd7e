package fleet

import (
	"errors"
	"slices"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/nix/syntax"
	"github.com/fleetdev/fleet/internal/parallel"
)

// nixFiles lists the user's Nix files that the generated code imports,
// other than modules (their options are extracted, which checks them):
// common/<class>.nix, host-only modules, users' home.nix and packages.
func nixFiles(inv *inventory.Inventory) []string {
	var out []string
	for _, f := range inv.CommonNix {
		out = append(out, f)
	}
	for _, h := range inv.Hosts {
		out = append(out, h.NixFiles...)
	}
	for _, u := range inv.Users {
		if u.HomeNix != "" {
			out = append(out, u.HomeNix)
		}
	}
	for _, f := range inv.PackageFiles {
		out = append(out, f)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkNixFiles reports what Nix itself would reject in the user's Nix
// files (syntax errors, undefined variables), with positions, so that
// `fleet check` finds them before a build does.
func checkNixFiles(inv *inventory.Inventory) *diag.List {
	files := nixFiles(inv)
	lists := make([]diag.List, len(files))
	parallel.Each(len(files), func(i int) {
		rel := files[i]
		src, err := inv.ReadFile(rel)
		if err != nil {
			if u := errors.Unwrap(err); u != nil {
				err = u
			}
			lists[i].Errorf(diag.Pos{File: rel}, "read", "cannot read %s: %v", rel, err)
			return
		}
		for _, d := range syntax.Check(rel, src) {
			d.Hints = append(d.Hints, "fix the Nix file: the generated flake imports it")
			lists[i].Add(d)
		}
	})
	out := &diag.List{}
	for i := range lists {
		out.Append(&lists[i])
	}
	return out
}

// readOptions extracts a module's options with r and, when it parses,
// reports undefined variables as Nix would.
func readOptions(r options.Reader) func(file string, src []byte) (*options.Module, []diag.Diagnostic) {
	return func(file string, src []byte) (*options.Module, []diag.Diagnostic) {
		m, ds := r.Extract(file, src)
		if !slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Severity == diag.Error }) {
			undefined := syntax.Check(file, src)
			for i := range undefined {
				undefined[i].Hints = append(undefined[i].Hints, "fix the module: every host of its platform imports it")
			}
			ds = append(ds, undefined...)
		}
		return m, ds
	}
}
