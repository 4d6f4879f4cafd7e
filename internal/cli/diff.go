package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/eval"
)

func (a *App) diffCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "diff HOST HOST",
		Short: "Show what differs between two evaluated hosts",
		Long: `Diff compares the resolved values of two hosts and prints, for each value that
differs, the first host's value (-) and the second's (+), each with the layer
and file:line:col that decided it.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			ha, err := a.host(l, args[0])
			if err != nil {
				return err
			}
			hb, err := a.host(l, args[1])
			if err != nil {
				return err
			}
			d := eval.Diff(ha, hb)
			if a.JSON {
				if err := writeJSON(a.Out, nonNil(d)); err != nil {
					return err
				}
				return a.reportDiags(l.Diags)
			}
			fmt.Fprintf(a.Out, "--- %s\n+++ %s\n", ha.Name, hb.Name)
			for _, c := range d {
				if c.A != nil {
					fmt.Fprintf(a.Out, "- %s = %s  # %s\n", c.Path, c.A.Text, c.A.From)
				}
				if c.B != nil {
					fmt.Fprintf(a.Out, "+ %s = %s  # %s\n", c.Path, c.B.Text, c.B.From)
				}
			}
			if len(d) == 0 {
				fmt.Fprintf(a.Err, "%s and %s resolve to the same values\n", ha.Name, hb.Name)
			}
			return a.reportDiags(l.Diags)
		},
	}
}
