package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsEncryptCommand() *cobra.Command {
	var from string
	c := &cobra.Command{
		Use:   "encrypt PATH",
		Short: "Encrypt a plaintext file into a secret, in place or from --from",
		Long: `Encrypt turns plaintext into a secret file encrypted to everyone who may read
it, with a new data key. Without --from it encrypts PATH in place (a file
written in plaintext under secrets/); with --from FILE it reads the plaintext
from FILE, or from stdin with --from -. The format follows PATH's extension
(.yaml, .json, .env, or .bin for anything else). An already encrypted secret
is never replaced: change it with set or edit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			repo := a.repo(sfl.Dir, sfl.access)
			rel, err := a.secretArg(repo, args[0])
			if err != nil {
				return err
			}
			var plain []byte
			switch from {
			case "":
				plain, err = os.ReadFile(a.abs(args[0]))
				if errors.Is(err, fs.ErrNotExist) {
					return withHint(fmt.Errorf("%s does not exist", rel), "give the plaintext with --from FILE, or --from - for stdin")
				}
			case "-":
				if plain, err = readValue(a.In, false); err != nil {
					return err
				}
			default:
				plain, err = os.ReadFile(a.abs(from))
			}
			if err != nil {
				if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
					err = fmt.Errorf("cannot read the plaintext: %w", pe.Err)
				}
				return withHint(err, "give the plaintext with --from FILE, or --from - for stdin")
			}
			if err := repo.Encrypt(rel, plain); err != nil {
				if errors.Is(err, secrets.ErrExists) {
					return withHint(err, "fleet secrets edit "+args[0]+" opens it in $EDITOR")
				}
				return a.secretsError(cmd.Context(), err, repo, nil)
			}
			fmt.Fprintf(a.Err, "%s: encrypted for %s\n", rel, recipientsText(repo, rel))
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "read the plaintext from this file (- for stdin) instead of PATH")
	return c
}
