package cli

import (
	"github.com/spf13/cobra"
)

func (a *App) secretsDecryptCommand(sf *secretsFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "decrypt PATH",
		Short: "Print a secret file decrypted, as sops decrypt does",
		Long: `Decrypt decrypts a secret file, verifies its MAC, and prints the plaintext on
stdout in the file's format. Nothing is written to disk. A file that fails
authentication is refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			repo := a.repo(dir, nil)
			rel, err := a.secretArg(repo, args[0])
			if err != nil {
				return err
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			out, err := repo.Decrypt(rel)
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			_, err = a.Out.Write(out)
			return err
		},
	}
}
