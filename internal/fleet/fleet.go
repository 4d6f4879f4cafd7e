// Package fleet owns loading a fleet repository: finding its root, reading
// the inventory, extracting the modules' options, evaluating the selected
// hosts with expression checks, reading and checking their container
// instances, checking the project templates, and collecting every
// diagnostic found on the way. It is the one entry point every face of
// fleet calls (the command line, the docs server, deploy, tests, import);
// none of them wires inventory, option extraction and evaluation itself.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/devenv"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/nix/syntax"
	"github.com/fleetdev/fleet/internal/secrets"
)

// ConfigFile is the file that marks a fleet's root folder.
const ConfigFile = "fleet.toml"

// ErrNoFleet is returned by FindRoot when no folder holds fleet.toml.
var ErrNoFleet = errors.New("no fleet.toml found")

// FindRoot returns the nearest folder upward from start that holds
// fleet.toml.
func FindRoot(start string) (string, error) {
	for dir := start; ; {
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w in %s or any parent folder", ErrNoFleet, start)
		}
		dir = parent
	}
}

// Options tunes Load.
type Options struct {
	// Selectors pick the hosts to evaluate (all hosts when empty): a name,
	// a glob, @role, %profile or platform:NAME.
	Selectors []string
	// Log receives what was read and evaluated, with timings; nil for
	// silence.
	Log io.Writer
	// Label names the fleet's folder in Log (Dir when empty), for example
	// relative to the user's working directory.
	Label string
	// Now is the clock used for timings; nil means time.Now.
	Now func() time.Time
	// ModulesOnly reads the inventory and the modules' options without
	// evaluating any host (fleet list options).
	ModulesOnly bool
	// Upstream, when set, checks pass-through values against indexes of
	// the upstream inputs' options (where their trees are found).
	Upstream *Upstream
	// Unrecorded skips recording what was read (see
	// inventory.LoadUnrecorded): the inventory's Inputs has no digest,
	// and generation neither uses nor writes generated/fleet.sums.
	Unrecorded bool
}

// Fleet is a loaded fleet: the inventory, the evaluated hosts and every
// diagnostic found. It is read-only for its consumers.
type Fleet struct {
	// Dir is the fleet's root folder.
	Dir string
	// Inventory is every file of the fleet as read.
	Inventory *inventory.Inventory
	// Eval is the evaluated fleet: one Host per selected host.
	Eval *eval.Fleet
	// Containers are the container instances of the evaluated hosts.
	Containers *containers.Fleet
	// Selected names the hosts the selectors picked.
	Selected []string
	// Diags holds every diagnostic: reading and evaluation.
	Diags *diag.List
	// InventoryDiags are the problems found reading the files (also in
	// Diags).
	InventoryDiags *diag.List

	access *accessOnce
}

// accessOnce holds who may read which secret, derived once.
type accessOnce struct {
	once  sync.Once
	a     *secrets.Access
	diags *diag.List
}

// Access is who may read which secret in the evaluated fleet, with the
// problems of its keys and patterns (secrets.FleetAccess), derived once
// however many faces ask. The result is shared: callers do not change it.
func (f *Fleet) Access() (*secrets.Access, *diag.List) {
	if f.access == nil {
		return secrets.FleetAccess(f.Inventory, f.Eval.Hosts)
	}
	f.access.once.Do(func() { f.access.a, f.access.diags = secrets.FleetAccess(f.Inventory, f.Eval.Hosts) })
	return f.access.a, f.access.diags
}

// Load reads and evaluates the fleet rooted at dir. A selector that
// matches nothing is returned as an *eval.SelectError; problems in the
// fleet's files are diagnostics in the result, not errors.
func Load(ctx context.Context, dir string, opts Options) (*Fleet, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	load := inventory.Load
	if opts.Unrecorded {
		load = inventory.LoadUnrecorded
	}
	inv, invDiags := load(dir)
	invDiags.Append(checkNixFiles(inv))
	if opts.Log != nil {
		label := opts.Label
		if label == "" {
			label = dir
		}
		mods := 0
		for _, m := range inv.Modules {
			mods += len(m)
		}
		fmt.Fprintf(opts.Log, "fleet: read %s: %d hosts, %d profiles, %d roles, %d users, %d modules, %d secrets in %s\n",
			label, len(inv.Hosts), len(inv.Profiles), len(inv.Roles), len(inv.Users), mods, len(inv.Secrets), now().Sub(start).Round(time.Microsecond))
	}
	selected, err := eval.Select(inv, opts.Selectors)
	if err != nil {
		return nil, err
	}
	if opts.ModulesOnly {
		selected = []string{}
	}
	cfg := EvalConfig(inv, selected)
	// Which hosts were evaluated is an input of what is derived from them,
	// as the files read are. (The upstream indexes are not: they only
	// add diagnostics.)
	inv.Inputs.Probe("every host evaluated", len(selected) == len(inv.Hosts))
	if opts.Upstream != nil && !opts.ModulesOnly {
		ix, err := UpstreamIndexes(dir, InputNames(inv), *opts.Upstream, opts.Log, now)
		if err != nil {
			return nil, err
		}
		cfg.Upstream = ix
	}
	// Each host's containers are read and checked as soon as the host is
	// evaluated (see containers.Checker); their time is summed over the
	// hosts.
	checker := containers.NewChecker(inv, len(inv.Hosts))
	var checking atomic.Int64
	cfg.Evaluated = checker.Host
	if opts.Log != nil {
		cfg.Evaluated = func(i int, h *eval.Host, modules map[string]map[string]*options.Module) {
			t := now()
			checker.Host(i, h, modules)
			checking.Add(int64(now().Sub(t)))
		}
	}
	start = now()
	ev, err := eval.Evaluate(ctx, inv, cfg)
	if err != nil {
		return nil, err
	}
	ctrs, cdiags := checker.Finish(ev.Hosts)
	if opts.Log != nil {
		fmt.Fprintf(opts.Log, "fleet: evaluated %d hosts in %s\n", len(ev.Hosts), now().Sub(start).Round(time.Microsecond))
		if len(inv.Containers) > 0 {
			n := 0
			for _, h := range ctrs.Hosts {
				n += len(h.Instances)
			}
			fmt.Fprintf(opts.Log, "fleet: checked %d containers of %d hosts in %s; during evaluation, summed over the hosts\n", n, len(ctrs.Hosts), time.Duration(checking.Load()).Round(time.Microsecond))
		}
	}
	all := &diag.List{}
	all.Append(invDiags)
	all.Append(ev.Diags)
	for _, d := range devenv.Check(ev) {
		all.Add(d)
	}
	all.Append(cdiags)
	return &Fleet{Dir: dir, Inventory: inv, Eval: ev, Containers: ctrs, Selected: selected, Diags: all, InventoryDiags: invDiags, access: &accessOnce{}}, nil
}

// EvalConfig wires the Nix front end into evaluation: option extraction
// from module source (following imports to files in a module's folder
// below the fleet's root) and the syntax check of { expr = ... } values.
func EvalConfig(inv *inventory.Inventory, hosts []string) eval.Config {
	// Imports are read through os.Root: a symbolic link cannot lead
	// outside the fleet.
	reader := options.Reader{ReadFile: func(name string) ([]byte, error) {
		r, err := os.OpenRoot(inv.Root)
		if err != nil {
			inv.Inputs.File(name, nil, err)
			return nil, err
		}
		defer r.Close()
		data, err := r.ReadFile(filepath.FromSlash(name))
		inv.Inputs.File(name, data, err)
		return data, err
	}}
	return eval.Config{
		Hosts:       hosts,
		ReadOptions: readOptions(reader),
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

// Host returns the evaluated host called name, or an *eval.SelectError
// with a did-you-mean hint.
func (f *Fleet) Host(name string) (*eval.Host, error) {
	if h := f.Eval.Host(name); h != nil {
		return h, nil
	}
	return nil, &eval.SelectError{Selector: name, Hint: diag.DidYouMean(name, f.Inventory.HostNames())}
}
