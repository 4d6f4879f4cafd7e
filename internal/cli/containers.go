package cli

import (
	"github.com/spf13/cobra"
)

func (a *App) containersCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "containers",
		Short: "Show the container instances hosts run from the catalog in containers/",
		Long: `Containers are defined once in containers/<name>.toml (the catalog) and run
on the hosts whose profile, roles or host.toml list them (containers = [...])
or give them values ([containers.<name>], with from = "<definition>" for a
second instance of one definition). NixOS runs each as
<backend>-<name>.service through virtualisation.oci-containers; fleet check
reports port and host path clashes, unknown definitions, images not pinned by
digest, dependencies and secrets a host cannot read.`,
	}
	c.AddCommand(a.containersListCommand(), a.containersImportCommand(), a.containersPinCommand())
	return c
}
