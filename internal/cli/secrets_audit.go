package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsAuditCommand(sf *secretsFlags) *cobra.Command {
	var allow []string
	c := &cobra.Command{
		Use:   "audit",
		Short: "Check the secrets tree: plaintext, unreadable or out-of-date files, missing secrets, leaked keys",
		Long: `Audit checks the secrets tree against who may read what, changing nothing
but removing the temporary files of interrupted writes: values or comments stored in plaintext, files without sops
metadata, files nobody in the fleet can decrypt, recipients out of date
(fleet secrets rekey fixes them), secrets no host or user reads, secrets
referenced with { secret = ... } that do not exist, a stale .sops.yaml, hosts
and users that may read secrets but have no key, leftovers of interrupted
writes (removed under the folder's write lock, and reported), and private keys anywhere in the fleet's files (--allow-keys names
folders where they are expected, such as published example keys). With an
identity that decrypts them, every file is also verified, so tampering shows.

Findings go to stderr as path:line:col with what to do (--json: to stdout).
Exit 1 when there are errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			repo := a.repo(sfl.Dir, sfl.access)
			_, err = a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			var refs []secrets.Reference
			for _, h := range sfl.Eval.Hosts {
				for _, r := range h.Secrets {
					refs = append(refs, secrets.Reference{Secret: r.Name, Host: h.Name, Pos: r.Pos})
				}
			}
			var allowed []string
			for _, p := range allow {
				dir, err := a.fleetPath(sfl.Dir, p, func(abs string) bool {
					rel, err := filepath.Rel(sfl.Dir, abs)
					st, serr := os.Stat(abs)
					return err == nil && filepath.IsLocal(rel) && serr == nil && st.IsDir()
				})
				if err != nil {
					return withHint(usageError("--allow-keys %s is not a folder of the fleet", p),
						fmt.Sprintf("name an existing folder inside the fleet%s", a.relativeTo(sfl.Dir)))
				}
				rel, _ := filepath.Rel(sfl.Dir, dir)
				allowed = append(allowed, filepath.ToSlash(rel)+"/")
			}
			ds, err := repo.Audit(cmd.Context(), secrets.AuditOptions{References: refs, KeysAllowed: allowed})
			if err != nil {
				return err
			}
			files, err := repo.Files()
			if err != nil {
				return err
			}
			var dl diag.List
			for _, d := range ds {
				dl.Add(d)
			}
			errs, warns := dl.Count()
			if a.JSON {
				if err := writeJSON(a.Out, struct {
					Files       int               `json:"files"`
					Verified    bool              `json:"verified"`
					Errors      int               `json:"errors"`
					Warnings    int               `json:"warnings"`
					Diagnostics []diag.Diagnostic `json:"diagnostics"`
				}{len(files), len(repo.Identities) > 0, errs, warns, nonNil(dl.Items())}); err != nil {
					return err
				}
			} else {
				a.renderDiags(dl.Items())
				fmt.Fprintf(a.Err, "%s audited: %s, %s\n", plural(len(files), "secret file"), plural(errs, "error"), plural(warns, "warning"))
				if len(repo.Identities) == 0 && len(files) > 0 {
					fmt.Fprintln(a.Err, "no age identity found, so no file was decrypted to check it was not tampered with")
				}
			}
			if slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Severity == diag.Error }) {
				return errFindings
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&allow, "allow-keys", nil, "a folder of the fleet where private keys are expected, such as published example keys (repeatable)")
	return c
}
