package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

// maxBackupSize bounds the archive restore reads.
const maxBackupSize = 1 << 30

func (a *App) secretsRestoreCommand(sf *secretsFlags) *cobra.Command {
	var opts secrets.RestoreOptions
	c := &cobra.Command{
		Use:   "restore IN",
		Short: "Put back the secrets tree from a backup, verifying everything first",
		Long: `Restore opens a backup made by fleet secrets backup with your identities
(usually the recovery key: --identity or SOPS_AGE_KEY_FILE), and verifies it
all before writing anything: the manifest's hashes, and that every secret's
data key unwraps and its MAC matches. Only then are secrets/ and .sops.yaml
written, each file atomically. Files that exist with other content make it
fail unless --overwrite; --dry-run verifies and writes nothing.

A backup is authenticated by the admin who made it: restore checks that
the maker is an admin in this fleet's fleet.toml and verifies the backup's
tag with your own admin identity, so an archive forged with the backup's
public key is refused. A backup that cannot be checked (none of your
identities is an admin's, or one made by an older fleet) is refused unless
--unauthenticated; one whose tag does not match is always refused. Files
that would let a host, user or admin read a secret the fleet no longer
grants them (revoked since the backup) are reported: rekey with --rotate
after restoring.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			f, err := os.Open(a.abs(args[0]))
			if err != nil {
				return withHint(fmt.Errorf("cannot open the backup: %w", errors.Unwrap(err)), "give the file fleet secrets backup wrote")
			}
			data, err := io.ReadAll(io.LimitReader(f, maxBackupSize))
			f.Close()
			if err != nil {
				return err
			}
			repo := a.repo(dir, a.bestEffortAccess(cmd.Context()))
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			res, err := repo.Restore(cmd.Context(), bytes.NewReader(data), opts)
			if err != nil {
				if errors.Is(err, secrets.ErrUnauthenticated) {
					return withHint(err, "restore with your admin identity too (--identity, or SOPS_AGE_KEY_FILE with your key beside the recovery key), or, if you trust where the file comes from, add --unauthenticated")
				}
				if errors.Is(err, secrets.ErrExists) {
					return withHint(err, "--overwrite replaces them with the backup's version; --dry-run shows what would be written")
				}
				var noID *secrets.NoIdentityError
				if errors.As(err, &noID) {
					return withHint(err, "every secret is decrypted to verify it, so restore with a key that opens them all (an admin's); run fleet secrets rekey before each backup so the recovery key is on every file")
				}
				if errors.Is(err, secrets.ErrNoIdentity) {
					hints := []string{"a backup opens with the key it was made for (--to), usually the recovery key: pass --identity FILE or set SOPS_AGE_KEY_FILE"}
					for _, s := range srcs {
						if s.Err != nil {
							hints = append(hints, fmt.Sprintf("identity %s: %s", s.Location, s.Err))
						}
					}
					return withHint(err, hints...)
				}
				if err := a.secretsError(cmd.Context(), err, repo, srcs); errors.As(err, new(*hintError)) {
					return err
				}
				return withHint(err, "give the file fleet secrets backup wrote; nothing was written")
			}
			if a.JSON {
				return writeJSON(a.Out, res)
			}
			verb := "restored"
			if opts.DryRun {
				verb = "would restore"
			}
			tw := a.table()
			for _, p := range res.Written {
				fmt.Fprintf(tw, "%s\t%s\n", verb, p)
			}
			for _, p := range res.Unchanged {
				fmt.Fprintf(tw, "unchanged\t%s\n", p)
			}
			tw.Flush()
			if res.Signer == "" {
				fmt.Fprintln(a.Err, "fleet: warning: the backup's origin was not verified (--unauthenticated)")
			} else {
				fmt.Fprintf(a.Err, "made by %s, verified with the key of %s\n", a.partyName(repo, res.Signer), a.partyName(repo, res.VerifiedBy))
			}
			for _, rv := range res.Revived {
				var who []string
				for _, rc := range rv.Recipients {
					who = append(who, a.partyName(repo, rc))
				}
				fmt.Fprintf(a.Err, "fleet: warning: %s: the backup lets %s read it, which the fleet no longer grants\n", rv.Path, strings.Join(who, ", "))
			}
			if len(res.Revived) > 0 {
				fmt.Fprintln(a.Err, "fleet: hint: run fleet secrets rekey --rotate, and change the values those parties could read")
			}
			fmt.Fprintf(a.Err, "backup of %s verified: %s %s, %d unchanged\n", res.Manifest.Created.Format("2006-01-02 15:04:05 UTC"), plural(len(res.Written), "file"), verb, len(res.Unchanged))
			return nil
		},
	}
	c.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "replace files that exist with other content")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "verify the backup and show what would be written, writing nothing")
	c.Flags().BoolVar(&opts.Unauthenticated, "unauthenticated", false, "restore a backup whose origin cannot be verified (a failed verification is refused all the same)")
	return c
}

// partyName names the holder of an age recipient ("admin alex"), or the
// recipient itself when the fleet does not know it.
func (a *App) partyName(repo *secrets.Repo, recipient string) string {
	if repo.Access != nil {
		if who := a.accessIndex(repo.Access).Who(recipient); len(who) > 0 {
			return strings.Join(who, ", ")
		}
	}
	return recipient
}
