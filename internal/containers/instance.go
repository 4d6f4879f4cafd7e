// Package containers owns the containers hosts run: it reads each
// evaluated host's instances (a catalog definition from containers/ under
// the values profiles, roles and the host give it, merged by package eval
// with provenance) into typed instances - parsed image references,
// published ports, volumes, environment with secrets, dependencies - and
// runs the static checks on them: port and host path clashes, duplicate
// names, image pins, dependencies and their cycles, platform. Generation
// and the containers command read its instances; it writes nothing.
package containers

import (
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Backend is the engine that runs a host's containers.
type Backend string

// Backends.
const (
	Podman Backend = "podman"
	Docker Backend = "docker"
)

// UnitName is the systemd service NixOS runs a container as:
// podman-<name>.service or docker-<name>.service.
func UnitName(b Backend, name string) string { return string(b) + "-" + name + ".service" }

// At is a value with the position and layer that decided it.
type At[T any] struct {
	V     T        `json:"value"`
	Pos   diag.Pos `json:"pos"`
	Layer string   `json:"layer"`
}

// Env is one environment variable: a plain value, or a secret delivered
// through an environment file rendered by sops-nix at activation.
type Env struct {
	Name   string          `json:"name"`
	Value  string          `json:"value,omitempty"`
	Secret *eval.SecretRef `json:"secret,omitempty"`
	Pos    diag.Pos        `json:"pos"`
}

// HealthCheck is an instance's [health_check].
type HealthCheck struct {
	Command     string `json:"command"`
	Interval    string `json:"interval,omitempty"`
	Timeout     string `json:"timeout,omitempty"`
	StartPeriod string `json:"start_period,omitempty"`
	Retries     int64  `json:"retries,omitempty"`
}

// Resources are an instance's [resources] limits.
type Resources struct {
	Memory string  `json:"memory,omitempty"`
	CPUs   float64 `json:"cpus,omitempty"`
	PIDs   int64   `json:"pids,omitempty"`
}

// Instance is one container a host runs.
type Instance struct {
	Host string `json:"host"`
	Name string `json:"name"`
	// Definition names the catalog definition, File its file.
	Definition string `json:"definition"`
	File       string `json:"file"`
	// Enabled is where the instance was enabled.
	Enabled At[bool]  `json:"enabled"`
	Image   At[Image] `json:"image"`
	// ImageOK is false when the reference does not parse.
	ImageOK      bool             `json:"-"`
	Cmd          []string         `json:"cmd,omitempty"`
	Entrypoint   string           `json:"entrypoint,omitempty"`
	User         string           `json:"user,omitempty"`
	Workdir      string           `json:"workdir,omitempty"`
	Hostname     string           `json:"hostname,omitempty"`
	Ports        []At[Port]       `json:"ports"`
	Volumes      []At[Volume]     `json:"volumes"`
	Env          []Env            `json:"environment,omitempty"`
	Networks     []string         `json:"networks,omitempty"`
	DependsOn    []At[string]     `json:"depends_on,omitempty"`
	Labels       [][2]string      `json:"labels,omitempty"`
	HealthCheck  *HealthCheck     `json:"health_check,omitempty"`
	Resources    Resources        `json:"resources"`
	Devices      []string         `json:"devices,omitempty"`
	AutoUpdate   At[string]       `json:"auto_update"`
	AutoStart    bool             `json:"auto_start"`
	Pull         string           `json:"pull,omitempty"`
	OpenFirewall bool             `json:"open_firewall,omitempty"`
	ExtraOptions []string         `json:"extra_options,omitempty"`
	Node         *eval.Node       `json:"-"`
	secrets      []eval.SecretRef // the host's references, to match env secrets
}

// Host is the containers of one host.
type Host struct {
	Name     string
	Platform inventory.Platform
	Backend  At[Backend]
	// Instances are the enabled instances with a definition, by name.
	Instances []*Instance
}

// Unit is the instance's systemd service.
func (h *Host) Unit(i *Instance) string { return UnitName(h.Backend.V, i.Name) }

// Secrets reports whether any instance reads a secret.
func (h *Host) Secrets() bool {
	for _, i := range h.Instances {
		for _, e := range i.Env {
			if e.Secret != nil {
				return true
			}
		}
	}
	return false
}

// ForHost reads the host's instances. Values that do not parse are
// reported in dl and left out.
func ForHost(inv *inventory.Inventory, h *eval.Host, dl *diag.List) *Host {
	out := &Host{Name: h.Name, Platform: h.Platform, Backend: At[Backend]{V: Podman, Layer: "default"}}
	if b := h.Tree.Get("container_backend"); b != nil && b.Kind == eval.String {
		w := b.Won()
		out.Backend = At[Backend]{V: Backend(b.Str), Pos: w.Pos, Layer: w.Layer}
	}
	ctrs := h.Tree.Get("containers")
	for _, name := range h.Containers {
		n := ctrs.Get(name)
		def := name
		if from := n.Get("from"); from != nil && from.Kind == eval.String {
			def = from.Str
		}
		c := inv.Containers[def]
		if c == nil {
			continue // reported by evaluation
		}
		out.Instances = append(out.Instances, read(h, name, c, n, dl))
	}
	return out
}

func read(h *eval.Host, name string, c *inventory.Container, n *eval.Node, dl *diag.List) *Instance {
	en := n.Get("enable").Won()
	i := &Instance{
		Host: h.Name, Name: name, Definition: c.Name, File: c.File, Node: n,
		Enabled:   At[bool]{V: true, Pos: en.Pos, Layer: en.Layer},
		AutoStart: true, AutoUpdate: At[string]{V: "none"}, secrets: h.Secrets,
	}
	str := func(k string) string {
		if v := n.Get(k); v != nil && v.Kind == eval.String {
			return v.Str
		}
		return ""
	}
	if v := n.Get("image"); v != nil && v.Kind == eval.String {
		w := v.Won()
		img, err := ParseImage(v.Str)
		i.Image = At[Image]{V: img, Pos: w.Pos, Layer: w.Layer}
		if err != nil {
			dl.Errorf(w.Pos, "container-image", "image %q does not parse: %v", v.Str, err).
				Hint(`write registry/name:tag@sha256:<digest>, such as "docker.io/library/nginx:1.27@sha256:..."`)
		} else {
			i.ImageOK = true
		}
	}
	i.Cmd = strs(n.Get("cmd"))
	i.Entrypoint, i.User, i.Workdir, i.Hostname, i.Pull = str("entrypoint"), str("user"), str("workdir"), str("hostname"), str("pull")
	for _, it := range items(n.Get("ports")) {
		p, err := ParsePort(it.V)
		if err != nil {
			dl.Errorf(it.Pos, "container-port", "port %q does not parse: %v", it.V, err).
				Hint(`write [address:]host:container[/tcp|udp], such as "8096:8096" or "127.0.0.1:8080:80/tcp"`)
			continue
		}
		i.Ports = append(i.Ports, At[Port]{V: p, Pos: it.Pos, Layer: it.Layer})
	}
	for _, it := range items(n.Get("volumes")) {
		v, err := ParseVolume(it.V)
		if err != nil {
			dl.Errorf(it.Pos, "container-volume", "volume %q does not parse: %v", it.V, err).
				Hint(`write source:target[:ro], where source is an absolute host path or a volume name, such as "/var/lib/app:/data" or "app-data:/data"`)
			continue
		}
		i.Volumes = append(i.Volumes, At[Volume]{V: v, Pos: it.Pos, Layer: it.Layer})
	}
	if env := n.Get("environment"); env != nil {
		for _, k := range env.Keys() {
			v := env.Fields[k]
			e := Env{Name: k, Pos: v.Won().Pos}
			if !isEnvName(k) {
				dl.Errorf(e.Pos, "container-env", "%q is not an environment variable name", k).
					Hint("use letters, digits and '_' (not starting with a digit)")
				continue
			}
			switch v.Kind {
			case eval.String:
				e.Value = v.Str
			case eval.Secret:
				ref := i.secretRef(v)
				e.Secret = &ref
			default:
				continue
			}
			i.Env = append(i.Env, e)
		}
	}
	for _, it := range items(n.Get("networks")) {
		if !isVolumeName(it.V) {
			dl.Errorf(it.Pos, "container-network", "%q is not a network name: use letters, digits, '_', '.' and '-'", it.V).
				Hint("rename the network")
			continue
		}
		i.Networks = append(i.Networks, it.V)
	}
	i.DependsOn = items(n.Get("depends_on"))
	if l := n.Get("labels"); l != nil {
		for _, k := range l.Keys() {
			if v := l.Fields[k]; v.Kind == eval.String {
				i.Labels = append(i.Labels, [2]string{k, v.Str})
			}
		}
	}
	if hc := n.Get("health_check"); hc != nil && hc.Get("command") != nil {
		i.HealthCheck = &HealthCheck{
			Command: hc.Get("command").Str, Interval: strOf(hc.Get("interval")), Timeout: strOf(hc.Get("timeout")),
			StartPeriod: strOf(hc.Get("start_period")),
		}
		if r := hc.Get("retries"); r != nil && r.Kind == eval.Int {
			i.HealthCheck.Retries = r.Int
		}
	}
	if rs := n.Get("resources"); rs != nil {
		i.Resources.Memory = strOf(rs.Get("memory"))
		if c := rs.Get("cpus"); c != nil {
			i.Resources.CPUs = c.Float
			if c.Kind == eval.Int {
				i.Resources.CPUs = float64(c.Int)
			}
		}
		if p := rs.Get("pids"); p != nil && p.Kind == eval.Int {
			i.Resources.PIDs = p.Int
		}
	}
	i.Devices = strs(n.Get("devices"))
	if v := n.Get("auto_update"); v != nil && v.Kind == eval.String {
		w := v.Won()
		i.AutoUpdate = At[string]{V: v.Str, Pos: w.Pos, Layer: w.Layer}
	}
	if v := n.Get("auto_start"); v != nil && v.Kind == eval.Bool {
		i.AutoStart = v.Bool
	}
	if v := n.Get("open_firewall"); v != nil && v.Kind == eval.Bool {
		i.OpenFirewall = v.Bool
	}
	i.ExtraOptions = strs(n.Get("extra_options"))
	return i
}

// secretRef finds the host's reference for a secret value.
func (i *Instance) secretRef(v *eval.Node) eval.SecretRef {
	pos := v.Won().Pos
	for _, r := range i.secrets {
		if r.Pos == pos && r.Name == v.Str {
			return r
		}
	}
	return eval.SecretRef{Name: v.Str, Pos: pos, Opts: v.SecretOpts}
}

func strOf(n *eval.Node) string {
	if n != nil && n.Kind == eval.String {
		return n.Str
	}
	return ""
}

func strs(n *eval.Node) []string {
	var out []string
	for _, it := range items(n) {
		out = append(out, it.V)
	}
	return out
}

// items returns a list's strings with their origins.
func items(n *eval.Node) []At[string] {
	if n == nil || n.Kind != eval.List {
		return nil
	}
	var out []At[string]
	for _, it := range n.Items {
		if it.Kind == eval.String {
			w := it.Won()
			out = append(out, At[string]{V: it.Str, Pos: w.Pos, Layer: w.Layer})
		}
	}
	return out
}

// Instance returns the instance called name, or nil.
func (h *Host) Instance(name string) *Instance {
	i := slices.IndexFunc(h.Instances, func(i *Instance) bool { return i.Name == name })
	if i < 0 {
		return nil
	}
	return h.Instances[i]
}

// Summary renders an instance's ports or volumes for listings.
func Summary[T any](xs []At[T], f func(T) string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = f(x.V)
	}
	return strings.Join(parts, ",")
}
