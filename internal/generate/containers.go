package generate

import (
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
)

// EnvTemplate is the sops-nix template that renders an instance's
// environment from secrets: container-<name>.env.
func EnvTemplate(instance string) string { return "container-" + instance + ".env" }

// containers renders the host's container instances: one
// virtualisation.oci-containers entry each, environment files rendered
// by sops-nix from secrets (restarting the unit when they change),
// firewall openings for the instances that ask, the networks they join,
// and the host directories they write.
func (g *hostGen) containers(t *tree) {
	hc := g.ctrs
	if hc == nil || len(hc.Instances) == 0 || g.h.Platform != inventory.NixOS {
		return
	}
	oci := t.at("virtualisation", "oci-containers")
	t.child("virtualisation").blank = true
	t.child("virtualisation").comments = []string{"Containers of the catalog (containers/); each runs as <backend>-<name>.service."}
	oci.set([]string{"backend"}, build.Str(string(hc.Backend.V)))
	var tcp, udp []int
	var tcpRanges, udpRanges []build.Expr
	var dirs []string
	networks := map[string][]string{}
	autoUpdate := false
	for _, i := range hc.Instances {
		if i.Spec.Shared() && g.vals != nil && !hasSecret(i) {
			// An instance as its definition (or a profile or role) has it:
			// its entry is built once for every host and grafted.
			oci.child("containers").graft(i.Name, g.vals.entry(i.Spec, func(c *tree) { entry(c, i, nil) }))
		} else {
			c := oci.at("containers", i.Name)
			var files build.Expr
			if hasSecret(i) {
				name := EnvTemplate(i.Name)
				var secretLines []build.Expr
				for _, e := range i.Env {
					if e.Secret != nil {
						placeholder := build.Select(build.Var("config"), "sops", "placeholder", SopsSecretName(*e.Secret))
						secretLines = append(secretLines, build.Str(e.Name+"="), placeholder, build.Str("\n"))
					}
				}
				tpl := t.at("sops", "templates", name)
				t.child("sops").blank = true
				tpl.set([]string{"content"}, build.Interp(secretLines...))
				tpl.set([]string{"restartUnits"}, strList([]string{hc.Unit(i)}))
				files = build.List(build.Select(build.Var("config"), "sops", "templates", name, "path"))
			}
			entry(c, i, files)
		}
		if i.AutoUpdate.V != "none" && i.AutoUpdate.V != "" {
			autoUpdate = true
		}
		for _, n := range i.Networks {
			networks[n] = append(networks[n], hc.Unit(i))
		}
		for _, p := range i.Ports {
			if !i.OpenFirewall || !p.V.Published() || p.V.Loopback() {
				continue
			}
			switch {
			case p.V.HostFrom != p.V.HostTo:
				r := build.Attrs().Set("from", build.Int(int64(p.V.HostFrom))).Set("to", build.Int(int64(p.V.HostTo)))
				if p.V.Proto == "udp" {
					udpRanges = append(udpRanges, r)
				} else {
					tcpRanges = append(tcpRanges, r)
				}
			case p.V.Proto == "udp":
				udp = appendPort(udp, p.V.HostFrom)
			case p.V.Proto == "tcp":
				tcp = appendPort(tcp, p.V.HostFrom)
			}
		}
		for _, v := range i.Volumes {
			if v.V.HostPath && !v.V.ReadOnly && !slices.Contains(dirs, v.V.Source) && !strings.ContainsAny(v.V.Source, " \t\n\\") {
				dirs = append(dirs, v.V.Source)
			}
		}
	}
	for _, fw := range []struct {
		key   string
		ports []build.Expr
	}{{"allowedTCPPorts", ints(tcp)}, {"allowedUDPPorts", ints(udp)}, {"allowedTCPPortRanges", tcpRanges}, {"allowedUDPPortRanges", udpRanges}} {
		if len(fw.ports) > 0 {
			t.set([]string{"networking", "firewall", fw.key}, build.List(fw.ports...))
		}
	}
	if len(dirs) > 0 {
		// Docker creates a missing bind source, podman refuses to start:
		// create the directories the containers write (never changing
		// the owner or mode of one that exists).
		slices.Sort(dirs)
		rules := make([]string, len(dirs))
		for k, d := range dirs {
			rules[k] = "d " + d + " - - - -"
		}
		t.set([]string{"systemd", "tmpfiles", "rules"}, strList(rules))
	}
	engine := string(hc.Backend.V)
	for _, n := range sortedKeys(networks) {
		svc := t.at("systemd", "services", engine+"-network-"+n)
		svc.set([]string{"description"}, build.Str("The "+engine+" network "+n))
		svc.set([]string{"before"}, strList(networks[n]))
		svc.set([]string{"requiredBy"}, strList(networks[n]))
		if hc.Backend.V == containers.Docker {
			svc.set([]string{"after"}, strList([]string{"docker.service"}))
			svc.set([]string{"requires"}, strList([]string{"docker.service"}))
		}
		svc.set([]string{"path"}, build.List(build.Select(build.Var("config"), "virtualisation", engine, "package")))
		svc.set([]string{"serviceConfig", "Type"}, build.Str("oneshot"))
		svc.set([]string{"serviceConfig", "RemainAfterExit"}, build.Bool(true))
		if hc.Backend.V == containers.Docker {
			svc.set([]string{"script"}, build.Str("docker network inspect "+n+" >/dev/null 2>&1 || docker network create "+n))
		} else {
			svc.set([]string{"script"}, build.Str("podman network exists "+n+" || podman network create "+n))
		}
	}
	if autoUpdate && hc.Backend.V == containers.Podman {
		t.set([]string{"systemd", "timers", "podman-auto-update", "wantedBy"}, strList([]string{"timers.target"}))
	}
}

// hasSecret reports whether an instance's environment reads a secret.
func hasSecret(i *containers.Instance) bool {
	return slices.ContainsFunc(i.Env, func(e containers.Env) bool { return e.Secret != nil })
}

// entry renders an instance's virtualisation.oci-containers entry into
// c: from its Spec alone, and the environment files rendered from its
// secrets (files, nil for none).
func entry(c *tree, i *containers.Instance, files build.Expr) {
	c.set([]string{"image"}, build.Str(i.Image.V.Ref))
	if i.Entrypoint != "" {
		c.set([]string{"entrypoint"}, build.Str(i.Entrypoint))
	}
	if len(i.Cmd) > 0 {
		c.set([]string{"cmd"}, strList(i.Cmd))
	}
	if i.User != "" {
		c.set([]string{"user"}, build.Str(i.User))
	}
	if i.Workdir != "" {
		c.set([]string{"workdir"}, build.Str(i.Workdir))
	}
	if i.Hostname != "" {
		c.set([]string{"hostname"}, build.Str(i.Hostname))
	}
	if len(i.Ports) > 0 {
		c.set([]string{"ports"}, strList(specs(i.Ports, func(p containers.Port) string { return p.Spec })))
	}
	if len(i.Volumes) > 0 {
		c.set([]string{"volumes"}, strList(specs(i.Volumes, func(v containers.Volume) string { return v.Spec })))
	}
	env := build.Attrs()
	for _, e := range i.Env {
		if e.Secret == nil {
			env.Set(e.Name, build.Str(e.Value))
		}
	}
	if env.Len() > 0 {
		c.set([]string{"environment"}, env)
	}
	if files != nil {
		c.set([]string{"environmentFiles"}, files)
	}
	labels := build.Attrs()
	for _, l := range i.Labels {
		labels.Set(l[0], build.Str(l[1]))
	}
	if i.AutoUpdate.V != "none" && i.AutoUpdate.V != "" {
		labels.Set("io.containers.autoupdate", build.Str(i.AutoUpdate.V))
	}
	if labels.Len() > 0 {
		c.set([]string{"labels"}, labels)
	}
	if len(i.DependsOn) > 0 {
		c.set([]string{"dependsOn"}, strList(specs(i.DependsOn, func(s string) string { return s })))
	}
	if len(i.Networks) > 0 {
		c.set([]string{"networks"}, strList(i.Networks))
	}
	if len(i.Devices) > 0 {
		c.set([]string{"devices"}, strList(i.Devices))
	}
	if i.Pull != "" {
		c.set([]string{"pull"}, build.Str(i.Pull))
	}
	if !i.AutoStart {
		c.set([]string{"autoStart"}, build.Bool(false))
	}
	if extra := runOptions(i); len(extra) > 0 {
		c.set([]string{"extraOptions"}, strList(extra))
	}
}

// runOptions are the run arguments fleet's keys become: health check,
// resource limits, then the instance's own extra options.
func runOptions(i *containers.Instance) []string {
	var out []string
	if hc := i.HealthCheck; hc != nil {
		out = append(out, "--health-cmd="+hc.Command)
		for _, o := range [][2]string{{"interval", hc.Interval}, {"timeout", hc.Timeout}, {"start-period", hc.StartPeriod}} {
			if o[1] != "" {
				out = append(out, "--health-"+o[0]+"="+o[1])
			}
		}
		if hc.Retries > 0 {
			out = append(out, "--health-retries="+strconv.FormatInt(hc.Retries, 10))
		}
	}
	if r := i.Resources; r.Memory != "" {
		out = append(out, "--memory="+r.Memory)
	}
	if r := i.Resources; r.CPUs > 0 {
		out = append(out, "--cpus="+strconv.FormatFloat(r.CPUs, 'f', -1, 64))
	}
	if r := i.Resources; r.PIDs > 0 {
		out = append(out, "--pids-limit="+strconv.FormatInt(r.PIDs, 10))
	}
	return append(out, i.ExtraOptions...)
}

func appendPort(l []int, port int) []int {
	if slices.Contains(l, port) {
		return l
	}
	return append(l, port)
}

func ints(ns []int) []build.Expr {
	out := make([]build.Expr, len(ns))
	for i, n := range ns {
		out[i] = build.Int(int64(n))
	}
	return out
}

func specs[T any](xs []containers.At[T], f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x.V)
	}
	return out
}
