package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/fleet"
)

func (a *App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "fleet",
		Short: "Manage a fleet of NixOS, nix-darwin and home-manager machines as one systems flake",
		Long: `fleet turns a folder of hosts, profiles, roles, users and plain Nix modules
into a checked, explained, documented and deployable flake.

Data goes to stdout (--json for scripts); messages go to stderr.
Exit codes: 0 ok, 1 errors in the fleet, 2 bad usage (including no
fleet.toml where one is needed), 3 some hosts failed (deploy, status),
130 interrupted.`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		PersistentPreRunE: a.refuseJSON,
		// fleet completion (completion.go) replaces cobra's own command.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	f := root.PersistentFlags()
	f.StringVar(&a.dirFlag, "dir", "", "fleet directory (default: nearest folder upward holding fleet.toml)")
	f.BoolVar(&a.JSON, "json", false, "print machine-readable JSON on stdout")
	f.BoolVar(&a.NoColor, "no-color", false, "never color output")
	f.BoolVarP(&a.Verbose, "verbose", "v", false, "print more about what fleet does")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err}
	})
	addVersion(root)
	for _, c := range a.commands() {
		root.AddCommand(c)
	}
	a.addCompletions(root)
	needSubcommand(root)
	addExamples(root)
	return root
}

// groupAnnotation marks a command that only groups others.
const groupAnnotation = "fleet.group"

// needSubcommand makes a command that only groups others ('fleet new',
// 'fleet secrets') a usage error when run alone or with an unknown
// subcommand, instead of printing its help and exiting 0.
func needSubcommand(c *cobra.Command) {
	for _, sub := range c.Commands() {
		needSubcommand(sub)
	}
	if c.Parent() == nil || !c.HasSubCommands() || c.Run != nil || c.RunE != nil {
		return
	}
	if c.Args == nil {
		c.Args = cobra.NoArgs
	}
	c.Annotations = map[string]string{groupAnnotation: "true"}
	c.RunE = func(c *cobra.Command, _ []string) error {
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return withHint(usageError("%s: say which one: %s", c.CommandPath(), strings.Join(names, ", ")), "run '"+c.CommandPath()+" --help'")
	}
}

// commands lists fleet's top-level commands. Each lives in its own file.
func (a *App) commands() []*cobra.Command {
	return []*cobra.Command{
		a.initCommand(),
		a.importCommand(),
		a.dedupeCommand(),
		a.deployCommand(),
		a.statusCommand(),
		a.checkCommand(),
		a.evalCommand(),
		a.explainCommand(),
		a.diffCommand(),
		a.listCommand(),
		a.generateCommand(),
		a.nixCommand(),
		a.optionsCommand(),
		a.verifyCommand(),
		a.secretsCommand(),
		a.testCommand(),
		a.newCommand(),
		a.ciCommand(),
		a.completionCommand(),
		a.docsCommand(),
		a.containersCommand(),
	}
}

// fleetDir resolves the fleet directory: --dir, or the nearest folder
// upward from the working directory that holds fleet.toml. The first time
// it finds a fleet it tunes the collector for that fleet's size (tuneGC):
// every command that works on a fleet comes here first.
func (a *App) fleetDir() (string, error) {
	dir, err := a.findFleetDir()
	if err == nil && dir != a.gcFor {
		a.tuneGC(dir)
		a.gcFor = dir
	}
	return dir, err
}

// findFleetDir is fleetDir without the tuning.
func (a *App) findFleetDir() (string, error) {
	if a.dirFlag != "" {
		dir := a.dirFlag
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(a.WorkDir, dir)
		}
		if _, err := os.Stat(filepath.Join(dir, "fleet.toml")); err != nil {
			return "", withHint(&exitError{code: ExitUsage, err: fmt.Errorf("%s holds no fleet.toml", a.dirFlag)}, "run 'fleet init "+a.dirFlag+"' to create a fleet there")
		}
		return dir, nil
	}
	dir, err := fleet.FindRoot(a.WorkDir)
	if err != nil {
		return "", withHint(&exitError{code: ExitUsage, err: fmt.Errorf("no fleet.toml in %s or any parent folder", a.WorkDir)}, "run 'fleet init' to create a fleet, or pass --dir")
	}
	return dir, nil
}
