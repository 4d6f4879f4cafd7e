package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fleetdev/fleet/internal/deploy"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/runner"
)

func (a *App) deployCommand() *cobra.Command {
	var (
		sw, boot, test, dry, planOnly bool
		o                             deploy.Options
	)
	c := &cobra.Command{
		Use:   "deploy [SELECTOR...]",
		Short: "Build, copy and activate hosts, with health checks and automatic rollback",
		Long: `Deploy builds each selected host's system with Nix (on this machine, or on
the target with --build-on target), shows what changes against the running
system, copies the closure over SSH with nix copy, and activates it.

Before a live activation (--switch, the default, or --test) a watchdog is armed
on the target: unless fleet confirms within --confirm-timeout, the target
returns to its previous system by itself, so a configuration that breaks the
network or SSH reverts on its own. After activation fleet checks the host on a
fresh SSH connection, compares failed units with those failing before, and
runs the checks derived from the inventory (container units); a failed check
rolls the host back at once.

Hosts deploy in parallel (--parallel) in waves ordered by [deploy] order (lower
first); one host's failure never stops the others, --max-failures stops
starting new ones. ssh is the system client, so ~/.ssh/config, agents and jump
hosts work; NIX_SSHOPTS is given to nix copy and to fleet's own ssh calls. A
target "localhost" deploys the machine fleet runs on (through sudo when not
root).

Exit 0 when every host deployed (or already ran its system), 3 when some
failed, 1 when the fleet has errors (nothing was touched), 130 when
interrupted (hosts being activated stay guarded by their watchdogs).

--plan shows the waves, targets, signing and health checks and touches
nothing.

Examples:
  fleet deploy --plan
  fleet deploy rich-evans
  fleet deploy @backup-client --parallel 4
  fleet deploy platform:nixos --boot
  fleet deploy bartleby --dry-activate`,
		RunE: func(cmd *cobra.Command, args []string) error {
			modes := 0
			o.Mode = deploy.Switch
			for _, m := range []struct {
				on   bool
				mode deploy.Mode
			}{{sw, deploy.Switch}, {boot, deploy.Boot}, {test, deploy.Test}, {dry, deploy.DryActivate}} {
				if m.on {
					modes++
					o.Mode = m.mode
				}
			}
			if modes > 1 {
				return usageError("choose one of --switch, --boot, --test and --dry-activate")
			}
			if o.BuildOn != "" && o.BuildOn != "local" && o.BuildOn != "target" {
				return usageError("--build-on is local or target, not %q", o.BuildOn)
			}
			if planOnly {
				return a.showDeployPlan(cmd, args, o)
			}
			return a.runDeploy(cmd, args, o)
		},
	}
	f := c.Flags()
	f.BoolVar(&sw, "switch", false, "activate now and make it the boot default (the default)")
	f.BoolVar(&boot, "boot", false, "make the new system the boot default; it starts at the next boot")
	f.BoolVar(&test, "test", false, "activate now without changing the boot default")
	f.BoolVar(&dry, "dry-activate", false, "show what activation would do; change nothing")
	f.StringVar(&o.BuildOn, "build-on", "", "where to build: local or target (default: each host's deploy.build_on)")
	f.IntVar(&o.Parallel, "parallel", 4, "hosts deployed at once")
	f.DurationVar(&o.ConfirmTimeout, "confirm-timeout", 90*time.Second, "how long the target's watchdog waits for fleet's confirmation")
	f.BoolVar(&o.NoRollback, "no-rollback", false, "arm no watchdog and never roll back")
	f.IntVar(&o.MaxFailures, "max-failures", 0, "start no new host after this many failures (0: no limit)")
	f.BoolVar(&o.Substitute, "substitute", false, "let targets fetch paths from their own substituters during the copy")
	f.StringVar(&o.SignKey, "sign-key", "", "Nix secret key file to sign closures with (default: [deploy] signing_key of fleet.toml)")
	f.BoolVar(&planOnly, "plan", false, "show the waves, targets and health checks of the deploy, touching nothing")
	return c
}

// showDeployPlan prints what a deploy would do, in order, without
// building or connecting to anything.
func (a *App) showDeployPlan(cmd *cobra.Command, args []string, o deploy.Options) error {
	plan, _, err := a.deployPlan(cmd, args, o.BuildOn, &o.SignKey)
	if err != nil {
		return err
	}
	type planned struct {
		Host     string         `json:"host"`
		Target   string         `json:"target"`
		Wave     int            `json:"wave"`
		WaveFrom string         `json:"wave_from,omitempty"`
		BuildOn  string         `json:"build_on"`
		Signed   bool           `json:"signed"`
		Checks   []deploy.Check `json:"checks"`
	}
	var rows []planned
	for _, t := range plan {
		rows = append(rows, planned{t.Host, t.Address(), t.Wave, t.WaveFrom, t.BuildOn, o.SignKey != "" && t.BuildOn != "target" && !t.Local, nonNil(t.Checks)})
	}
	if a.JSON {
		return writeJSON(a.Out, nonNil(rows))
	}
	tw := a.table()
	fmt.Fprintln(tw, "WAVE\tHOST\tTARGET\tBUILD ON\tSIGNED\tCHECKS")
	for _, r := range rows {
		wave := strconv.Itoa(r.Wave)
		if r.WaveFrom != "" {
			wave += " (" + r.WaveFrom + ")"
		}
		var checks []string
		for _, c := range r.Checks {
			checks = append(checks, string(c.Kind)+" "+c.Name)
		}
		signed := "no"
		if r.Signed {
			signed = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", wave, r.Host, r.Target, r.BuildOn, signed, dash(strings.Join(checks, ", ")))
	}
	tw.Flush()
	fmt.Fprintf(a.Err, "%s in %s; nothing was touched\n", plural(len(rows), "host"), plural(waves(plan), "wave"))
	return nil
}

// waves counts the distinct waves of a plan.
func waves(plan []*deploy.Target) int {
	seen := map[int]bool{}
	for _, t := range plan {
		seen[t.Wave] = true
	}
	return len(seen)
}

func (a *App) runDeploy(cmd *cobra.Command, args []string, o deploy.Options) error {
	ctx := cmd.Context()
	plan, dir, err := a.deployPlan(cmd, args, o.BuildOn, &o.SignKey)
	if err != nil {
		return err
	}
	o.FlakeDir = dir
	if o.Mode != deploy.Switch {
		var darwin []string
		for _, t := range plan {
			if t.Platform == "darwin" {
				darwin = append(darwin, t.Host)
			}
		}
		if len(darwin) > 0 {
			return withHint(usageError("nix-darwin activates only with --switch: %s", strings.Join(darwin, ", ")), "deselect the darwin hosts (for example with platform:nixos)")
		}
	}
	o.SSHOpts = strings.Fields(a.Env.Get("NIX_SSHOPTS"))
	o.Now = a.now
	prog := a.progress(plan)
	o.Progress = prog.event
	results := deploy.Deploy(ctx, a.runner(), plan, o)
	if a.JSON {
		if err := writeJSON(a.Out, results); err != nil {
			return err
		}
	} else {
		tw := a.table()
		fmt.Fprintln(tw, "HOST\tTARGET\tWAVE\tRESULT\tPHASE\tTIME")
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Host, r.Target, r.Wave, r.Outcome, r.Phase, r.Duration.Round(100*time.Millisecond))
		}
		tw.Flush()
		for _, r := range results {
			if r.Diff != "" {
				fmt.Fprintf(a.Err, "%s: changes:\n%s\n", r.Host, indent(r.Diff))
			}
			if r.Message != "" {
				fmt.Fprintf(a.Err, "%s: %s\n", r.Host, r.Message)
			}
			if r.Hint != "" {
				fmt.Fprintf(a.Err, "%s: hint: %s\n", r.Host, r.Hint)
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	failed := 0
	for _, r := range results {
		if !r.OK() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %s failed", failed, plural(len(results), "host"))}
	}
	return nil
}

// deployPlan loads and checks the fleet and plans the selected hosts. Any
// error in the fleet, a stale generated/ included, stops here: nothing is
// touched.
//
// signKey, when not nil, holds --sign-key; it is set to the secret key
// file closures are signed with (--sign-key, else fleet.toml's
// [deploy] signing_key), checked against [deploy] public_key.
func (a *App) deployPlan(cmd *cobra.Command, args []string, buildOn string, signKey *string) ([]*deploy.Target, string, error) {
	// Every host is evaluated: the generated files, which must be fresh,
	// depend on all of them.
	l, err := a.load(cmd.Context(), nil)
	if err != nil {
		return nil, "", err
	}
	selected, err := eval.Select(l.Inventory, args)
	if err != nil {
		return nil, "", selectUsage(err)
	}
	a.checkSecretAccess(l)
	if !l.Diags.HasErrors() {
		if err := a.checkGenerated(l); err != nil {
			return nil, "", err
		}
	}
	var hosts []*eval.Host
	for _, name := range selected {
		hosts = append(hosts, l.Eval.Host(name))
	}
	plan, ds := deploy.Plan(hosts, l.Containers, deploy.PlanOptions{BuildOn: buildOn, UID: os.Getuid(), Roles: l.Inventory.Roles})
	for _, d := range ds {
		l.Diags.Add(d)
	}
	if signKey != nil {
		*signKey = a.signingKey(l, *signKey)
	}
	if l.Diags.HasErrors() {
		a.renderDiags(l.Diags.Items())
		fmt.Fprintln(a.Err, "fleet: nothing deployed: fix the errors above first")
		return nil, "", errFindings
	}
	a.renderDiags(l.Diags.Items())
	return plan, l.Dir, nil
}

// runner is the App's command runner: the real one unless a test set it.
func (a *App) runner() runner.Runner {
	if a.Runner != nil {
		return a.Runner
	}
	return runner.Exec{Environ: a.Env.List()}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// deployProgress shows each host's phase: a live block of lines on a
// terminal, plain prefixed lines otherwise.
type deployProgress struct {
	a     *App
	live  bool
	mu    sync.Mutex
	hosts []string
	state map[string]string
	drawn int
}

func (a *App) progress(plan []*deploy.Target) *deployProgress {
	p := &deployProgress{a: a, state: map[string]string{}}
	for _, t := range plan {
		p.hosts = append(p.hosts, t.Host)
		p.state[t.Host] = string(deploy.PhaseWait)
	}
	if f, ok := a.Err.(*os.File); ok && !a.JSON && term.IsTerminal(int(f.Fd())) && a.Env.Get("TERM") != "dumb" {
		p.live = true
	}
	return p
}

func (p *deployProgress) event(e deploy.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := string(e.Phase)
	if e.Message != "" {
		line += " (" + e.Message + ")"
	}
	p.state[e.Host] = line
	if !p.live {
		fmt.Fprintf(p.a.Err, "[%s] %s\n", e.Host, line)
		return
	}
	p.draw()
}

func (p *deployProgress) draw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.a.Err, "\x1b[%dA", p.drawn)
	}
	for _, h := range p.hosts {
		fmt.Fprintf(p.a.Err, "\x1b[2K%-20s %s\n", h, p.state[h])
	}
	p.drawn = len(p.hosts)
}

// signingKey resolves the secret key file deploy signs closures with:
// flag (--sign-key, relative to the working folder), else fleet.toml's
// [deploy] signing_key ("~/" is the home folder, a relative path is
// relative to the fleet's root). It checks that the file holds a Nix
// secret key whose public key is [deploy] public_key, reporting problems
// in l.Diags, and returns "" when closures are not to be signed.
func (a *App) signingKey(l *loaded, flag string) string {
	fd := l.Inventory.Fleet.Deploy
	file, pos := flag, diag.Pos{}
	switch {
	case flag != "":
		// Diagnostics about the flag are reported at it.
		file, pos = a.abs(flag), diag.Pos{File: "--sign-key"}
	case fd.SigningKey.V != "":
		file, pos = fd.SigningKey.V, fd.SigningKey.Pos
		if rest, ok := strings.CutPrefix(file, "~/"); ok {
			file = filepath.Join(a.Env.Get("HOME"), rest)
		} else if !filepath.IsAbs(file) {
			file = filepath.Join(l.Dir, file)
		}
	default:
		return ""
	}
	report := func(format string, args ...any) *diag.Diagnostic {
		return l.Diags.Errorf(pos, "deploy", format, args...)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		report("cannot read the signing key %s: %v", a.rel(file), errors.Unwrap(err)).
			Hint("create one with: nix key generate-secret --key-name %s-1 > %s (keep it out of the repository), then set [deploy] public_key to what nix key convert-secret-to-public < %s prints", l.Inventory.Fleet.Name.V, a.rel(file), a.rel(file))
		return ""
	}
	name, key, err := inventory.ParseNixSecretKey(string(src))
	if err != nil {
		report("%s is not a Nix signing secret key: %v", a.rel(file), err).
			Hint("nix key generate-secret --key-name NAME writes one")
		return ""
	}
	public := inventory.NixPublicKey(name, key)
	switch {
	case fd.PublicKey.V == "":
		l.Diags.Warnf(pos, "deploy", "hosts do not trust the signing key %s: fleet.toml has no [deploy] public_key", a.rel(file)).
			Hint("add public_key = %q to [deploy] in fleet.toml, run fleet generate and deploy once as root", public)
	case fd.PublicKey.V != public:
		l.Diags.Errorf(fd.PublicKey.Pos, "deploy", "[deploy] public_key is not the public key of the signing key %s (%s)", a.rel(file), public).
			Hint("sign with the key the hosts trust, or set public_key to the new key, run fleet generate and deploy once as root")
	}
	return file
}
