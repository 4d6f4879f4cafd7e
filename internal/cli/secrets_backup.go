package cli

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsBackupCommand(sf *secretsFlags) *cobra.Command {
	var to []string
	c := &cobra.Command{
		Use:   "backup OUT --to RECIPIENT",
		Short: "Write an age-encrypted archive of the secrets tree and the public keys",
		Long: `Backup writes OUT, one age-encrypted tar archive holding every SOPS file of
secrets/ (still SOPS-encrypted inside), .sops.yaml, keys.json (who holds which
public key and reads what) and manifest.json (the SHA-256 of every file).
--to names who can open it: an age recipient or ssh public key, or the name of
an admin in fleet.toml (repeatable); usually an offline recovery key.
OUT is created with mode 0600 and never overwritten. 'age -d -i KEY OUT | tar -t'
lists it; fleet secrets restore puts it back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(to) == 0 {
				return withHint(usageError("say who can open the backup with --to"), "usually the offline recovery key: --to age1... or --to <admin name>")
			}
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			var recipients, who []string
			for _, t := range to {
				r := t
				if !strings.HasPrefix(t, "age1") && !strings.HasPrefix(t, "ssh-") {
					r = ""
					for _, p := range sfl.access.Admins {
						if p.Name == t {
							r = p.Recipient
						}
					}
					if r == "" {
						return withHint(usageError("--to %s: not an age recipient nor an admin with a key", t), "give an age1... recipient, or the name of an admin in fleet.toml [admins]")
					}
				} else if _, err := secrets.ParseRecipient(t); err != nil {
					return withHint(usageError("--to: %v", err), "give an age1... recipient, or the name of an admin in fleet.toml [admins]")
				}
				recipients = append(recipients, r)
				who = append(who, a.accessIndex(sfl.access).Describe(r))
			}
			out := a.abs(args[0])
			if fileExists(out) {
				return withHint(fmt.Errorf("%s already exists", args[0]), "a backup is never overwritten: choose another name")
			}
			repo := a.repo(sfl.Dir, sfl.access)
			// The admin making the backup authenticates it.
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			man, err := repo.Backup(cmd.Context(), &buf, recipients)
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			if fileExists(out) {
				return withHint(fmt.Errorf("%s already exists", args[0]), "a backup is never overwritten: choose another name")
			}
			if err := atomicfs.WriteFile(out, buf.Bytes(), 0o600); err != nil {
				return err
			}
			if a.JSON {
				return writeJSON(a.Out, man)
			}
			for _, f := range man.Files {
				fmt.Fprintln(a.Out, f.Path)
			}
			for _, s := range man.Skipped {
				fmt.Fprintf(a.Err, "%s: warning: left out: %s\n", s.Path, s.Reason)
			}
			fmt.Fprintf(a.Err, "wrote %s: %s, encrypted to %s\n", args[0], plural(len(man.Files), "file"), strings.Join(who, ", "))
			return nil
		},
	}
	c.Flags().StringArrayVar(&to, "to", nil, "age recipient, ssh public key or admin name that can open the backup (repeatable)")
	return c
}
