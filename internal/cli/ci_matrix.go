package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/ci"
	"github.com/fleetdev/fleet/internal/fleettest"
)

func (a *App) ciMatrixCommand() *cobra.Command {
	var changed string
	c := &cobra.Command{
		Use:   "matrix [HOST...]",
		Short: "Print the build matrix for GitHub Actions as one line of JSON",
		Long: `matrix prints {"include": [{"name", "attr", "system", "runner"}, ...]}: one
build per selected host (all by default), on the GitHub-hosted runner of its
system, then one per NixOS VM test (tests/vm/) booting a selected host. With --changed FILE (- for stdin), a list of changed paths relative to
the fleet's folder, one per line (git diff --name-only), only the hosts the
change affects are built: a host's own files, the modules of its platform,
its users, the secrets it references and the layers it reads; a VM test when
its files change or it boots an affected host. Documentation,
tests and CI files affect no host; flake.nix, flake.lock, packages and shared
generated files affect every host.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			vms, dl := fleettest.LoadVM(l.Inventory)
			if err := a.reportDiags(dl); err != nil {
				return err
			}
			if len(args) > 0 {
				// Only the VM tests booting a selected host.
				vms = slices.DeleteFunc(vms, func(t *fleettest.VMTest) bool {
					return !slices.ContainsFunc(t.Hosts, func(h string) bool { return l.Eval.Host(h) != nil })
				})
			}
			var hosts, tests []string
			if changed != "" {
				files, err := a.readLines(changed)
				if err != nil {
					return err
				}
				hosts, tests = ci.AffectedWithVMs(l.Eval, vms, files)
				hosts, tests = nonNil(hosts), nonNil(tests)
			}
			out, err := json.Marshal(ci.BuildMatrix(l.Eval, hosts, vms, tests))
			if err != nil {
				return err
			}
			_, err = a.Out.Write(append(out, '\n'))
			return err
		},
	}
	c.Flags().StringVar(&changed, "changed", "", "build only what the paths listed in this file (- for stdin) affect")
	return c
}

// readLines reads the non-empty lines of a file, or of stdin for "-".
func (a *App) readLines(name string) ([]string, error) {
	var r io.Reader = a.In
	if name != "-" {
		if !filepath.IsAbs(name) {
			name = filepath.Join(a.WorkDir, name)
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}
