// Command fleet manages a fleet of NixOS, nix-darwin and home-manager
// machines as one modular systems flake.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/fleetdev/fleet/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), cli.StopSignals...)
	code := cli.Main(ctx, os.Args[1:], cli.OSStdio(), os.Environ())
	stop()
	os.Exit(code)
}
