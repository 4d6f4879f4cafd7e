package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/importer"
	"github.com/fleetdev/fleet/internal/scaffold"
	"github.com/fleetdev/fleet/internal/verify"
)

func (a *App) importCommand() *cobra.Command {
	var into string
	var verify bool
	c := &cobra.Command{
		Use:   "import SRC [--into DIR]",
		Short: "Make a fleet of an existing hand-written flake, without changing it",
		Long: `Import reads the flake in SRC statically (it evaluates nothing) and writes a
fleet into DIR (default: the current directory), which must be empty or not
exist. Every nixosConfigurations and darwinConfigurations entry built with
nixpkgs.lib.nixosSystem or nix-darwin.lib.darwinSystem, inline or through a
function of the flake, becomes a host: its Nix files are copied unchanged
into hosts/<host>/, its literal system and system.stateVersion go to
host.toml, modules of inputs (home-manager), inline modules and specialArgs
to hosts/<host>/flake-modules.nix, the inputs to fleet.toml, and flake.nix
keeps every output of the old flake.

It prints a report of what it mapped and what it left for you, with the
position in SRC of each, and writes it into DIR/IMPORT.md with how to go
back. Nothing is written unless everything is: the fleet is written and
generated in a temporary folder beside DIR, then renamed.

--verify then evaluates every host of the old flake and of the fleet with
nix-instantiate and compares their whole configurations value by value. No
nixpkgs is needed: the module system and the inputs are stand-ins (a module
system that merges definitions with mkDefault/mkForce priorities, mkIf and
mkMerge, without option declarations or defaults; input modules such as
home-manager declare nothing), so what is compared is what the files define.
Values only fleet sets for its own wiring (its overlay, home-manager's
settings) are listed apart. With --verify on a DIR that already holds the
imported fleet, nothing is imported: the fleet is compared again (after
fleet dedupe --apply and fleet generate, for instance). Differences exit 1.`,
		Example: `  fleet import ~/src/nixos-config --into ~/src/fleet
  fleet --json import ./old-flake --into new | jq '.items[] | select(.status == "left")'
  fleet import ~/src/nixos-config --into ~/src/fleet --verify   # again after each change`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := args[0]
			if !filepath.IsAbs(src) {
				src = filepath.Join(a.WorkDir, src)
			}
			dir := a.WorkDir
			if into != "" {
				dir = into
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.WorkDir, dir)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "fleet.toml")); err == nil && verify {
				return a.verifyImport(cmd.Context(), src, dir)
			}
			if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
				return withHint(fmt.Errorf("not importing into %s: it is not empty", a.rel(dir)), "choose an empty or new folder with --into")
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			res, ds, err := importer.Import(src, filepath.Base(dir))
			if err != nil {
				return err
			}
			if len(ds) > 0 {
				for i := range ds {
					ds[i].Pos.File = filepath.Join(a.rel(src), ds[i].Pos.File)
				}
				var l diag.List
				for _, d := range ds {
					l.Add(d)
				}
				return a.reportDiags(&l)
			}
			res.Files["IMPORT.md"] = atomicfs.File{Data: res.Guide(a.rel(src))}
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				return err
			}
			stage, err := os.MkdirTemp(filepath.Dir(dir), ".fleet-import-")
			if err != nil {
				return err
			}
			done := false
			defer func() {
				if !done {
					os.RemoveAll(stage)
				}
			}()
			// As for a fleet made by init: what is written for this machine
			// only (generated/fleet.sums) stays out of git.
			res.Files[".gitignore"] = atomicfs.File{Data: []byte(scaffold.GitIgnore)}
			if err := atomicfs.CreateTree(stage, res.Files); err != nil {
				return err
			}
			if _, err := a.generateInto(cmd.Context(), stage); err != nil {
				return err
			}
			if err := os.Chmod(stage, 0o755); err != nil {
				return err
			}
			// An empty DIR is replaced by the rename itself.
			if err := os.Rename(stage, dir); err != nil {
				return err
			}
			done = true
			if a.JSON {
				if err := writeJSON(a.Out, res); err != nil {
					return err
				}
			} else {
				for _, it := range res.Items {
					p := it.Pos
					p.File = filepath.Join(a.rel(src), p.File)
					fmt.Fprintf(a.Out, "%s: %s: %s\n", p, it.Status, it.Message)
				}
			}
			left := 0
			for _, it := range res.Items {
				if it.Status == importer.Left {
					left++
				}
			}
			rel := a.rel(dir)
			fmt.Fprintf(a.Err, "imported %s into %s: %s left for you (%s/IMPORT.md)\n", plural(len(res.Hosts), "host"), rel, plural(left, "item"), rel)
			state, err := scaffold.Git(cmd.Context(), dir, a.Env.List())
			switch {
			case err != nil:
				fmt.Fprintf(a.Err, "fleet: warning: %v\n", err)
			case state == scaffold.GitInitialized:
				fmt.Fprintf(a.Err, "created a git repository in %s with every file staged: flakes see only the files git tracks\n", rel)
			case state == scaffold.GitExisting:
				fmt.Fprintf(a.Err, "%s is inside a git repository: 'git add' the new files, flakes see only the files git tracks\n", rel)
			}
			if verify {
				return a.verifyImport(cmd.Context(), src, dir)
			}
			fmt.Fprintf(a.Err, "next: fleet --dir %s check\n", rel)
			return nil
		},
	}
	c.Flags().BoolVar(&verify, "verify", false, "compare every host's configuration in the old flake and the fleet with nix-instantiate (stand-ins, no nixpkgs needed)")
	c.Flags().StringVar(&into, "into", "", "folder to write the fleet into (empty or new; default: the current directory)")
	return c
}

// verifyImport compares the hosts of the flake in src and the fleet in
// dir, evaluated with stand-ins.
func (a *App) verifyImport(ctx context.Context, src, dir string) error {
	if _, err := verify.NixVersion(ctx, a.runner()); err != nil {
		return withHint(fmt.Errorf("cannot verify: nix-instantiate: %w", err), "install Nix, or leave out --verify")
	}
	v, err := importer.Verify(ctx, a.runner(), src, dir)
	if err != nil {
		return err
	}
	if a.JSON {
		if err := writeJSON(a.Out, v); err != nil {
			return err
		}
	} else {
		for _, d := range v.Differences {
			fmt.Fprintf(a.Out, "verify: %s: %s: old %s, fleet %s\n", d.Host, d.Path, orUnset(d.Old), orUnset(d.New))
		}
		for _, d := range v.FleetAdds {
			fmt.Fprintf(a.Out, "verify: %s: %s = %s (fleet's own wiring)\n", d.Host, d.Path, d.New)
		}
	}
	fmt.Fprintf(a.Err, "verified %s with stand-ins: %d values compared, %s\n", plural(len(v.Hosts), "host"), v.Compared, plural(len(v.Differences), "difference"))
	if len(v.Differences) > 0 {
		return errFindings
	}
	return nil
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}
