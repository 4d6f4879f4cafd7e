package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsRekeyCommand(sf *secretsFlags) *cobra.Command {
	var opts secrets.RekeyOptions
	c := &cobra.Command{
		Use:   "rekey [PATH...]",
		Short: "Re-encrypt secrets whose recipients differ from who may read them",
		Long: `Rekey brings every secret file (or the PATHs given) in line with who may read
it now: a file whose recipients differ gets its data key wrapped for the new
set of recipients, as sops updatekeys does; the values are not touched.
Files already right are left alone. Each file is replaced atomically.

With --rotate the files rekeyed also get a new data key and every value is
encrypted again, as sops rotate does: do it after removing a host, user or
admin, who knew the old data key. --all applies to every file, even those
already right (with --rotate: rotate every data key). --dry-run writes
nothing and says what would change.

Rekeying needs an identity that decrypts the files, usually an admin's.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			repo := a.repo(sfl.Dir, sfl.access)
			for _, p := range args {
				rel, err := a.secretArg(repo, p)
				if err != nil {
					return err
				}
				opts.Paths = append(opts.Paths, rel)
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			results, rerr := repo.Rekey(cmd.Context(), opts)
			if rerr != nil && len(results) == 0 {
				return a.secretsError(cmd.Context(), rerr, repo, srcs)
			}
			if cmd.Context().Err() != nil {
				return cmd.Context().Err()
			}
			if a.JSON {
				if err := writeJSON(a.Out, nonNil(results)); err != nil {
					return err
				}
			} else {
				a.printRekey(sfl.access, results, opts.DryRun)
			}
			var dl diag.List
			var failed, changed, same int
			for _, r := range results {
				switch r.Action {
				case secrets.ActionFailed:
					failed++
					var he *hintError
					d := dl.Errorf(diag.Pos{File: r.Path}, "secret-rekey", "%s", strings.TrimPrefix(r.Error, r.Path+": "))
					if errors.As(a.secretsError(cmd.Context(), r.Err, repo, srcs), &he) {
						d.Hints = he.hints
					}
				case secrets.ActionUpToDate:
					same++
				default:
					changed++
					if r.Warning != "" {
						dl.Warnf(diag.Pos{File: r.Path}, "secret-rekey", "%s", r.Warning)
					}
				}
			}
			if !a.JSON {
				a.renderDiags(dl.Items())
				verb := "rekeyed"
				if opts.Rotate {
					verb = "rotated"
				}
				if opts.DryRun {
					verb = "to be " + verb + " (dry run: nothing written)"
				}
				summary := fmt.Sprintf("%s %s, %d up to date", plural(changed, "file"), verb, same)
				if failed > 0 {
					summary += fmt.Sprintf(", %d failed", failed)
				}
				fmt.Fprintln(a.Err, summary)
			}
			if failed > 0 {
				return errFindings
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&opts.Rotate, "rotate", false, "give rekeyed files a new data key and re-encrypt every value")
	f.BoolVar(&opts.All, "all", false, "process every file, even those whose recipients are right")
	f.BoolVar(&opts.DryRun, "dry-run", false, "write nothing; show what would change")
	return c
}

// printRekey lists the files rekey changed, with the recipients added and
// removed.
func (a *App) printRekey(access *secrets.Access, results []secrets.RekeyResult, dryRun bool) {
	tw := a.table()
	who := a.accessIndex(access)
	for _, r := range results {
		if r.Action == secrets.ActionUpToDate || r.Action == secrets.ActionFailed {
			continue
		}
		var changes []string
		for _, rc := range r.Added {
			changes = append(changes, "+"+who.Describe(rc))
		}
		for _, rc := range r.Removed {
			changes = append(changes, "-"+who.Describe(rc))
		}
		action := string(r.Action)
		if dryRun {
			action = map[secrets.RekeyAction]string{secrets.ActionRekeyed: "would rekey", secrets.ActionRotated: "would rotate"}[r.Action]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", action, r.Path, dash(strings.Join(changes, ", ")))
	}
	tw.Flush()
}
