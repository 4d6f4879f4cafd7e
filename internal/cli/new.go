package cli

import (
	"github.com/spf13/cobra"
)

// newCommand groups the commands that start something new from the
// fleet: a project from a template.
func (a *App) newCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "new",
		Short: "Create something new from the fleet (a project from a template)",
		Long: `New creates files from what the fleet defines. It never overwrites a file.

  fleet new project DIR --template NAME   a project from templates/NAME/`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(a.newProjectCommand())
	return c
}
