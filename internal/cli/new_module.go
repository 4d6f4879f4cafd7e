package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) newModuleCommand() *cobra.Command {
	class := "nixos"
	c := &cobra.Command{
		Use:   "module NAME",
		Short: "Write modules/CLASS/NAME/default.nix, a fleet module with its options under fleet.NAME",
		Long: `New module writes modules/CLASS/NAME/default.nix (CLASS is nixos, darwin or
home): a plain Nix module declaring fleet.NAME.enable and one example
option, doing nothing unless enabled. fleet reads the options' types and
defaults from it to check settings.`,
		Example: `  fleet new module monitoring
  fleet new module dock --class darwin
  fleet new module git --class home`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkNewName("module", args[0]); err != nil {
				return err
			}
			switch class {
			case "nixos", "darwin":
				return a.writeNew(scaffold.NewModule(class, args[0]), fmt.Sprintf(`enable it with modules = ["%s"] in a host, profile or role`, args[0]))
			case "home":
				return a.writeNew(scaffold.NewModule(class, args[0]), fmt.Sprintf(`enable it with home_modules = ["%s"] in a user, host, profile or role`, args[0]))
			}
			return usageError("--class must be nixos, darwin or home, not %q", class)
		},
	}
	c.Flags().StringVar(&class, "class", "nixos", "nixos, darwin or home")
	return c
}
