package cli

import (
	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) newRoleCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "role NAME",
		Short: "Write roles/NAME.toml",
		Long: `New role writes roles/NAME.toml: a description, an empty modules list, and
the keys a role may have (secrets, [requires], settings, pass-through
options) commented. Hosts take the role with roles = ["NAME"].`,
		Example: `  fleet new role monitoring`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkNewName("role", args[0]); err != nil {
				return err
			}
			return a.writeNew(scaffold.NewRole(args[0]), `list the role in a host's roles = ["`+args[0]+`"]`)
		},
	}
}
