package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/generate"
	"github.com/fleetdev/fleet/internal/nix/syntax"
	"github.com/fleetdev/fleet/internal/textdiff"
)

func (a *App) generateCommand() *cobra.Command {
	var check, showDiff bool
	c := &cobra.Command{
		Use:   "generate",
		Short: "Write the generated Nix wiring (generated/) and .sops.yaml",
		Long: `Generate evaluates every host and writes generated/: one NixOS or nix-darwin
module per host, the flake's outputs, the overlay of the fleet's packages and
the fleet's facts as a module. Files are rendered in memory, checked by the Nix
parser, and written atomically; files fleet does not own are never touched. On
errors in the fleet nothing is written.

When the fleet has admins or secrets it also writes .sops.yaml, the creation
rules that make the sops CLI encrypt each secret for the same admins, hosts
and users as fleet (after a change, fleet secrets rekey updates the files).

With --check nothing is written: the command shows the diff and exits 1 when
the generated files are stale. With --diff it shows the diff and writes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			if l.Diags.HasErrors() {
				a.renderDiags(l.Diags.Items())
				fmt.Fprintln(a.Err, "fleet: not generating: fix the errors above first")
				return errFindings
			}
			changes, gdiags, err := a.generated(l)
			if err != nil {
				return err
			}
			l.Diags.Append(gdiags)
			a.renderDiags(l.Diags.Items())
			if l.Diags.HasErrors() {
				return errFindings
			}
			if check || showDiff {
				for _, ch := range changes {
					fmt.Fprint(a.Out, textdiff.Unified("a/"+ch.Path, "b/"+ch.Path, ch.Old, ch.New))
				}
			}
			if check {
				if len(changes) > 0 {
					return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("%s stale", staleCount(len(changes)))}, "run 'fleet generate' and commit the result")
				}
				fmt.Fprintln(a.Err, "generated files are up to date")
				return nil
			}
			if err := generate.Apply(l.Dir, changes); err != nil {
				return err
			}
			if len(changes) == 0 {
				fmt.Fprintln(a.Err, "generated files are up to date")
			} else {
				fmt.Fprintf(a.Err, "wrote %s\n", plural(len(changes), "file"))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&check, "check", false, "write nothing; show the diff and exit 1 when generated files are stale")
	c.Flags().BoolVar(&showDiff, "diff", false, "show the diff of what changes")
	return c
}

// generated renders the generated files of a loaded fleet, checks their
// syntax, and compares them with the disk.
func (a *App) generated(l *loaded) ([]generate.Change, *diag.List, error) {
	return a.generatedFiles(l, syntax.Check)
}

// generatedFiles is generated with a chosen syntax check: `fleet check`
// only compares bytes, and leaves parsing to `fleet generate`.
func (a *App) generatedFiles(l *loaded, check func(string, []byte) []diag.Diagnostic) ([]generate.Change, *diag.List, error) {
	files, dl := generate.Files(l.Eval, check)
	dl.Append(sopsConfig(l, files))
	changes, err := generate.Changes(l.Dir, files)
	if err != nil {
		return nil, nil, err
	}
	changes, err = staleSopsConfig(l.Dir, files, changes)
	return changes, dl, err
}

func staleCount(n int) string {
	if n == 1 {
		return "1 generated file is"
	}
	return fmt.Sprintf("%d generated files are", n)
}
