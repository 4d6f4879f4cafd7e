// Package deploy owns getting evaluated hosts onto their machines: build
// each host's system with Nix (locally or on the target), show what
// changes, copy the closure over SSH with `nix copy`, arm a watchdog on the
// target that restores the previous system unless fleet confirms in time,
// activate, run health checks, then confirm or roll back. Hosts deploy in
// parallel within waves; one host's failure never stops or corrupts the
// others. It also reads what hosts run now (Status).
//
// Every program runs through a runner.Runner: the nix CLI locally, and the
// system ssh client (so users' ~/.ssh/config, agents and jump hosts work)
// for everything on a target. NIX_SSHOPTS, which nix copy reads, is also
// given to fleet's own ssh calls.
package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/fleetdev/fleet/internal/runner"
)

// Mode is how a new system is activated, as switch-to-configuration names
// it.
type Mode string

// Activation modes.
const (
	Switch      Mode = "switch"       // activate now and make it the boot default
	Boot        Mode = "boot"         // make it the boot default; activate at the next boot
	Test        Mode = "test"         // activate now, keep the boot default
	DryActivate Mode = "dry-activate" // say what activation would do
)

// Phase is a step of one host's deploy.
type Phase string

// Phases, in order.
const (
	PhaseWait     Phase = "waiting"
	PhaseBuild    Phase = "build"
	PhaseSign     Phase = "sign"
	PhaseCopy     Phase = "copy"
	PhaseProbe    Phase = "probe"
	PhaseDiff     Phase = "diff"
	PhaseActivate Phase = "activate"
	PhaseCheck    Phase = "health"
	PhaseConfirm  Phase = "confirm"
	PhaseRollback Phase = "rollback"
	PhaseDone     Phase = "done"
)

// Outcome is how one host's deploy ended.
type Outcome string

// Outcomes.
const (
	Deployed   Outcome = "deployed"
	Unchanged  Outcome = "unchanged"   // the target already runs this system
	DryRun     Outcome = "dry-run"     // dry-activate ran; nothing changed
	Failed     Outcome = "failed"      // failed before activation: nothing changed
	RolledBack Outcome = "rolled-back" // activated, unhealthy, previous system restored
	Guarded    Outcome = "guarded"     // unreachable after activation: the watchdog restores it
	Skipped    Outcome = "skipped"     // not started (--max-failures reached, or interrupted)
)

// Options are the choices of one deploy.
type Options struct {
	Mode Mode
	// FlakeDir is the fleet's flake (its root folder).
	FlakeDir string
	// BuildOn overrides each host's deploy.build_on ("local", "target").
	BuildOn string
	// Parallel is the most hosts deployed at once (1 when < 1).
	Parallel int
	// ConfirmTimeout is how long the watchdog waits for confirmation.
	ConfirmTimeout time.Duration
	// NoRollback arms no watchdog and never rolls back.
	NoRollback bool
	// MaxFailures stops starting new hosts once this many failed (0: no
	// limit).
	MaxFailures int
	// Substitute lets targets fetch paths from their substituters.
	Substitute bool
	// SignKey is the file of the Nix secret key that signs each closure
	// built here before it is copied ("" for none): a host trusting its
	// public key accepts the copy whoever makes it.
	SignKey string
	// SSHOpts are extra ssh options (NIX_SSHOPTS).
	SSHOpts []string
	// NixFlags are given to every local nix call (e.g. --option
	// substituters "").
	NixFlags []string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Progress receives every phase change; nil for none. Calls come from
	// several goroutines, one at a time.
	Progress func(Event)
}

// Event is one host entering a phase.
type Event struct {
	Host    string
	Phase   Phase
	Message string
}

// Result is how one host's deploy went.
type Result struct {
	Host   string `json:"host"`
	Target string `json:"target"`
	Wave   int    `json:"wave"`
	// WaveFrom names the role that placed the host in its wave.
	WaveFrom string  `json:"wave_from,omitempty"`
	Outcome  Outcome `json:"outcome"`
	Phase    Phase   `json:"phase"` // the last phase reached
	// System is the new system's store path; Previous what ran before.
	System   string `json:"system,omitempty"`
	Previous string `json:"previous,omitempty"`
	// Diff is what changes, from nix store diff-closures.
	Diff    string `json:"diff,omitempty"`
	Message string `json:"message,omitempty"`
	// Hint says what to do about a failure.
	Hint     string        `json:"hint,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// OK reports whether the host ended as asked.
func (r *Result) OK() bool {
	return r.Outcome == Deployed || r.Outcome == Unchanged || r.Outcome == DryRun
}

// Deployer runs deploys.
type Deployer struct {
	Run  runner.Runner
	opts Options
	mu   sync.Mutex // serialises Progress
}

// Deploy deploys the planned targets: waves one after the other, hosts of
// a wave in parallel. It returns a result per target, in plan order. A
// cancelled context starts nothing new; hosts already activating stay
// guarded by their watchdogs.
func Deploy(ctx context.Context, run runner.Runner, plan []*Target, opts Options) []*Result {
	d := &Deployer{Run: run, opts: opts}
	if d.opts.Parallel < 1 {
		d.opts.Parallel = 1
	}
	if d.opts.Now == nil {
		d.opts.Now = time.Now
	}
	results := make([]*Result, len(plan))
	for i, t := range plan {
		results[i] = &Result{Host: t.Host, Target: t.Address(), Wave: t.Wave, WaveFrom: t.WaveFrom, Outcome: Skipped, Phase: PhaseWait}
	}
	var failures int
	var fmu sync.Mutex
	for _, wave := range waves(plan) {
		g := new(errgroup.Group)
		g.SetLimit(d.opts.Parallel)
		for _, i := range wave {
			fmu.Lock()
			stop := d.opts.MaxFailures > 0 && failures >= d.opts.MaxFailures
			fmu.Unlock()
			if stop || ctx.Err() != nil {
				break
			}
			g.Go(func() error {
				fmu.Lock()
				stop := d.opts.MaxFailures > 0 && failures >= d.opts.MaxFailures
				fmu.Unlock()
				if stop || ctx.Err() != nil {
					return nil
				}
				r := results[i]
				start := d.opts.Now()
				d.host(ctx, plan[i], r)
				r.Duration = d.opts.Now().Sub(start)
				d.event(r.Host, PhaseDone, string(r.Outcome))
				if !r.OK() {
					fmu.Lock()
					failures++
					fmu.Unlock()
				}
				return nil
			})
		}
		g.Wait()
	}
	return results
}

// waves groups plan indexes by wave, lowest first.
func waves(plan []*Target) [][]int {
	byWave := map[int][]int{}
	var order []int
	for i, t := range plan {
		if _, ok := byWave[t.Wave]; !ok {
			order = append(order, t.Wave)
		}
		byWave[t.Wave] = append(byWave[t.Wave], i)
	}
	sort.Ints(order)
	out := make([][]int, 0, len(order))
	for _, w := range order {
		out = append(out, byWave[w])
	}
	return out
}

func (d *Deployer) event(host string, p Phase, msg string) {
	if d.opts.Progress == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opts.Progress(Event{Host: host, Phase: p, Message: msg})
}

func (d *Deployer) phase(r *Result, p Phase, msg string) {
	r.Phase = p
	d.event(r.Host, p, msg)
}

// fail ends r as failed in its current phase.
func fail(r *Result, o Outcome, err error, hint string) {
	r.Outcome = o
	r.Message = err.Error()
	r.Hint = hint
}

// host deploys one target, filling r.
func (d *Deployer) host(ctx context.Context, t *Target, r *Result) {
	r.Outcome = Failed
	d.phase(r, PhaseBuild, t.BuildOn)
	sys, err := d.build(ctx, t)
	if err != nil {
		fail(r, Failed, err, "'nix build "+d.opts.FlakeDir+"#"+t.Attr+"' shows the whole log")
		return
	}
	r.System = sys
	if t.BuildOn != "target" && !t.Local && d.opts.SignKey != "" {
		d.phase(r, PhaseSign, "")
		if _, err := d.nix(ctx, "store", "sign", "--key-file", d.opts.SignKey, "--recursive", sys); err != nil {
			fail(r, Failed, err, "check that the signing key file is readable ([deploy] signing_key in fleet.toml, or --sign-key)")
			return
		}
	}
	if t.BuildOn != "target" {
		d.phase(r, PhaseCopy, "")
		if err := d.copy(ctx, t, sys); err != nil {
			hint := "check that the target is reachable with ssh and has Nix; 'fleet status' tells"
			if t.User != "" && t.User != "root" && d.opts.SignKey == "" {
				hint += "; " + t.User + " must be a trusted Nix user there (nix.settings.trusted-users), or the closure signed with a key the host trusts ([deploy] public_key and signing_key in fleet.toml)"
			}
			fail(r, Failed, err, hint)
			return
		}
	}
	d.phase(r, PhaseProbe, "")
	before, err := d.probe(ctx, t)
	if err != nil {
		hint := "check that the target is reachable with ssh"
		if t.Sudo {
			hint = "check that the target is reachable with ssh and that " + t.User + " may run sudo without a password there (a NOPASSWD rule, or deploy as root)"
		}
		fail(r, Failed, err, hint)
		return
	}
	r.Previous = before.Current
	if before.Current == sys && d.opts.Mode != DryActivate && d.opts.Mode != Boot {
		r.Outcome = Unchanged
		r.Message = "already running this system"
		d.confirm(ctx, t, "", d.record(t, sys))
		return
	}
	if before.Current != "" {
		d.phase(r, PhaseDiff, "")
		r.Diff = d.diff(ctx, t, before.Current, sys)
	}
	d.phase(r, PhaseActivate, string(d.opts.Mode))
	a := activation{ID: d.id(t), System: sys, Mode: d.opts.Mode, Platform: t.Platform}
	guard := !d.opts.NoRollback && (a.Mode == Switch || a.Mode == Test)
	if guard {
		a.Timeout = int((d.opts.ConfirmTimeout + time.Second - 1) / time.Second)
		if a.Timeout < 1 {
			a.Timeout = 1
		}
	}
	res, err := d.ssh(ctx, t, activateScript(a))
	rc, rcErr := activationRC(res.Stdout)
	switch {
	case ctx.Err() != nil:
		r.Outcome = Guarded
		r.Message = "interrupted during activation"
		if guard {
			r.Hint = fmt.Sprintf("the watchdog restores the previous system unless confirmed within %s", d.opts.ConfirmTimeout)
		}
		return
	case rcErr != nil:
		if err == nil {
			err = rcErr
		}
		if guard && strings.Contains(string(res.Stdout), "watchdog=armed") {
			d.afterFailure(ctx, t, r, a, fmt.Errorf("activation did not finish: %w", err))
			return
		}
		fail(r, Failed, fmt.Errorf("activation did not start: %w", err), "")
		return
	}
	if a.Mode == DryActivate {
		r.Outcome = DryRun
		r.Message = strings.TrimSpace(string(res.Stdout[:strings.LastIndex(string(res.Stdout), "fleet-rc=")]))
		if rc != 0 {
			fail(r, Failed, fmt.Errorf("dry activation exited with code %d", rc), "")
		}
		return
	}
	var activationErr error
	switch rc {
	case 0:
	case 4:
		// switch-to-configuration: activated, but some units failed.
		// The health check decides whether the failures are new.
		r.Message = "activated; some units failed to start"
	default:
		activationErr = fmt.Errorf("activation exited with code %d%s", rc, lastLine(res.Stderr))
		if strings.Contains(string(res.Stderr), "inhibit") {
			r.Hint = "a switch inhibitor refused the live switch: deploy with --boot and reboot"
		}
	}
	if activationErr != nil {
		d.afterFailure(ctx, t, r, a, activationErr)
		return
	}
	if a.Mode == Boot {
		r.Outcome = Deployed
		r.Message = "the new system starts at the next boot"
		d.confirm(ctx, t, a.ID, d.record(t, sys))
		return
	}
	d.phase(r, PhaseCheck, "")
	if err := d.health(ctx, t, before); err != nil {
		d.afterFailure(ctx, t, r, a, err)
		return
	}
	d.phase(r, PhaseConfirm, "")
	if err := d.confirm(ctx, t, a.ID, d.record(t, sys)); err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) && ee.Code == 95 {
			r.Outcome = RolledBack
			r.Message = "healthy, but confirmed too late: the watchdog had already restored the previous system"
			r.Hint = fmt.Sprintf("deploy again with a --confirm-timeout longer than %s", d.opts.ConfirmTimeout)
			return
		}
		r.Outcome = Guarded
		r.Message = "healthy, but the confirmation failed: " + err.Error()
		r.Hint = "the watchdog restores the previous system; deploy again"
		return
	}
	r.Outcome = Deployed
}

// afterFailure rolls a failed activation back, or leaves it to the
// watchdog when the target cannot be reached.
func (d *Deployer) afterFailure(ctx context.Context, t *Target, r *Result, a activation, cause error) {
	r.Message = cause.Error()
	if d.opts.NoRollback || a.Timeout == 0 {
		r.Outcome = Failed
		if r.Hint == "" {
			r.Hint = "--no-rollback: the host keeps the new system; roll back by hand with 'switch-to-configuration' of the previous generation"
		}
		return
	}
	d.phase(r, PhaseRollback, "")
	if _, err := d.ssh(ctx, t, rollbackScript(a.ID, t.Platform, a.Mode)); err != nil {
		var ee *runner.ExitError
		if errors.As(err, &ee) && ee.Code == 95 {
			r.Outcome = RolledBack
			r.Hint = "the watchdog had already restored the previous system"
			return
		}
		r.Outcome = Guarded
		r.Hint = fmt.Sprintf("the target did not answer the rollback (%v); its watchdog restores the previous system within %s", err, d.opts.ConfirmTimeout)
		return
	}
	r.Outcome = RolledBack
	if r.Hint == "" {
		r.Hint = "the previous system runs again; fix the configuration and deploy again"
	}
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return ": " + s
}

// activationRC finds fleet-rc=N in the activation's output.
func activationRC(out []byte) (int, error) {
	s := string(out)
	i := strings.LastIndex(s, "fleet-rc=")
	if i < 0 {
		return 0, fmt.Errorf("the activation script stopped early")
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(s[i+len("fleet-rc="):], "\n", 2)[0]))
	if err != nil {
		return 0, fmt.Errorf("the activation script printed %q", s[i:])
	}
	return n, nil
}

func (d *Deployer) id(t *Target) string {
	var b [6]byte
	rand.Read(b[:])
	return t.Host + "-" + d.opts.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// record is the deploy record kept on the target.
func (d *Deployer) record(t *Target, system string) string {
	b, _ := json.Marshal(Record{Host: t.Host, System: system, Time: d.opts.Now().UTC().Format(time.RFC3339)})
	return string(b)
}

// Record is what fleet writes on a target after a deploy
// (/var/lib/fleet/deploy.json).
type Record struct {
	Host   string `json:"host"`
	System string `json:"system"`
	Time   string `json:"time"`
}

func (d *Deployer) confirm(ctx context.Context, t *Target, id, record string) error {
	_, err := d.ssh(ctx, t, confirmScript(id, record))
	return err
}

// nix runs the local nix CLI with flakes enabled.
func (d *Deployer) nix(ctx context.Context, args ...string) (runner.Result, error) {
	full := append([]string{"--extra-experimental-features", "nix-command flakes"}, d.opts.NixFlags...)
	full = append(full, args...)
	return d.Run.Run(ctx, runner.Cmd{Name: "nix", Args: full})
}

// build realises t's system and returns its store path.
func (d *Deployer) build(ctx context.Context, t *Target) (string, error) {
	ref := d.opts.FlakeDir + "#" + t.Attr
	if t.BuildOn != "target" {
		res, err := d.nix(ctx, "build", "--no-link", "--json", ref)
		if err != nil {
			return "", err
		}
		return outPath(res.Stdout)
	}
	// Build on the target: copy the derivation there and realise it.
	res, err := d.nix(ctx, "eval", "--raw", ref+".drvPath")
	if err != nil {
		return "", err
	}
	drv := strings.TrimSpace(string(res.Stdout))
	if _, err := d.nix(ctx, d.copyArgs(t, "--derivation", drv)...); err != nil {
		return "", err
	}
	res, err = d.ssh(ctx, t, []byte("nix-store --realise "+quote(drv)+"\n"))
	if err != nil {
		return "", err
	}
	lines := strings.Fields(string(res.Stdout))
	if len(lines) == 0 {
		return "", fmt.Errorf("nix-store --realise on %s printed no path", t.Address())
	}
	return lines[len(lines)-1], nil
}

// outPath reads the first output path of `nix build --json`.
func outPath(b []byte) (string, error) {
	var built []struct {
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal(b, &built); err != nil || len(built) == 0 || built[0].Outputs["out"] == "" {
		return "", fmt.Errorf("nix build printed no output path")
	}
	return built[0].Outputs["out"], nil
}

func (d *Deployer) copyArgs(t *Target, extra ...string) []string {
	args := []string{"copy", "--to", "ssh://" + t.Address()}
	if d.opts.Substitute {
		args = append(args, "--substitute-on-destination")
	}
	return append(args, extra...)
}

// copy sends the closure of sys to the target.
func (d *Deployer) copy(ctx context.Context, t *Target, sys string) error {
	if t.Local {
		return nil
	}
	full := append([]string{"--extra-experimental-features", "nix-command flakes"}, d.opts.NixFlags...)
	full = append(full, d.copyArgs(t, sys)...)
	_, err := d.Run.Run(ctx, runner.Cmd{Name: "nix", Args: full, Env: []string{"NIX_SSHOPTS=" + strings.Join(d.sshOpts(t), " ")}})
	return err
}

// diff is what changes between two systems on the target, as `nix store
// diff-closures` says; "" when it cannot tell.
func (d *Deployer) diff(ctx context.Context, t *Target, from, to string) string {
	res, err := d.ssh(ctx, t, []byte("nix --extra-experimental-features nix-command store diff-closures "+quote(from)+" "+quote(to)+"\n"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(res.Stdout))
}

// sshOpts are the ssh options for t: the port, then NIX_SSHOPTS.
func (d *Deployer) sshOpts(t *Target) []string {
	var o []string
	if t.Port != 0 {
		o = append(o, "-p", strconv.Itoa(t.Port))
	}
	return append(o, d.opts.SSHOpts...)
}

// ssh runs a shell script on t (locally through sudo for the machine
// fleet runs on, when not root).
func (d *Deployer) ssh(ctx context.Context, t *Target, script []byte) (runner.Result, error) {
	if t.Local {
		if t.Sudo {
			return d.Run.Run(ctx, runner.Cmd{Name: "sudo", Args: []string{"-n", "sh", "-s"}, Stdin: script})
		}
		return d.Run.Run(ctx, runner.Cmd{Name: "sh", Args: []string{"-s"}, Stdin: script})
	}
	args := append([]string{"-o", "BatchMode=yes", "-o", "ConnectTimeout=10"}, d.sshOpts(t)...)
	remote := "sh -s"
	if t.Sudo {
		// Activation needs root; -n: fail at once rather than wait for a
		// password nobody can type.
		remote = "sudo -n sh -s"
	}
	args = append(args, "--", t.Address(), remote)
	return d.Run.Run(ctx, runner.Cmd{Name: "ssh", Args: args, Stdin: script})
}

// state is what a target runs, from the probe script.
type state struct {
	Current    string
	Generation string
	Systemd    bool
	Failed     map[string]bool
	Record     *Record
}

func (d *Deployer) probe(ctx context.Context, t *Target) (*state, error) {
	res, err := d.ssh(ctx, t, probeScript())
	if err != nil {
		return nil, err
	}
	return parseProbe(res.Stdout), nil
}

func parseProbe(out []byte) *state {
	st := &state{Failed: map[string]bool{}}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "current":
			st.Current = v
		case "generation":
			st.Generation = v
		case "systemd":
			st.Systemd = v == "1"
		case "failed":
			st.Failed[v] = true
		case "record":
			var r Record
			if json.Unmarshal([]byte(v), &r) == nil {
				st.Record = &r
			}
		}
	}
	return st
}

// health checks the target after activation: a fresh connection works,
// no unit failed that was not failing before, and the inventory's checks
// (units active, ports listening) pass.
func (d *Deployer) health(ctx context.Context, t *Target, before *state) error {
	after, err := d.probe(ctx, t)
	if err != nil {
		return fmt.Errorf("health check: a new ssh connection failed: %w", err)
	}
	var newly []string
	for u := range after.Failed {
		if !before.Failed[u] {
			newly = append(newly, u)
		}
	}
	sort.Strings(newly)
	if len(newly) > 0 {
		return fmt.Errorf("health check: units failed after activation: %s", strings.Join(newly, ", "))
	}
	if len(t.Checks) == 0 {
		return nil
	}
	var units []string
	ports := false
	for _, c := range t.Checks {
		switch c.Kind {
		case CheckUnit:
			if after.Systemd {
				units = append(units, c.Name)
			}
		case CheckPort:
			ports = true
		}
	}
	res, err := d.ssh(ctx, t, checksScript(units, ports))
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	return evalChecks(t.Checks, after.Systemd, res.Stdout)
}

// evalChecks compares the checks' expectations with checksScript's
// output.
func evalChecks(checks []Check, systemd bool, out []byte) error {
	active := map[string]string{}
	listening := map[string]bool{}
	portsKnown := true
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "unit":
			name, st, _ := strings.Cut(v, " ")
			active[name] = st
		case "port":
			if v == "unknown" {
				portsKnown = false
			}
			listening[v] = true
		}
	}
	var bad []string
	for _, c := range checks {
		switch c.Kind {
		case CheckUnit:
			if systemd && active[c.Name] != "active" {
				bad = append(bad, fmt.Sprintf("unit %s is %s (%s)", c.Name, orUnknown(active[c.Name]), c.Why))
			}
		case CheckPort:
			if portsKnown && !listening[c.Name] {
				bad = append(bad, fmt.Sprintf("nothing listens on TCP port %s (%s)", c.Name, c.Why))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("health check: %s", strings.Join(bad, "; "))
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// HostStatus is what a host runs against what the fleet would deploy.
type HostStatus struct {
	Host    string  `json:"host"`
	Target  string  `json:"target"`
	State   string  `json:"state"` // same | different | unreachable | unknown
	Running string  `json:"running,omitempty"`
	Wanted  string  `json:"wanted,omitempty"`
	Record  *Record `json:"record,omitempty"`
	Message string  `json:"message,omitempty"`
}

// Status reads what each target runs and compares it with the system the
// fleet evaluates to now (without building it).
func Status(ctx context.Context, run runner.Runner, plan []*Target, opts Options) []*HostStatus {
	d := &Deployer{Run: run, opts: opts}
	if d.opts.Parallel < 1 {
		d.opts.Parallel = 1
	}
	out := make([]*HostStatus, len(plan))
	g := new(errgroup.Group)
	g.SetLimit(d.opts.Parallel)
	for i, t := range plan {
		g.Go(func() error {
			s := &HostStatus{Host: t.Host, Target: t.Address(), State: "unknown"}
			out[i] = s
			if res, err := d.nix(ctx, "eval", "--raw", d.opts.FlakeDir+"#"+t.Attr+".outPath"); err == nil {
				s.Wanted = strings.TrimSpace(string(res.Stdout))
			} else {
				s.Message = "evaluating: " + err.Error()
			}
			st, err := d.probe(ctx, t)
			if err != nil {
				s.State = "unreachable"
				s.Message = err.Error()
				return nil
			}
			s.Running = st.Current
			s.Record = st.Record
			switch {
			case s.Wanted == "":
			case s.Running == s.Wanted:
				s.State = "same"
			default:
				s.State = "different"
			}
			return nil
		})
	}
	g.Wait()
	return out
}
