package cli

import (
	"errors"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsGetCommand(sf *secretsFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get PATH [KEY]",
		Short: "Print one value of a secret, or the whole decrypted file",
		Long: `Get decrypts a secret file, verifies it, and prints the value at KEY exactly,
without a trailing newline (as sops decrypt --extract does), so it can be
piped or captured with $(...). Nested keys are written a/b/c, list items by
index. Without KEY it prints the whole decrypted file, like decrypt.`,
		Args: cobra.RangeArgs(1, 2),
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
			key := ""
			if len(args) == 2 {
				key = args[1]
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			v, err := repo.Get(rel, key)
			if errors.Is(err, secrets.ErrKeyNotFound) {
				return keyNotFound(err, dir, rel, key)
			}
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			_, err = a.Out.Write(v)
			return err
		},
	}
}

// keyNotFound names the keys a secret file has (they are stored in the
// clear) when a key asked for is not there.
func keyNotFound(err error, dir, rel, key string) error {
	keys, kerr := (&inventory.Inventory{Root: dir}).SecretDataKeys(rel)
	top, _, _ := strings.Cut(key, "/")
	switch {
	case kerr != nil || len(keys) == 0:
	case !strings.Contains(key, "/") && diag.DidYouMean(key, keys) != "":
		return withHint(err, diag.DidYouMean(key, keys))
	case !strings.Contains(key, "/") || !slices.Contains(keys, top):
		return withHint(err, "its keys: "+strings.Join(keys, ", "))
	}
	return withHint(err, "nested keys are written a/b/c and list items by index (a/0)")
}
