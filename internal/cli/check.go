package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/generate"
)

func (a *App) checkCommand() *cobra.Command {
	var specs []string
	c := &cobra.Command{
		Use:   "check [HOST...]",
		Short: "Evaluate and validate hosts; print a summary table",
		Long: `Check evaluates the selected hosts (all by default) and runs every built-in
check: file schemas, types of settings against the modules' declared options,
conflicts, references, role requirements, firmware sanity, renamed options and
secret access. Problems are printed on stderr as path:line:col; the summary
table goes to stdout. Exit 1 when there are errors.

Hosts are selected by name, glob (web-*), @role, %profile or platform:darwin.

When the source trees of the fleet's inputs are found (flake.lock's inputs
in /nix/store, or --upstream INPUT=FOLDER, FLEET_UPSTREAM), the [nixos],
[darwin] and [home] values are checked against the options those trees
declare (see fleet options); otherwise against a list of renamed options,
and -v says how to get an index.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := a.upstream(specs)
			if err != nil {
				return err
			}
			l, err := a.loadForCheck(cmd.Context(), args, u)
			if err != nil {
				return err
			}
			a.checkSecretAccess(l)
			if len(args) == 0 && !l.Diags.HasErrors() {
				if err := a.checkGenerated(l); err != nil {
					return err
				}
				if err := a.checkWorkflow(l); err != nil {
					return err
				}
			}
			return a.runCheck(l)
		},
	}
	a.upstreamFlag(c, &specs)
	return c
}

type checkHost struct {
	Name     string   `json:"name"`
	Platform string   `json:"platform"`
	System   string   `json:"system"`
	Profile  string   `json:"profile"`
	Roles    []string `json:"roles"`
	Modules  []string `json:"modules"`
	Users    []string `json:"users"`
	Errors   int      `json:"errors"`
	Warnings int      `json:"warnings"`
}

func (a *App) runCheck(l *loaded) error {
	errs, warns := l.Diags.Count()
	// Problems found while reading a host's files count for the host.
	for _, d := range l.InventoryDiags.Items() {
		for _, h := range l.Eval.Hosts {
			if h.Reads(d.Pos.File) {
				h.Count([]diag.Diagnostic{d})
			}
		}
	}
	var rows []checkHost
	for _, h := range l.Eval.Hosts {
		var users []string
		for _, u := range h.Users {
			users = append(users, u.Name)
		}
		rows = append(rows, checkHost{
			Name: h.Name, Platform: string(h.Platform), System: h.System, Profile: h.Profile,
			Roles: nonNil(h.Roles), Modules: nonNil(h.Modules), Users: nonNil(users),
			Errors: h.Errors, Warnings: h.Warnings,
		})
	}
	if a.JSON {
		out := struct {
			Hosts       []checkHost       `json:"hosts"`
			Errors      int               `json:"errors"`
			Warnings    int               `json:"warnings"`
			Diagnostics []diag.Diagnostic `json:"diagnostics"`
		}{nonNil(rows), errs, warns, nonNil(l.Diags.Items())}
		if err := writeJSON(a.Out, out); err != nil {
			return err
		}
		if errs > 0 {
			return errFindings
		}
		return nil
	}
	a.renderDiags(l.Diags.Items())
	tw := a.table()
	fmt.Fprintln(tw, "HOST\tPLATFORM\tPROFILE\tROLES\tMODULES\tERRORS\tWARNINGS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", r.Name, dash(r.Platform), dash(r.Profile), dash(strings.Join(r.Roles, ",")), len(r.Modules), r.Errors, r.Warnings)
	}
	tw.Flush()
	fmt.Fprintf(a.Err, "%s checked: %s, %s\n", plural(len(rows), "host"), plural(errs, "error"), plural(warns, "warning"))
	if errs > 0 {
		return errFindings
	}
	return nil
}

// checkGenerated reports generated files that differ from what fleet
// would write now.
func (a *App) checkGenerated(l *loaded) error {
	g, err := a.generatedFiles(l, nil)
	if err != nil {
		return applyError(err)
	}
	changes := g.changes
	l.Diags.Append(g.diags)
	for _, d := range generate.CheckFlake(l.Dir, l.Eval) {
		l.Diags.Add(d)
	}
	if _, err := os.Stat(filepath.Join(l.Dir, generate.Dir)); errors.Is(err, fs.ErrNotExist) {
		l.Diags.Errorf(diag.Pos{File: generate.Dir}, "stale", "the generated Nix wiring is missing").Hint("run 'fleet generate'")
		return nil
	}
	if len(changes) > 1 {
		// One error for many files: an interrupted run can leave
		// thousands.
		const shown = 5
		var names []string
		for _, c := range changes[:min(len(changes), shown)] {
			names = append(names, c.Path)
		}
		list := strings.Join(names, ", ")
		if len(changes) > shown {
			list += fmt.Sprintf(" and %d more", len(changes)-shown)
		}
		l.Diags.Errorf(diag.Pos{File: generate.Dir}, "stale", "%s stale or missing: %s", staleCount(len(changes)), list).
			Hint("run 'fleet generate' (see the changes with 'fleet generate --check')")
		return nil
	}
	for _, c := range changes {
		switch {
		case c.Old == nil:
			l.Diags.Errorf(diag.Pos{File: c.Path}, "stale", "generated file is missing").Hint("run 'fleet generate'")
		case c.New == nil:
			l.Diags.Errorf(diag.Pos{File: c.Path}, "stale", "generated file belongs to no host any more").Hint("run 'fleet generate' to remove it")
		default:
			l.Diags.Errorf(diag.Pos{File: c.Path}, "stale", "generated file is stale").Hint("run 'fleet generate' (see the changes with 'fleet generate --check')")
		}
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
