package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/importer"
	"github.com/fleetdev/fleet/internal/nix/build"
)

func (a *App) dedupeCommand() *cobra.Command {
	var apply int
	c := &cobra.Command{
		Use:   "dedupe [--apply N]",
		Short: "Find settings repeated across hosts' Nix files and move them into fleet's TOML",
		Long: `Dedupe reads the host-only Nix files (hosts/<host>/*.nix) and lists every
option defined with the same value (the same syntax tree: whitespace and
comments aside) in two or more hosts of one platform, with the hosts it
covers and where it belongs: common/common.toml when every host of the
platform has it, else a new role holding it. Only literal values (strings,
numbers, booleans, lists of them) on a line of their own are proposed.

--apply N carries out proposal N alone: the definition's line is removed
from each file (nothing else in the files changes: comments and formatting
stay), the setting is added to the TOML file ([nixos.<path>] or
[darwin.<path>]), and for a role the role is added to each host. The fleet is
checked again afterwards; if the check finds errors, every file is put back.
Apply one proposal at a time and commit each: fleet dedupe numbers them
again after each change.`,
		Example: `  fleet dedupe
  fleet dedupe --apply 1 && git commit -am "time.timeZone in common"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			if l.Diags.HasErrors() {
				return a.reportDiags(l.Diags)
			}
			props, err := importer.Dedupe(l.Inventory)
			if err != nil {
				return err
			}
			if apply == 0 {
				if a.JSON {
					return writeJSON(a.Out, nonNil(props))
				}
				for _, p := range props {
					fmt.Fprintf(a.Out, "%d. %s.%s = %s -> %s (%s: %s)\n", p.N, p.Platform, build.AttrPath(p.Path...), p.TOML, p.File, p.Where, strings.Join(p.Hosts, ", "))
					for _, d := range p.Defs {
						fmt.Fprintf(a.Out, "   %s\n", d.Pos)
					}
				}
				fmt.Fprintf(a.Err, "%s\n", plural(len(props), "proposal"))
				return nil
			}
			if apply < 0 || apply > len(props) {
				return withHint(usageError("no proposal %d (there are %d)", apply, len(props)), "run 'fleet dedupe' to list them")
			}
			p := props[apply-1]
			edits, err := importer.Apply(l.Inventory, p)
			if err != nil {
				return err
			}
			var do, undo []atomicfs.Write
			for _, e := range edits {
				path := filepath.Join(l.Dir, filepath.FromSlash(e.Path))
				do = append(do, atomicfs.Write{Path: path, Data: e.New, Perm: 0o644})
				if e.Old == nil {
					undo = append(undo, atomicfs.Write{Path: path, Remove: true})
				} else {
					undo = append(undo, atomicfs.Write{Path: path, Data: e.Old, Perm: 0o644})
				}
			}
			if err := atomicfs.WriteAll(do); err != nil {
				return err
			}
			after, err := a.load(cmd.Context(), nil)
			if err == nil && after.Diags.HasErrors() {
				if uerr := atomicfs.WriteAll(undo); uerr != nil {
					return uerr
				}
				a.renderDiags(after.Diags.Items())
				return withHint(fmt.Errorf("proposal %d makes the fleet fail its check: every file was put back", apply), "move this setting by hand")
			}
			if err != nil {
				if uerr := atomicfs.WriteAll(undo); uerr != nil {
					return uerr
				}
				return err
			}
			for _, e := range edits {
				fmt.Fprintf(a.Out, "%s\n", e.Path)
			}
			fmt.Fprintf(a.Err, "moved %s.%s = %s into %s for %s; the fleet checks; next: fleet generate\n", p.Platform, build.AttrPath(p.Path...), p.TOML, p.File, strings.Join(p.Hosts, ", "))
			return nil
		},
	}
	c.Flags().IntVar(&apply, "apply", 0, "carry out proposal `N` of the list")
	return c
}
