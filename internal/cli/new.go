package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/inventory"
)

// newCommand groups the commands that start something new in the fleet:
// a host, role, profile, user or module from a commented starting file,
// or a project from a template. Each kind is a subcommand in its own file
// (new_<kind>.go); add one to newKinds.
func (a *App) newCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "new",
		Short: "Start a host, role, profile, user, module or project from a commented starting file",
		Long: `New writes the starting files of something new. It never overwrites a file.

  fleet new host NAME [--platform darwin]   hosts/NAME/host.toml (and a hardware placeholder on NixOS)
  fleet new role NAME                       roles/NAME.toml
  fleet new profile NAME [--extends P]      profiles/NAME.toml
  fleet new user NAME                       users/NAME/user.toml
  fleet new module NAME [--class home]      modules/CLASS/NAME/default.nix
  fleet new project DIR --template NAME     a project from templates/NAME/

Each file is correct as written (fleet check accepts it) and comments the
keys you may want next.`,
		Args: cobra.NoArgs,
	}
	for _, k := range a.newKinds() {
		c.AddCommand(k)
	}
	return c
}

// newKinds lists the subcommands of new, one per file.
func (a *App) newKinds() []*cobra.Command {
	return []*cobra.Command{
		a.newHostCommand(),
		a.newRoleCommand(),
		a.newProfileCommand(),
		a.newUserCommand(),
		a.newModuleCommand(),
		a.newProjectCommand(),
	}
}

// writeNew writes the starting files of something new into the fleet,
// never overwriting, and says what was written and what to do next.
func (a *App) writeNew(files map[string]atomicfs.File, next ...string) error {
	dir, err := a.fleetDir()
	if err != nil {
		return err
	}
	if err := atomicfs.CreateTree(dir, files); err != nil {
		var ee *atomicfs.ExistsError
		if errors.As(err, &ee) {
			return withHint(fmt.Errorf("not writing: %w", relExists(a, ee)), "choose another name, or edit the file that is there")
		}
		return err
	}
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range files {
			if !yield(p) {
				return
			}
		}
	})
	if a.JSON {
		if err := writeJSON(a.Out, map[string]any{"written": paths, "next": nonNil(next)}); err != nil {
			return err
		}
	}
	for _, p := range paths {
		fmt.Fprintf(a.Err, "wrote %s\n", a.rel(filepath.Join(dir, filepath.FromSlash(p))))
	}
	for _, n := range next {
		fmt.Fprintf(a.Err, "next: %s\n", n)
	}
	return nil
}

// checkNewName refuses a name that cannot be a file name and a Nix
// attribute name at once.
func checkNewName(kind, name string) error {
	if !inventory.IsHostName(name) {
		return withHint(usageError("%q is not a valid %s name", name, kind), "use lower-case letters, digits and '-', starting with a letter or digit")
	}
	return nil
}

// dirFlagArg is the --dir part of a command line to suggest, so the
// suggestion runs from where the user is.
func (a *App) dirFlagArg() string {
	if a.dirFlag == "" {
		return ""
	}
	return " --dir " + strings.TrimSpace(a.dirFlag)
}
