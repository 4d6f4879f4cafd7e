package cli

import (
	"github.com/spf13/cobra"
)

func (a *App) ciCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "ci",
		Short: "Continuous integration for the fleet repository",
		Long: `ci writes the fleet repository's CI configuration and answers what CI needs
to know: which hosts a change affects and what to build for them.`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(a.ciGithubCommand(), a.ciMatrixCommand())
	return c
}
