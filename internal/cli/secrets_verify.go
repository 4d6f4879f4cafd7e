package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsVerifyCommand(sf *secretsFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify [PATH...]",
		Short: "Decrypt and verify many secret files in one process, printing no value",
		Long: `Verify decrypts every secret file given (all of secrets/ without PATH) with
your identities and checks each value and MAC, as one sops decrypt per file
would, but in one process and in parallel; no plaintext is printed or kept.
Files that fail (tampered, no identity opens them, not encrypted) are
reported at their path; exit 1 when any fails. --json prints one result per
file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			repo := a.repo(dir, nil)
			var rels []string
			for _, arg := range args {
				rel, err := a.secretArg(repo, arg)
				if err != nil {
					return err
				}
				rels = append(rels, rel)
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			res, err := repo.Verify(cmd.Context(), rels)
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			failed := 0
			for _, r := range res {
				if !r.OK {
					failed++
				}
			}
			if a.JSON {
				if err := writeJSON(a.Out, res); err != nil {
					return err
				}
			} else {
				var noID, tampered bool
				for _, r := range res {
					if r.OK {
						continue
					}
					fmt.Fprintf(a.Err, "%s: error: %s\n", r.Path, r.Error)
					noID = noID || errors.Is(r.Err(), secrets.ErrNoIdentity)
					tampered = tampered || errors.Is(r.Err(), secrets.ErrTampered)
				}
				if noID {
					fmt.Fprintln(a.Err, "    hint: set SOPS_AGE_KEY_FILE to your age key file, or pass --identity FILE (an admin's key opens every file)")
				}
				if tampered {
					fmt.Fprintln(a.Err, "    hint: a file that fails authentication was changed outside sops and fleet: restore it from version control or a backup")
				}
				fmt.Fprintf(a.Err, "%s verified: %d failed\n", plural(len(res), "secret file"), failed)
			}
			if failed > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
}
