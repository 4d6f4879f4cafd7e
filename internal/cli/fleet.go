package cli

import (
	"context"
	"errors"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/generate"
)

// loaded is a loaded fleet, as every command sees it.
type loaded = fleet.Fleet

// load reads and evaluates the fleet through fleet.Load, limited to the
// hosts the selectors pick (all hosts when there are none). A selector
// that matches nothing is a usage error.
func (a *App) load(ctx context.Context, selectors []string) (*loaded, error) {
	return a.loadWith(ctx, selectors, nil)
}

// loadForCheck is loadWith for check, which takes the digest of what was
// read only to compare it with generated/fleet.sums: without the record,
// without this machine's key, or for some hosts only (their files are not
// compared), nothing read is recorded.
func (a *App) loadForCheck(ctx context.Context, selectors []string, u *fleet.Upstream) (*loaded, error) {
	return a.loadOpts(ctx, selectors, u, true)
}

// loadWith is load that checks pass-through values against the upstream
// indexes u finds (nil: none).
func (a *App) loadWith(ctx context.Context, selectors []string, u *fleet.Upstream) (*loaded, error) {
	return a.loadOpts(ctx, selectors, u, false)
}

func (a *App) loadOpts(ctx context.Context, selectors []string, u *fleet.Upstream, check bool) (*loaded, error) {
	dir, err := a.fleetDir()
	if err != nil {
		return nil, err
	}
	unrecorded := check && (len(selectors) > 0 || !generate.HasSums(dir) || a.recordKey() == nil)
	opts := fleet.Options{Selectors: selectors, Label: a.rel(dir), Now: a.now, Upstream: u, Unrecorded: unrecorded}
	if a.Verbose {
		opts.Log = a.Err
	}
	l, err := fleet.Load(ctx, dir, opts)
	if err != nil {
		return nil, selectUsage(err)
	}
	return l, nil
}

// host returns the evaluated host called name, or a usage error.
func (a *App) host(l *loaded, name string) (*eval.Host, error) {
	h, err := l.Host(name)
	if err != nil {
		return nil, selectUsage(err)
	}
	return h, nil
}

// selectUsage turns a selector that matches nothing into a usage error
// with its hint.
func selectUsage(err error) error {
	var se *eval.SelectError
	if !errors.As(err, &se) {
		return err
	}
	if se.Hint != "" {
		return &exitError{code: ExitUsage, err: withHint(err, se.Hint)}
	}
	return &exitError{code: ExitUsage, err: err}
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
