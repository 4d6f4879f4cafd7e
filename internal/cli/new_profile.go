package cli

import (
	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) newProfileCommand() *cobra.Command {
	var extends string
	c := &cobra.Command{
		Use:   "profile NAME",
		Short: "Write profiles/NAME.toml",
		Long: `New profile writes profiles/NAME.toml: a description, an empty modules list,
and the keys a profile may have commented. With --extends it starts from
another profile. Hosts take it with profile = "NAME".`,
		Example: `  fleet new profile server
  fleet new profile gaming --extends personal`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkNewName("profile", args[0]); err != nil {
				return err
			}
			return a.writeNew(scaffold.NewProfile(args[0], extends), `give a host profile = "`+args[0]+`"`)
		},
	}
	c.Flags().StringVar(&extends, "extends", "", "the profile this one starts from")
	return c
}
