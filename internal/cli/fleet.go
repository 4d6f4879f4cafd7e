package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// loaded is an evaluated fleet with every diagnostic found on the way.
type loaded struct {
	dir      string
	inv      *inventory.Inventory
	fleet    *eval.Fleet
	selected []string
	diags    *diag.List
	// invDiags are the problems found reading the files (also in diags).
	invDiags *diag.List
}

// load reads and evaluates the fleet, limited to the hosts the selectors
// pick (all hosts when there are none).
func (a *App) load(ctx context.Context, selectors []string) (*loaded, error) {
	dir, err := a.fleetDir()
	if err != nil {
		return nil, err
	}
	start := a.now()
	inv, diags := inventory.Load(dir)
	if a.Verbose {
		mods := 0
		for _, m := range inv.Modules {
			mods += len(m)
		}
		fmt.Fprintf(a.Err, "fleet: read %s: %d hosts, %d profiles, %d roles, %d users, %d modules, %d secrets in %s\n",
			a.rel(dir), len(inv.Hosts), len(inv.Profiles), len(inv.Roles), len(inv.Users), mods, len(inv.Secrets), a.now().Sub(start).Round(time.Microsecond))
	}
	selected, err := eval.Select(inv, selectors)
	if err != nil {
		var se *eval.SelectError
		if errors.As(err, &se) && se.Hint != "" {
			return nil, &exitError{code: ExitUsage, err: withHint(err, se.Hint)}
		}
		return nil, &exitError{code: ExitUsage, err: err}
	}
	start = a.now()
	f, err := eval.Evaluate(ctx, inv, a.evalConfig(selected))
	if err != nil {
		return nil, err
	}
	if a.Verbose {
		fmt.Fprintf(a.Err, "fleet: evaluated %d hosts in %s\n", len(f.Hosts), a.now().Sub(start).Round(time.Microsecond))
	}
	all := &diag.List{}
	all.Append(diags)
	all.Append(f.Diags)
	return &loaded{dir: dir, inv: inv, fleet: f, selected: selected, diags: all, invDiags: diags}, nil
}

// evalConfig wires the Nix front end into evaluation.
func (a *App) evalConfig(hosts []string) eval.Config {
	return eval.Config{
		Hosts:       hosts,
		ReadOptions: options.Extract,
		CheckExpr: func(pos diag.Pos, src string) []diag.Diagnostic {
			// The expression starts after the string's opening quote.
			pos.Col++
			ds := syntax.CheckExpr(src, pos)
			for i := range ds {
				ds[i].Message = "in { expr = ... }: " + ds[i].Message
				ds[i].Hints = append(ds[i].Hints, "expr holds Nix source; a TOML literal string ('...') keeps quotes and backslashes as written")
			}
			return ds
		},
	}
}

// host returns the evaluated host called name, or a usage error.
func (l *loaded) host(name string) (*eval.Host, error) {
	if h := l.fleet.Host(name); h != nil {
		return h, nil
	}
	err := &eval.SelectError{Selector: name}
	if hint := diag.DidYouMean(name, l.inv.HostNames()); hint != "" {
		return nil, &exitError{code: ExitUsage, err: withHint(err, hint)}
	}
	return nil, &exitError{code: ExitUsage, err: err}
}

// reportDiags prints diagnostics on stderr and returns errFindings when
// there are errors.
func (a *App) reportDiags(l *diag.List) error {
	a.renderDiags(l.Items())
	if l.HasErrors() {
		return errFindings
	}
	return nil
}
