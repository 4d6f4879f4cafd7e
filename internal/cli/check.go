package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
)

func (a *App) checkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check [HOST...]",
		Short: "Evaluate and validate hosts; print a summary table",
		Long: `Check evaluates the selected hosts (all by default) and runs every built-in
check: file schemas, types of settings against the modules' declared options,
conflicts, references, role requirements, firmware sanity, renamed options and
secret access. Problems are printed on stderr as path:line:col; the summary
table goes to stdout. Exit 1 when there are errors.

Hosts are selected by name, glob (web-*), @role, %profile or platform:darwin.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			return a.runCheck(l)
		},
	}
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
	errs, warns := l.diags.Count()
	var rows []checkHost
	for _, h := range l.fleet.Hosts {
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
		}{nonNil(rows), errs, warns, nonNil(l.diags.Items())}
		if err := writeJSON(a.Out, out); err != nil {
			return err
		}
		if errs > 0 {
			return errFindings
		}
		return nil
	}
	diag.Render(a.Err, l.diags.Items())
	tw := tabwriter.NewWriter(a.Out, 0, 0, 2, ' ', 0)
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
