package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
)

func (a *App) explainCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "explain HOST PATH",
		Short: "Show every definition of one value, which won and why",
		Long: `Explain lists every definition of the value at PATH on HOST, lowest
precedence first, with the layer and file:line:col of each, and says which one
decided the value and why.

PATH is dotted, as printed by 'fleet eval': settings.monitoring.grafanaPort,
nixos.services.openssh.settings.PasswordAuthentication, users.alex.home_settings.git.email,
modules, packages, hardware.gpu. fleet.<module>.<option> means settings.<module>.<option>. A setting the module
declares no option for is an error, as in fleet check: its value is not used.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args[:1])
			if err != nil {
				return err
			}
			h, err := a.host(l, args[0])
			if err != nil {
				return err
			}
			n, err := h.Lookup(args[1])
			if err != nil {
				var pe *eval.PathError
				if errors.As(err, &pe) {
					return &exitError{code: ExitUsage, err: withHint(err, pe.Hint())}
				}
				return &exitError{code: ExitUsage, err: err}
			}
			if keys, _ := eval.ParsePath(args[1]); keys != nil {
				if u := l.Eval.Undeclared(h, keys); u != nil {
					// check calls this an unknown option: explain agrees
					// rather than showing a value nothing reads.
					a.renderDiags(l.Diags.Items())
					err := fmt.Errorf("%s: module %s has no option %s; the value written there is not used", args[1], u.Module, u.Option)
					if hint := diag.DidYouMean(u.Missing, u.Near); hint != "" {
						err = withHint(err, hint)
					} else if len(u.Near) > 0 {
						err = withHint(err, "options there: "+strings.Join(u.Near, ", "))
					}
					return &exitError{code: ExitFindings, err: err}
				}
			}
			x := eval.Explain(n)
			if a.JSON {
				if err := writeJSON(a.Out, struct {
					Host string `json:"host"`
					Path string `json:"path"`
					*eval.Explanation
				}{h.Name, args[1], x}); err != nil {
					return err
				}
				return a.reportDiags(l.Diags)
			}
			fmt.Fprintf(a.Out, "%s %s = %s\n", h.Name, args[1], x.Text)
			tw := a.table()
			for _, d := range x.Defs {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.Mark, d.Layer, d.Pos, d.Text)
			}
			tw.Flush()
			fmt.Fprintf(a.Out, "%s\n", x.Why)
			return a.reportDiags(l.Diags)
		},
	}
}
