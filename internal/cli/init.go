package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) initCommand() *cobra.Command {
	var example bool
	var host string
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new fleet (or write the bundled example fleet)",
		Long: `Init writes a minimal working fleet into DIR (default: the current
directory): fleet.toml, a flake.nix that you own, common settings and one host.
With --example it writes the bundled example fleet instead: six machines,
their profiles, roles, modules, users and secrets.

Init never overwrites a file: if any file it would write exists, it writes
nothing. It also writes the generated files, and makes the folder a git
repository with every file staged (unless it already lies in one): flakes
see only the files git tracks.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.WorkDir
			if len(args) == 1 {
				dir = args[0]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.WorkDir, dir)
				}
			}
			var files map[string]atomicfs.File
			if example {
				var err error
				if files, err = scaffold.Example(); err != nil {
					return err
				}
			} else {
				if !inventory.IsHostName(host) {
					return usageError("--host %q is not a valid host name", host)
				}
				files = scaffold.Minimal(filepath.Base(dir), host)
			}
			if err := atomicfs.CreateTree(dir, files); err != nil {
				var ee *atomicfs.ExistsError
				if errors.As(err, &ee) {
					return withHint(fmt.Errorf("not writing a fleet into %s: %w", a.rel(dir), relExists(a, ee)), "choose an empty folder")
				}
				return err
			}
			rel := a.rel(dir)
			written, err := a.generateInto(cmd.Context(), dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Err, "wrote %s into %s\n", plural(len(files)+written, "file"), rel)
			state, err := scaffold.Git(cmd.Context(), dir, a.Env.List())
			switch {
			case err != nil:
				fmt.Fprintf(a.Err, "fleet: warning: %v\n", err)
				fmt.Fprintf(a.Err, "fleet: hint: run 'git init' and 'git add -A' in %s: flakes see only the files git tracks\n", rel)
			case state == scaffold.GitInitialized:
				fmt.Fprintf(a.Err, "created a git repository in %s with every file staged: flakes see only the files git tracks, so 'git add' new files before building\n", rel)
			case state == scaffold.GitExisting:
				fmt.Fprintf(a.Err, "%s is inside a git repository: 'git add' the new files, flakes see only the files git tracks\n", rel)
			case state == scaffold.GitMissing:
				fmt.Fprintf(a.Err, "git was not found: put %s under git ('git init' and 'git add -A'), flakes see only the files git tracks\n", rel)
			}
			fmt.Fprintf(a.Err, "next: fleet --dir %s check\n", rel)
			return nil
		},
	}
	c.Flags().BoolVar(&example, "example", false, "write the bundled example fleet")
	c.Flags().StringVar(&host, "host", "my-machine", "name of the first host of a new fleet")
	return c
}

// generateInto writes the generated files of the new fleet in dir and
// returns how many it wrote.
func (a *App) generateInto(ctx context.Context, dir string) (int, error) {
	saved := a.dirFlag
	a.dirFlag = dir
	defer func() { a.dirFlag = saved }()
	l, err := a.load(ctx, nil)
	if err != nil {
		return 0, err
	}
	if l.Diags.HasErrors() {
		return 0, a.reportDiags(l.Diags)
	}
	g, err := a.generated(l)
	if err != nil {
		return 0, err
	}
	if g.diags.HasErrors() {
		return 0, a.reportDiags(g.diags)
	}
	return len(g.changes), a.write(dir, g)
}

func relExists(a *App, e *atomicfs.ExistsError) error {
	paths := make([]string, len(e.Paths))
	for i, p := range e.Paths {
		paths[i] = a.rel(p)
	}
	return &atomicfs.ExistsError{Paths: paths}
}

// rel renders a path relative to the working directory when it is below it.
func (a *App) rel(path string) string {
	if r, err := filepath.Rel(a.WorkDir, path); err == nil && filepath.IsLocal(r) {
		return r
	}
	if r, err := filepath.Rel(a.WorkDir, path); err == nil && r == "." {
		return "."
	}
	return path
}
