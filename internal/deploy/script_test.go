package deploy_test

import (
	"context"
	"os"
	"os/signal"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/fleetdev/fleet/internal/cli"
	"github.com/fleetdev/fleet/internal/deploy/fakehost"
	"github.com/fleetdev/fleet/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"fleet": func() {
			// As cmd/fleet does: an interrupt cancels the run.
			ctx, stop := signal.NotifyContext(context.Background(), cli.StopSignals...)
			code := cli.Main(ctx, os.Args[1:], cli.OSStdio(), os.Environ())
			stop()
			os.Exit(code)
		},
	})
}

// TestScript runs fleet deploy and fleet status against stand-in hosts
// (package fakehost): a real sshd per host, real nix build and nix copy.
// The scripts skip where fake hosts cannot run.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			return fakehost.Setup(env)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    scripttest.Exits,
			"fakehost": fakehost.Cmd,
		},
		Condition: fakehost.Condition,
	})
}
