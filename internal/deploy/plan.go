package deploy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Target is one host to deploy, as planned from its evaluated model.
type Target struct {
	Host     string
	Platform string // nixos | darwin
	// User and Addr are where ssh connects (User may be empty: ssh's
	// own default applies); Port 0 leaves the port to ssh.
	User string
	Addr string
	Port int
	// Local deploys the machine fleet runs on, without ssh. Sudo runs
	// everything on the target through sudo: the local user or the ssh
	// user is not root.
	Local bool
	Sudo  bool
	// BuildOn is "local" or "target".
	BuildOn string
	// Wave orders hosts: lower waves deploy first. WaveFrom names the
	// role that decided it ("role dns"), "" when the host's own [deploy]
	// order or the default did.
	Wave     int
	WaveFrom string
	// Attr is the flake attribute of the host's system.
	Attr string
	// Checks are the health checks derived from the inventory.
	Checks []Check
}

// Address is user@addr, or addr.
func (t *Target) Address() string {
	if t.Local {
		return "localhost"
	}
	if t.User == "" {
		return t.Addr
	}
	return t.User + "@" + t.Addr
}

// CheckKind is what a health check looks at.
type CheckKind string

// Health check kinds.
const (
	CheckUnit CheckKind = "unit" // a systemd unit is active
	CheckPort CheckKind = "port" // something listens on a TCP port
)

// Check is one health check and why it is there.
type Check struct {
	Kind CheckKind `json:"kind"`
	Name string    `json:"name"`
	Why  string    `json:"why"`
}

// PlanOptions tune Plan.
type PlanOptions struct {
	// BuildOn overrides every host's deploy.build_on.
	BuildOn string
	// UID is the user id fleet runs as, to decide on sudo for local
	// deploys.
	UID int
	// Roles are the fleet's roles, whose deploy_order places the hosts
	// without an order of their own; nil for none.
	Roles map[string]*inventory.Role
}

// wave is a host's deploy wave and why: its own [deploy] order, else the
// lowest deploy_order of its roles, else 0.
func wave(h *eval.Host, roles map[string]*inventory.Role) (int, string) {
	if o := h.Src.Deploy.Order; o.IsSet() {
		return int(o.V), ""
	}
	w, why := 0, ""
	for _, name := range h.Roles {
		r := roles[name]
		if r == nil || !r.DeployOrder.IsSet() {
			continue
		}
		if o := int(r.DeployOrder.V); why == "" || o < w {
			w, why = o, "role "+name
		}
	}
	return w, why
}

// Plan turns evaluated hosts into deploy targets ordered by wave, then
// name, with the health checks of their containers (ctrs may be nil).
// Hosts that cannot be deployed are diagnostics at their [deploy] table
// (or host.toml) with a hint.
func Plan(hosts []*eval.Host, ctrs *containers.Fleet, opts PlanOptions) ([]*Target, []diag.Diagnostic) {
	var out []*Target
	var ds []diag.Diagnostic
	for _, h := range hosts {
		src := h.Src
		t := &Target{Host: h.Name, Platform: string(h.Platform), BuildOn: "local"}
		if ctrs != nil {
			t.Checks = Checks(ctrs.Host(h.Name))
		}
		rc, rds := RoleChecks(h, opts.Roles)
		t.Checks = append(t.Checks, rc...)
		ds = append(ds, rds...)
		switch h.Platform {
		case "darwin":
			t.Attr = "darwinConfigurations." + nixAttr(h.Name) + ".system"
		default:
			t.Attr = "nixosConfigurations." + nixAttr(h.Name) + ".config.system.build.toplevel"
		}
		if v := src.Deploy.BuildOn.V; v != "" {
			t.BuildOn = v
		}
		if opts.BuildOn != "" {
			t.BuildOn = opts.BuildOn
		}
		t.Wave, t.WaveFrom = wave(h, opts.Roles)
		t.Port = int(src.Deploy.SSHPort.V)
		target := src.Deploy.Target.V
		switch {
		case target == "":
			pos := src.Deploy.Pos
			if pos.File == "" {
				pos = diag.Pos{File: src.File, Line: 1, Col: 1}
			}
			ds = append(ds, diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: "deploy", Message: fmt.Sprintf("host %s has no deploy target", h.Name),
				Hints: []string{`add [deploy] target = "root@` + h.Name + `.lan" to its host.toml (or target = "localhost" for the machine fleet runs on)`}})
			continue
		case target == "localhost" || strings.HasSuffix(target, "@localhost"):
			t.Local = true
			t.Sudo = opts.UID != 0
			t.BuildOn = "local"
		default:
			if u, a, ok := strings.Cut(target, "@"); ok {
				t.User, t.Addr = u, a
			} else {
				t.Addr = target
			}
			t.Sudo = t.User != "" && t.User != "root"
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Wave != out[j].Wave {
			return out[i].Wave < out[j].Wave
		}
		return out[i].Host < out[j].Host
	})
	return out, ds
}

// nixAttr quotes a host name for a flake attribute path when it is not a
// plain identifier.
func nixAttr(name string) string {
	for i, r := range name {
		plain := r == '_' || r == '-' || r == '\'' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !plain || (i == 0 && (r == '-' || r == '\'')) {
			return `"` + name + `"`
		}
	}
	return name
}

// Checks derives a host's health checks from the containers it runs:
// each instance's systemd unit is active, and something listens on each
// TCP host port it publishes.
func Checks(hc *containers.Host) []Check {
	if hc == nil {
		return nil
	}
	var out []Check
	for _, in := range hc.Instances {
		why := "container " + in.Name
		out = append(out, Check{Kind: CheckUnit, Name: hc.Unit(in), Why: why})
		for _, p := range in.Ports {
			if !p.V.Published() || p.V.Proto != "tcp" {
				continue
			}
			for port := p.V.HostFrom; port <= p.V.HostTo; port++ {
				out = append(out, Check{Kind: CheckPort, Name: strconv.Itoa(port), Why: why})
			}
		}
	}
	return out
}

// RoleChecks are the health checks the host's roles declare in [health]:
// units that must be active and TCP ports something must listen on, a
// port given as a settings path taking the host's own value. A path
// that names no port on the host gives no check and a warning.
func RoleChecks(h *eval.Host, roles map[string]*inventory.Role) ([]Check, []diag.Diagnostic) {
	var ds []diag.Diagnostic
	var out []Check
	seen := map[Check]bool{}
	add := func(c Check) {
		key := Check{Kind: c.Kind, Name: c.Name}
		if !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	for _, name := range h.Roles {
		r := roles[name]
		if r == nil {
			continue
		}
		why := "role " + name
		for _, u := range r.Health.Units {
			add(Check{Kind: CheckUnit, Name: u.V, Why: why})
		}
		for _, p := range r.Health.Ports {
			if p.Setting == "" {
				add(Check{Kind: CheckPort, Name: strconv.Itoa(p.Port), Why: why})
				continue
			}
			var n *eval.Node
			if keys, err := eval.ParsePath(p.Setting); err == nil {
				n = h.Tree.Lookup(keys...)
			}
			if n == nil || n.Kind != eval.Int || n.Int < 1 || n.Int > 65535 {
				ds = append(ds, diag.Diagnostic{Severity: diag.Warning, Pos: p.Pos, Code: "health",
					Message: fmt.Sprintf("%s is not a port on host %s: fleet deploy cannot check it there", p.Setting, h.Name),
					Hints:   []string{"name a port setting of a module the role enables (fleet eval " + h.Name + " lists them), or write the port number"}})
				continue
			}
			add(Check{Kind: CheckPort, Name: strconv.FormatInt(n.Int, 10), Why: why + " (" + p.Setting + ")"})
		}
	}
	return out, ds
}
