package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/eval"
)

func (a *App) evalCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "eval HOST",
		Short: "Print a host's resolved values and the layer each comes from",
		Long: `Eval prints every resolved value of a host, one per line, with the layer
and file:line:col of the definition that decided it. With --json it prints the
whole host model, every value with all its definitions (provenance).

On a terminal (or with COLUMNS set) lines fit its width: long values are
shortened with "…" (fleet explain HOST PATH shows one whole) and a
provenance that does not fit goes on the next line. Piped, every line is
printed whole.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			h, err := a.host(l, args[0])
			if err != nil {
				return err
			}
			if a.JSON {
				if err := writeJSON(a.Out, hostJSON(h)); err != nil {
					return err
				}
			} else if width := a.outWidth(); width > 0 {
				var rows [][3]string
				for _, e := range eval.Flatten(h.Tree, nil) {
					rows = append(rows, [3]string{e.Path, e.Node.Describe(), e.Node.From()})
				}
				fmt.Fprint(a.Out, fitColumns(rows, width))
			} else {
				tw := a.table()
				for _, e := range eval.Flatten(h.Tree, nil) {
					fmt.Fprintf(tw, "%s = %s\t# %s\n", e.Path, e.Node.Describe(), e.Node.From())
				}
				tw.Flush()
			}
			return a.reportDiags(l.Diags)
		},
	}
}

// hostJSON is the --json form of an evaluated host.
func hostJSON(h *eval.Host) any {
	var users []string
	for _, u := range h.Users {
		users = append(users, u.Name)
	}
	return struct {
		Name         string           `json:"name"`
		Platform     string           `json:"platform"`
		System       string           `json:"system"`
		Profile      string           `json:"profile"`
		ProfileChain []string         `json:"profile_chain"`
		Roles        []string         `json:"roles"`
		Modules      []string         `json:"modules"`
		Users        []string         `json:"users"`
		Secrets      []eval.SecretRef `json:"secrets"`
		Readable     []string         `json:"readable_secrets"`
		Values       *eval.Node       `json:"values"`
	}{h.Name, string(h.Platform), h.System, h.Profile, nonNil(h.ProfileChain), nonNil(h.Roles), nonNil(h.Modules), nonNil(users), nonNil(h.Secrets), nonNil(h.Readable), h.Tree}
}
