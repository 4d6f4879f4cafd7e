package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/ci"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleettest"
	"github.com/fleetdev/fleet/internal/textdiff"
)

func (a *App) ciGithubCommand() *cobra.Command {
	var check bool
	var branch string
	c := &cobra.Command{
		Use:   "github",
		Short: "Write the GitHub Actions workflows of the fleet repository",
		Long: `github writes .github/workflows/fleet.yml and .github/workflows/flake-update.yml
in the fleet's folder. fleet.yml runs fleet check, fleet generate --check,
fleet secrets audit (when the fleet has secrets), fleet test (when it has
tests) and nix flake check, then builds every host affected by the change on
a runner of its system (Linux runners for NixOS, macOS runners for darwin),
with the NixOS VM tests that boot them, and on pushes to the branch
optionally signs and
copies what it built to a binary cache (NIX_CACHE_URL, NIX_SIGNING_KEY).
flake-update.yml updates flake.lock every week in a pull request.
Third-party actions are pinned by commit.

With --check nothing is written: the command shows the diff and exits 1 when
the workflows are stale. fleet check reports a stale fleet.yml too, once it
exists.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			files, err := a.workflows(l, branch)
			if err != nil {
				return err
			}
			stale, old, err := ci.Stale(l.Dir, files)
			if err != nil {
				return err
			}
			if check {
				for _, p := range stale {
					fmt.Fprint(a.Out, textdiff.Unified("a/"+p, "b/"+p, old[p], files[p]))
				}
				if len(stale) > 0 {
					return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("%s stale", workflowCount(len(stale)))}, "run 'fleet ci github' and commit the result")
				}
				fmt.Fprintln(a.Err, "workflows are up to date")
				return nil
			}
			for _, p := range stale {
				if err := atomicfs.WriteFile(filepath.Join(l.Dir, filepath.FromSlash(p)), files[p], 0o644); err != nil {
					return err
				}
				fmt.Fprintf(a.Err, "wrote %s\n", p)
			}
			if len(stale) == 0 {
				fmt.Fprintln(a.Err, "workflows are up to date")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&check, "check", false, "write nothing; show the diff and exit 1 when the workflows are stale")
	c.Flags().StringVar(&branch, "branch", "main", "the branch whose pushes build every host and push to the cache")
	return c
}

// workflows renders the fleet's GitHub workflows.
func (a *App) workflows(l *loaded, branch string) (map[string][]byte, error) {
	tests, err := fleettest.Files(l.Dir)
	if err != nil {
		return nil, err
	}
	return ci.Workflows(l.Eval, len(tests) > 0, ci.Options{Branch: branch}), nil
}

// checkWorkflow reports a stale fleet.yml when the fleet has one. The
// branch is read back from the file's push trigger.
func (a *App) checkWorkflow(l *loaded) error {
	branch, ok, err := ci.Branch(l.Dir)
	if err != nil || !ok {
		return err
	}
	files, err := a.workflows(l, branch)
	if err != nil {
		return err
	}
	stale, _, err := ci.Stale(l.Dir, files)
	if err != nil {
		return err
	}
	for _, p := range stale {
		l.Diags.Errorf(diag.Pos{File: p}, "stale", "the CI workflow is stale").Hint("run 'fleet ci github' (see the changes with 'fleet ci github --check')")
	}
	return nil
}

func workflowCount(n int) string {
	if n == 1 {
		return "1 workflow is"
	}
	return fmt.Sprintf("%d workflows are", n)
}
