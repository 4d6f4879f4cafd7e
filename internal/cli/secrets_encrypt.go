package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsEncryptCommand(sf *secretsFlags) *cobra.Command {
	var from string
	var writeOnly bool
	c := &cobra.Command{
		Use:   "encrypt PATH",
		Short: "Encrypt a plaintext file into a secret, in place or from --from",
		Long: `Encrypt turns plaintext into a secret file encrypted to everyone who may read
it, with a new data key. Without --from it encrypts PATH in place (a file
written in plaintext under secrets/); with --from FILE it reads the plaintext
from FILE, or from stdin with --from -. The format follows PATH's extension
(.yaml, .json, .env, .ini, or .bin for anything else). An already encrypted secret
is never replaced: change it with set or edit. As with set, one of your
identities must be among the recipients unless --write-only is given.`,
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
			if _, err := a.withIdentities(repo, sf); err != nil {
				return err
			}
			if err := a.checkWriterReads(repo, rel, args[0], writeOnly); err != nil {
				return err
			}
			var plain []byte
			switch from {
			case "":
				plain, err = os.ReadFile(filepath.Join(repo.Root, filepath.FromSlash(rel)))
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
					return &exitError{code: ExitSopsEncrypted, err: withHint(err, "fleet secrets edit "+args[0]+" opens it in $EDITOR")}
				}
				return a.secretsError(cmd.Context(), err, repo, nil)
			}
			fmt.Fprintf(a.Err, "%s: encrypted for %s\n", rel, recipientsText(repo, rel))
			return nil
		},
	}
	c.Flags().BoolVar(&writeOnly, writeOnlyFlag, false, "encrypt even though none of your identities can read the result")
	c.Flags().StringVar(&from, "from", "", "read the plaintext from this file (- for stdin) instead of PATH")
	return c
}
