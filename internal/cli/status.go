package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/deploy"
)

func (a *App) statusCommand() *cobra.Command {
	var parallel int
	c := &cobra.Command{
		Use:   "status [SELECTOR...]",
		Short: "Show what each host runs against what the fleet would deploy",
		Long: `Status evaluates each selected host's system with Nix (without building it)
and reads, over SSH, the system the host runs now and fleet's record of its
last deploy. Each host is same, different, unreachable or unknown (when Nix
could not evaluate it). Exit 3 when some host differs or cannot be reached.

Examples:
  fleet status
  fleet status @monitoring --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, dir, err := a.deployPlan(cmd, args, "", nil)
			if err != nil {
				return err
			}
			o := deploy.Options{FlakeDir: dir, Parallel: parallel, SSHOpts: strings.Fields(a.Env.Get("NIX_SSHOPTS"))}
			st := deploy.Status(cmd.Context(), a.runner(), plan, o)
			if a.JSON {
				if err := writeJSON(a.Out, st); err != nil {
					return err
				}
			} else {
				tw := a.table()
				fmt.Fprintln(tw, "HOST\tTARGET\tSTATE\tRUNNING\tDEPLOYED")
				for _, s := range st {
					when := "-"
					if s.Record != nil {
						when = s.Record.Time
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Host, s.Target, s.State, dash(storeName(s.Running)), when)
				}
				tw.Flush()
				for _, s := range st {
					if s.Message != "" {
						fmt.Fprintf(a.Err, "%s: %s\n", s.Host, s.Message)
					}
				}
			}
			if cmd.Context().Err() != nil {
				return cmd.Context().Err()
			}
			bad := 0
			for _, s := range st {
				if s.State != "same" {
					bad++
				}
			}
			if bad > 0 {
				return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %s not running what the fleet would deploy", bad, plural(len(st), "host"))}
			}
			return nil
		},
	}
	c.Flags().IntVar(&parallel, "parallel", 8, "hosts asked at once")
	return c
}

// storeName shortens a store path to its name for tables.
func storeName(p string) string {
	const store = "/nix/store/"
	if !strings.HasPrefix(p, store) || len(p) < len(store)+33 {
		return p
	}
	return p[len(store)+33:]
}
