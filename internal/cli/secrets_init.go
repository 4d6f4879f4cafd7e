package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsInitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create your admin age key (never overwrites one)",
		Long: `Init creates an age identity for you, an admin, where sops and fleet look for
it: $SOPS_AGE_KEY_FILE when set, else ~/.config/sops/age/keys.txt
($XDG_CONFIG_HOME/sops/age/keys.txt; ~/Library/Application Support/sops/age/
keys.txt on macOS). The file is created with mode 0600 in a folder created
0700; an existing file is never overwritten. The public key (age1...) is
printed on stdout: put it in fleet.toml [admins].

Init needs no fleet: run it on a new admin's machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := a.Env.Get(secrets.EnvAgeKeyFile)
			if path == "" {
				p, err := secrets.DefaultIdentityFile(a.Env.Get, "")
				if err != nil {
					return withHint(err, "set SOPS_AGE_KEY_FILE to where the key should go")
				}
				path = p
			}
			path = a.abs(path)
			recipient, err := secrets.InitIdentity(path, a.now())
			if errors.Is(err, secrets.ErrExists) {
				hints := []string{"it is never overwritten; to start over, move it away first (and keep it: it may be the only key to some secrets)"}
				if r := identityFileRecipients(path); r != "" {
					hints = append([]string{"its public key is " + r}, hints...)
				}
				return withHint(fmt.Errorf("%s already exists", path), hints...)
			}
			if err != nil {
				return err
			}
			if a.JSON {
				return writeJSON(a.Out, struct {
					File      string `json:"file"`
					Recipient string `json:"recipient"`
				}{path, recipient})
			}
			fmt.Fprintln(a.Out, recipient)
			fmt.Fprintf(a.Err, "created %s (mode 0600): your private age key; keep it out of the repository and back it up\n", path)
			fmt.Fprintf(a.Err, "to become an admin, add its public key to fleet.toml:\n  [admins]\n  <your name> = %q\n", recipient)
			return nil
		},
	}
}

// identityFileRecipients returns the public keys of an identity file, or
// "" when it cannot be read.
func identityFileRecipients(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	ids, err := secrets.ParseIdentities(data)
	if err != nil {
		return ""
	}
	return strings.Join(secrets.IdentityRecipients(ids), ", ")
}
