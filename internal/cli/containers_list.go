package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/containers"
)

func (a *App) containersListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list [HOST...]",
		Short: "List the container instances of the selected hosts, with where each came from",
		Long: `List shows every container instance of the selected hosts (all by default):
its definition, systemd unit, image, published ports (host->container/proto)
and volumes, and the layer that enabled it. --json adds the position and
layer of the image, of every port and volume, and the secrets each instance
reads. Problems found on the way are printed on stderr; exit 1 when there are
errors.

Hosts are selected by name, glob (web-*), @role, %profile or platform:nixos.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			entries := l.Containers.List()
			if a.JSON {
				if err := writeJSON(a.Out, entries); err != nil {
					return err
				}
				return a.reportDiags(l.Diags)
			}
			if len(entries) == 0 {
				fmt.Fprintln(a.Err, "no host runs a container")
				return a.reportDiags(l.Diags)
			}
			tw := a.table()
			fmt.Fprintln(tw, "HOST\tINSTANCE\tDEFINITION\tUNIT\tIMAGE\tPORTS\tVOLUMES\tENABLED BY")
			for _, e := range entries {
				ports := containers.Summary(e.Ports, containers.Port.Describe)
				vols := containers.Summary(e.Volumes, func(v containers.Volume) string { return v.Spec })
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Host, e.Instance, e.Definition, e.Unit,
					dash(containers.ShortImage(e.Image.V)), dash(ports), dash(vols), containers.Where(e.Enabled))
			}
			tw.Flush()
			return a.reportDiags(l.Diags)
		},
	}
}
