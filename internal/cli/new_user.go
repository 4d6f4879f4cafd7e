package cli

import (
	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) newUserCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "user NAME",
		Short: "Write users/NAME/user.toml",
		Long: `New user writes users/NAME/user.toml: the account (description, shell, with
uid, admin, groups, ssh and age keys commented) and an empty home-manager
setup. Hosts take the user with users = ["NAME"].`,
		Example: `  fleet new user alex`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkNewName("user", args[0]); err != nil {
				return err
			}
			return a.writeNew(scaffold.NewUser(args[0]), `list the user in a host's users = ["`+args[0]+`"]`)
		},
	}
}
