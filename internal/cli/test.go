package cli

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/fleettest"
)

func (a *App) testCommand() *cobra.Command {
	var run, junit string
	var update bool
	c := &cobra.Command{
		Use:   "test [HOST...]",
		Short: "Run the fleet's tests (tests/*.toml) on the evaluated hosts",
		Long: `Test evaluates the selected hosts (all by default) and checks the assertions
of every tests/<name>.toml on them, offline. An assertion selects hosts (hosts =
["*"], a name, a glob, @role, %profile, platform:darwin) and checks a value at a
path (equals, contains, matches, absent, one_of, min and max) or a fact fleet
derives (module_enabled, container_enabled, user_exists, can_decrypt,
port_open). A failure
prints the host, the expected and the actual value, and where the actual value
was set. [[snapshot]] tables compare a resolved subtree with the one recorded
under tests/snapshots/; --update records them.

Results go to stdout; the last line counts tests, hosts and assertions.
Exit 1 when an assertion fails or a test file has errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var re *regexp.Regexp
			if run != "" {
				var err error
				if re, err = regexp.Compile(run); err != nil {
					return usageError("--run: %v", err)
				}
			}
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			if l.Diags.HasErrors() {
				a.renderDiags(l.Diags.Items())
				fmt.Fprintln(a.Err, "fleet: not testing: fix the errors above first")
				return errFindings
			}
			tests, dl := fleettest.Load(l.Inventory)
			if err := a.reportDiags(dl); err != nil {
				return err
			}
			rep, err := fleettest.Run(cmd.Context(), l.Eval, tests, fleettest.Options{Run: re, Update: update})
			if err != nil {
				return err
			}
			if len(rep.Tests) == 0 {
				if len(tests) == 0 {
					fmt.Fprintf(a.Err, "fleet: no tests: write tests/<name>.toml (see 'fleet help test')\n")
				} else {
					fmt.Fprintf(a.Err, "fleet: no test matches --run %q\n", run)
				}
			}
			for _, f := range rep.Updated {
				fmt.Fprintf(a.Err, "wrote %s\n", f)
			}
			if junit != "" {
				var b bytes.Buffer
				if err := fleettest.WriteJUnit(&b, rep); err != nil {
					return err
				}
				path := junit
				if !filepath.IsAbs(path) {
					path = filepath.Join(a.WorkDir, path)
				}
				if err := atomicfs.WriteFile(path, b.Bytes(), 0o644); err != nil {
					return err
				}
			}
			if a.JSON {
				if err := writeJSON(a.Out, rep); err != nil {
					return err
				}
			} else {
				fleettest.WriteText(a.Out, rep)
			}
			if rep.Failed > 0 {
				return errFindings
			}
			return nil
		},
	}
	c.Flags().StringVar(&run, "run", "", "run only the tests whose name matches this regular expression")
	c.Flags().StringVar(&junit, "junit", "", "also write the results as JUnit XML to this file")
	c.Flags().BoolVar(&update, "update", false, "record the snapshots of [[snapshot]] tables instead of comparing")
	return c
}
