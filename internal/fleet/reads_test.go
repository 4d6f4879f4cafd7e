package fleet

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readCalls are the calls that read the file system.
var readCalls = map[string]bool{
	"os.ReadFile": true, "os.Open": true, "os.OpenFile": true, "os.ReadDir": true,
	"os.Stat": true, "os.Lstat": true, "os.OpenRoot": true, "os.Readlink": true, "os.DirFS": true,
	"readfile.Read": true, "readfile.ReadInto": true, "filepath.WalkDir": true, "filepath.Walk": true,
	"filepath.EvalSymlinks": true, "filepath.Glob": true,
}

// recordedReads are the functions allowed to read the file system in the
// packages that derive values from a fleet, each recording what it read
// in inventory.Inputs next to the read (or, said here, why it need not).
var recordedReads = map[string]string{
	"inventory/inputs.go ReadFile":   "records",
	"inventory/load.go load":         "resolves the root itself",
	"inventory/load.go exists":       "records the probe",
	"inventory/containers.go isLink": "records the probe",
	"inventory/load.go inside":       "records a refusal",
	"inventory/load.go linkInside":   "answers inside, which records a refusal",
	"inventory/load.go parse":        "records",
	"inventory/load.go readDir":      "records the listing",
	"inventory/load.go prelist":      "answers exists and readDir, which record the probe and the listing",
	"inventory/load.go loadModules":  "records",
	"inventory/load.go loadSecrets":  "records each file found",
	"fleet/fleet.go FindRoot":        "finds the root, before loading",
	"fleet/fleet.go EvalConfig":      "records (the option reader)",
	"nix/options/upstream.go *":      "upstream trees, outside the fleet: only diagnostics",
	"nix/options/index.go *":         "upstream trees, outside the fleet: only diagnostics",
	"nix/options/coverage.go *":      "upstream trees, for the coverage report",
}

// TestReadsRecorded keeps generated/fleet.sums sound: a read of the fleet
// that Inputs does not record would let check trust a host file rendered
// from other bytes. Every file-system read in the packages that derive
// values from a fleet is in a function listed in recordedReads.
func TestReadsRecorded(t *testing.T) {
	fset := token.NewFileSet()
	for _, pkg := range []string{"inventory", "eval", "containers", "fleet", "nix/options"} {
		dir := filepath.Join("..", filepath.FromSlash(pkg))
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			file := pkg + "/" + name
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok {
					continue
				}
				ast.Inspect(fn, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					sel, ok := call.Fun.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					x, ok := sel.X.(*ast.Ident)
					if !ok || !readCalls[x.Name+"."+sel.Sel.Name] {
						return true
					}
					if _, ok := recordedReads[file+" "+fn.Name.Name]; ok {
						return true
					}
					if _, ok := recordedReads[file+" *"]; ok {
						return true
					}
					t.Errorf("%s: %s.%s in %s reads the file system around inventory.Inputs: read through Inventory.ReadFile (or record the read), then list the function in recordedReads", fset.Position(call.Pos()), x.Name, sel.Sel.Name, fn.Name.Name)
					return true
				})
			}
		}
	}
}
