package cli

import "github.com/spf13/cobra"

func (a *App) nixCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "nix",
		Short: "Work with Nix source files without evaluating them",
	}
	c.AddCommand(a.nixParseCommand())
	return c
}
