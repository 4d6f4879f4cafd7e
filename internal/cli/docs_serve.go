package cli

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/docs"
	"github.com/fleetdev/fleet/internal/fleet"
)

func (a *App) docsServeCommand() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the fleet's HTML documentation locally, rebuilt when the fleet's files change",
		Long: `Serve builds the HTML site of 'fleet docs --html' in memory and serves it
at --addr until interrupted. When a file of the fleet changes, the site is
rebuilt; while the fleet has errors, they are printed and the last good
version stays up. Nothing is written to disk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			srv := &docs.Server{
				Dir: dir,
				Log: a.Err,
				Load: func(ctx context.Context, dir string) (*fleet.Fleet, error) {
					return a.load(ctx, nil)
				},
			}
			if err := srv.Build(ctx); err != nil {
				if errors.Is(err, docs.ErrFleetErrors) {
					fmt.Fprintln(a.Err, "fleet: not serving docs: fix the errors above first")
					return errFindings
				}
				return err
			}
			var lc net.ListenConfig
			ln, err := lc.Listen(ctx, "tcp", addr)
			if err != nil {
				return withHint(err, "choose another address with --addr, e.g. --addr 127.0.0.1:0 for any free port")
			}
			fmt.Fprintf(a.Err, "serving the docs of %s at http://%s/ (interrupt to stop)\n", a.rel(dir), ln.Addr())
			if err := srv.Serve(ctx, ln); err != nil {
				return err
			}
			fmt.Fprintln(a.Err, "stopped serving docs")
			return nil
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (loopback keeps the docs on this machine)")
	return c
}
