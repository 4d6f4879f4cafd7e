package generate

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// FlakeInputs reads the names of the inputs a flake.nix declares, with
// the position of each, and the position of the inputs attribute.
func FlakeInputs(name string, src []byte) (map[string]diag.Pos, diag.Pos, []diag.Diagnostic) {
	f, ds := syntax.Parse(name, src)
	inputs := map[string]diag.Pos{}
	where := diag.Pos{File: name, Line: 1, Col: 1}
	if len(ds) > 0 || f.Expr == nil {
		return inputs, where, ds
	}
	set, ok := syntax.Unparen(f.Expr).(*syntax.AttrSet)
	if !ok {
		return inputs, where, []diag.Diagnostic{{Pos: f.NodePos(f.Expr), Message: "flake.nix is not an attribute set", Code: "flake"}}
	}
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok || a.Path == nil || len(a.Path.Names) == 0 || name0(a.Path.Names[0]) != "inputs" {
			continue
		}
		where = f.NodePos(a.Path)
		if len(a.Path.Names) > 1 {
			// inputs.nixpkgs.url = "...";
			if n := name0(a.Path.Names[1]); n != "" {
				inputs[n] = f.NodePos(a.Path.Names[1])
			}
			continue
		}
		if in, ok := syntax.Unparen(a.Value).(*syntax.AttrSet); ok {
			for _, ib := range in.Binds {
				switch ib := ib.(type) {
				case *syntax.Assign:
					if ib.Path != nil && len(ib.Path.Names) > 0 {
						if n := name0(ib.Path.Names[0]); n != "" {
							inputs[n] = f.NodePos(ib.Path.Names[0])
						}
					}
				case *syntax.Inherit:
					for _, n := range ib.Names {
						if s := name0(n); s != "" {
							inputs[s] = f.NodePos(n)
						}
					}
				}
			}
		}
	}
	return inputs, where, nil
}

func name0(n *syntax.AttrName) string {
	switch {
	case n.Ident != nil:
		return n.Ident.Text
	case n.Str != nil:
		s, _ := syntax.StringValue(n.Str)
		return s
	}
	return ""
}

// CheckFlake reports the inputs the generated code or fleet.toml needs
// that the user's flake.nix does not declare.
func CheckFlake(root string, f *eval.Fleet) []diag.Diagnostic {
	const name = "flake.nix"
	src, err := os.ReadFile(filepath.Join(root, name))
	if errors.Is(err, fs.ErrNotExist) {
		return []diag.Diagnostic{{Pos: diag.Pos{File: name}, Code: "flake", Message: "flake.nix is missing",
			Hints: []string{"create it with inputs and `outputs = inputs: import ./generated/outputs.nix inputs;` ('fleet init' writes one for a new fleet)"}}}
	}
	if err != nil {
		return []diag.Diagnostic{{Pos: diag.Pos{File: name}, Code: "flake", Message: "cannot read flake.nix: " + errors.Unwrap(err).Error()}}
	}
	have, where, ds := FlakeInputs(name, src)
	if len(ds) > 0 {
		return ds
	}
	need := map[string]string{}
	for _, in := range Inputs(f) {
		need[in] = "the generated code uses it"
	}
	for _, in := range f.Inv.Fleet.Inputs {
		if _, ok := need[in.Name.V]; !ok {
			need[in.Name.V] = "fleet.toml declares it"
		}
	}
	var out []diag.Diagnostic
	for _, n := range sortedKeys(need) {
		if _, ok := have[n]; ok {
			continue
		}
		d := diag.Diagnostic{Pos: where, Code: "flake-input", Message: "flake.nix has no input " + n + ": " + need[n]}
		url := ""
		for _, in := range f.Inv.Fleet.Inputs {
			if in.Name.V == n {
				url = in.URL.V
			}
		}
		if url != "" {
			d.Hints = append(d.Hints, "add "+n+".url = \""+url+"\"; to the inputs of flake.nix")
		} else {
			d.Hints = append(d.Hints, "add the "+n+" input to flake.nix (and to [inputs] in fleet.toml)")
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b diag.Diagnostic) int { return a.Pos.Compare(b.Pos) })
	return out
}
