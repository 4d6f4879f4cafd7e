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
	"sync"

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

// SecretFile is a secret mounted into the container as a file: decrypted
// by sops-nix at activation, at Target in the container (read-only).
type SecretFile struct {
	Target string          `json:"target"`
	Secret *eval.SecretRef `json:"secret"`
	Pos    diag.Pos        `json:"pos"`
}

// ConfigFile is a file (or folder) of the fleet mounted into the
// container read-only: copied into the Nix store, at Target in the
// container.
type ConfigFile struct {
	Target string   `json:"target"`
	Source string   `json:"source"` // relative to the fleet's root
	Pos    diag.Pos `json:"pos"`
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
	Enabled At[bool] `json:"enabled"`
	*Spec
	Node    *eval.Node       `json:"-"`
	secrets []eval.SecretRef // the host's references, to match env secrets
}

// Spec is what an instance runs. Instances whose values are all shared
// (a definition's, a profile's or a role's, left as they are) share one
// Spec: it is never changed once read.
type Spec struct {
	Image At[Image] `json:"image"`
	// ImageOK is false when the reference does not parse.
	ImageOK      bool         `json:"-"`
	Cmd          []string     `json:"cmd,omitempty"`
	Entrypoint   string       `json:"entrypoint,omitempty"`
	User         string       `json:"user,omitempty"`
	Workdir      string       `json:"workdir,omitempty"`
	Hostname     string       `json:"hostname,omitempty"`
	Ports        []At[Port]   `json:"ports"`
	Volumes      []At[Volume] `json:"volumes"`
	Env          []Env        `json:"environment,omitempty"`
	SecretFiles  []SecretFile `json:"secret_files,omitempty"`
	ConfigFiles  []ConfigFile `json:"config_files,omitempty"`
	Networks     []string     `json:"networks,omitempty"`
	DependsOn    []At[string] `json:"depends_on,omitempty"`
	Labels       [][2]string  `json:"labels,omitempty"`
	HealthCheck  *HealthCheck `json:"health_check,omitempty"`
	Resources    Resources    `json:"resources"`
	Devices      []string     `json:"devices,omitempty"`
	AutoUpdate   At[string]   `json:"auto_update"`
	AutoStart    bool         `json:"auto_start"`
	Pull         string       `json:"pull,omitempty"`
	OpenFirewall bool         `json:"open_firewall,omitempty"`
	ExtraOptions []string     `json:"extra_options,omitempty"`
	shared       bool
}

// Shared reports whether instances of several hosts share the Spec (it
// was read once for all of them).
func (s *Spec) Shared() bool { return s.shared }

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

// ForHost reads the host's instances. Values that do not parse are
// reported in dl and left out.
func ForHost(inv *inventory.Inventory, h *eval.Host, dl *diag.List) *Host {
	return (*reader)(nil).host(inv, h, dl)
}

// reader reads instances. What it makes of a shared value (a catalog
// definition's, or a profile's or a role's: one node for every host that
// leaves it as it is) it makes once, when the value parsed without a
// finding; a nil reader makes everything anew.
type reader struct {
	memo sync.Map // memoKey -> what a field's parser returned
	// specs are the Specs of instances whose values are all shared, by
	// those values.
	mu    sync.RWMutex
	specs map[specKey]*Spec
	// bases are the Specs of the definitions' own values, by definition
	// table (nil for one whose values report a finding).
	bases sync.Map
}

type memoKey struct {
	n   *eval.Node
	key string
}

// specFields are the keys of an instance's values that make its Spec,
// in specKey's order, each with what reads its value into a Spec.
var specFields = [...]struct {
	key  string
	read func(r *reader, s *Spec, key string, v *eval.Node, dl *diag.List)
}{
	{"image", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		img := field(r, v, k, dl, readImage)
		s.Image, s.ImageOK = img.at, img.ok
	}},
	{"cmd", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) { s.Cmd = field(r, v, k, dl, readStrs) }},
	{"entrypoint", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) { s.Entrypoint = strOf(v) }},
	{"user", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) { s.User = strOf(v) }},
	{"workdir", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) { s.Workdir = strOf(v) }},
	{"hostname", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) { s.Hostname = strOf(v) }},
	{"pull", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) { s.Pull = strOf(v) }},
	{"ports", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Ports = field(r, v, k, dl, readPorts)
	}},
	{"volumes", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Volumes = field(r, v, k, dl, readVolumes)
	}},
	{"environment", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) { s.Env = field(r, v, k, dl, readEnv) }},
	{"secret_files", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.SecretFiles = field(r, v, k, dl, readSecretFiles)
	}},
	{"config_files", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.ConfigFiles = field(r, v, k, dl, readConfigFiles)
	}},
	{"networks", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Networks = field(r, v, k, dl, readNetworks)
	}},
	{"depends_on", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.DependsOn = field(r, v, k, dl, readItems)
	}},
	{"labels", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Labels = field(r, v, k, dl, readLabels)
	}},
	{"health_check", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.HealthCheck = field(r, v, k, dl, readHealthCheck)
	}},
	{"resources", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Resources = field(r, v, k, dl, readResources)
	}},
	{"devices", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.Devices = field(r, v, k, dl, readStrs)
	}},
	{"extra_options", func(r *reader, s *Spec, k string, v *eval.Node, dl *diag.List) {
		s.ExtraOptions = field(r, v, k, dl, readStrs)
	}},
	{"auto_update", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) {
		s.AutoUpdate = At[string]{V: "none"}
		if v.Kind == eval.String {
			w := v.Won()
			s.AutoUpdate = At[string]{V: v.Str, Pos: w.Pos, Layer: w.Layer}
		}
	}},
	{"auto_start", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) {
		s.AutoStart = v.Kind != eval.Bool || v.Bool
	}},
	{"open_firewall", func(_ *reader, s *Spec, _ string, v *eval.Node, _ *diag.List) {
		s.OpenFirewall = v.Kind == eval.Bool && v.Bool
	}},
}

// specIndex is the index of each key in specFields.
var specIndex = func() map[string]int {
	m := make(map[string]int, len(specFields))
	for i, f := range specFields {
		m[f.key] = i
	}
	return m
}()

// envIndex and secretFilesIndex are the indexes of environment and
// secret_files in specFields.
var (
	envIndex         = specIndex["environment"]
	secretFilesIndex = specIndex["secret_files"]
)

// specKey is an instance's values, by specFields' index. (Its length is
// a constant of its own: specFields' readers name the reader, which holds
// specKeys.)
type specKey [specLen]*eval.Node

const specLen = 22

// The build fails when specLen is not the number of specFields.
var _ = [1]int{}[len(specFields)-specLen]

// field returns what parse makes of an instance's value n at key, from
// r's memo when n is shared.
func field[T any](r *reader, n *eval.Node, key string, dl *diag.List, parse func(*eval.Node, *diag.List) T) T {
	if r == nil || !n.Shared() {
		return parse(n, dl)
	}
	k := memoKey{n, key}
	if v, ok := r.memo.Load(k); ok {
		return v.(T)
	}
	var found diag.List
	v := parse(n, &found)
	if found.Len() == 0 {
		r.memo.Store(k, v)
	}
	dl.Append(&found)
	return v
}

func (r *reader) host(inv *inventory.Inventory, h *eval.Host, dl *diag.List) *Host {
	out := &Host{Name: h.Name, Platform: h.Platform, Backend: At[Backend]{V: Podman, Layer: "default"}}
	if b := h.ContainerBackend; b != nil && b.Kind == eval.String {
		w := b.Won()
		out.Backend = At[Backend]{V: Backend(b.Str), Pos: w.Pos, Layer: w.Layer}
	}
	if len(h.Containers) == 0 {
		return out
	}
	// The host's instances are made in one allocation.
	out.Instances = make([]*Instance, 0, len(h.Containers))
	all := make([]Instance, len(h.Containers))
	for k := range h.Containers {
		c := inv.Containers[h.Containers[k].Definition]
		if c == nil {
			continue // reported by evaluation
		}
		i := &all[k]
		r.read(i, h, &h.Containers[k], c, dl)
		out.Instances = append(out.Instances, i)
	}
	return out
}

// image is an instance's parsed image reference.
type image struct {
	at At[Image]
	ok bool // the reference parses
}

func readImage(v *eval.Node, dl *diag.List) image {
	if v == nil || v.Kind != eval.String {
		return image{}
	}
	w := v.Won()
	img, err := ParseImage(v.Str)
	if err != nil {
		dl.Errorf(w.Pos, "container-image", "image %q does not parse: %v", v.Str, err).
			Hint(`write registry/name:tag@sha256:<digest>, such as "docker.io/library/nginx:1.27@sha256:..."`)
	}
	return image{at: At[Image]{V: img, Pos: w.Pos, Layer: w.Layer}, ok: err == nil}
}

func readPorts(n *eval.Node, dl *diag.List) []At[Port] {
	return parseItems(n, func(s string, pos diag.Pos) (Port, bool) {
		p, err := ParsePort(s)
		if err != nil {
			dl.Errorf(pos, "container-port", "port %q does not parse: %v", s, err).
				Hint(`write [address:]host:container[/tcp|udp], such as "8096:8096" or "127.0.0.1:8080:80/tcp"`)
		}
		return p, err == nil
	})
}

func readVolumes(n *eval.Node, dl *diag.List) []At[Volume] {
	return parseItems(n, func(s string, pos diag.Pos) (Volume, bool) {
		v, err := ParseVolume(s)
		if err != nil {
			dl.Errorf(pos, "container-volume", "volume %q does not parse: %v", s, err).
				Hint(`write source:target[:ro], where source is an absolute host path or a volume name, such as "/var/lib/app:/data" or "app-data:/data"`)
		}
		return v, err == nil
	})
}

// parseItems parses a list's strings, each with its origin; parse
// reports what does not parse, which is left out.
func parseItems[T any](n *eval.Node, parse func(s string, pos diag.Pos) (T, bool)) []At[T] {
	if n == nil || n.Kind != eval.List {
		return nil
	}
	var out []At[T]
	for _, it := range n.Items {
		if it.Kind != eval.String {
			continue
		}
		w := it.Won()
		if v, ok := parse(it.Str, w.Pos); ok {
			if out == nil {
				out = make([]At[T], 0, len(n.Items))
			}
			out = append(out, At[T]{V: v, Pos: w.Pos, Layer: w.Layer})
		}
	}
	return out
}

// readEnv reads environment variables; a secret's reference is the
// value's own, which read replaces with the host's.
func readEnv(env *eval.Node, dl *diag.List) []Env {
	if env == nil {
		return nil
	}
	var out []Env
	for _, k := range env.Keys() {
		v := env.Get(k)
		e := Env{Name: k, Pos: v.Won().Pos}
		if !IsEnvName(k) {
			dl.Errorf(e.Pos, "container-env", "%q is not an environment variable name", k).
				Hint("use letters, digits and '_' (not starting with a digit)")
			continue
		}
		switch v.Kind {
		case eval.String:
			e.Value = v.Str
		case eval.Secret:
			e.Secret = &eval.SecretRef{Name: v.Str, Pos: e.Pos, Opts: v.SecretOpts}
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// readSecretFiles reads the secrets mounted as files, by target; a
// secret's reference is the value's own, which read replaces with the
// host's.
func readSecretFiles(n *eval.Node, _ *diag.List) []SecretFile {
	var out []SecretFile
	for _, target := range n.Keys() {
		if v := n.Get(target); v.Kind == eval.Secret {
			pos := v.Won().Pos
			out = append(out, SecretFile{Target: target, Pos: pos, Secret: &eval.SecretRef{Name: v.Str, Pos: pos, Opts: v.SecretOpts}})
		}
	}
	return out
}

// readConfigFiles reads the fleet's files mounted into the container, by
// target.
func readConfigFiles(n *eval.Node, _ *diag.List) []ConfigFile {
	var out []ConfigFile
	for _, target := range n.Keys() {
		if v := n.Get(target); v.Kind == eval.String {
			out = append(out, ConfigFile{Target: target, Source: v.Str, Pos: v.Won().Pos})
		}
	}
	return out
}

func readNetworks(n *eval.Node, dl *diag.List) []string {
	var out []string
	for _, it := range items(n) {
		if !IsVolumeName(it.V) {
			dl.Errorf(it.Pos, "container-network", "%q is not a network name: use letters, digits, '_', '.' and '-'", it.V).
				Hint("rename the network")
			continue
		}
		out = append(out, it.V)
	}
	return out
}

func readLabels(l *eval.Node, _ *diag.List) [][2]string {
	if l == nil {
		return nil
	}
	var out [][2]string
	for _, k := range l.Keys() {
		if v := l.Get(k); v.Kind == eval.String {
			out = append(out, [2]string{k, v.Str})
		}
	}
	return out
}

func readHealthCheck(hc *eval.Node, _ *diag.List) *HealthCheck {
	if hc.Get("command") == nil {
		return nil
	}
	out := &HealthCheck{
		Command: hc.Get("command").Str, Interval: strOf(hc.Get("interval")), Timeout: strOf(hc.Get("timeout")),
		StartPeriod: strOf(hc.Get("start_period")),
	}
	if r := hc.Get("retries"); r != nil && r.Kind == eval.Int {
		out.Retries = r.Int
	}
	return out
}

func readResources(rs *eval.Node, _ *diag.List) Resources {
	var out Resources
	if rs == nil {
		return out
	}
	out.Memory = strOf(rs.Get("memory"))
	if c := rs.Get("cpus"); c != nil {
		out.CPUs = c.Float
		if c.Kind == eval.Int {
			out.CPUs = float64(c.Int)
		}
	}
	if p := rs.Get("pids"); p != nil && p.Kind == eval.Int {
		out.PIDs = p.Int
	}
	return out
}

func readStrs(n *eval.Node, _ *diag.List) []string { return strs(n) }

func readItems(n *eval.Node, _ *diag.List) []At[string] { return items(n) }

// read reads instance ci of host h. An instance's values that are its
// definition's own nodes are read once for every instance of the
// definition (base): an instance that runs its definition as written
// gets that Spec, and one that changes some values gets a copy with
// those values read. Its table (per host, and far from the cache by now)
// is not walked.
func (r *reader) read(i *Instance, h *eval.Host, ci *eval.ContainerInstance, c *inventory.Container, dl *diag.List) {
	n := ci.Table
	*i = Instance{Host: h.Name, Name: ci.Name, Definition: c.Name, File: c.File, Node: n, secrets: h.Secrets}
	w := ci.Enable.Won()
	i.Enabled = At[bool]{V: true, Pos: w.Pos, Layer: w.Layer}
	base := r.base(ci.Def)
	// (A definition that reads a secret is not shared: each host has
	// its own reference to the secret.)
	if base != nil && ci.AsDefined && ci.Def.Shared() {
		i.Spec = base
		return
	}
	var key specKey
	keyed, shared := false, r != nil
	// own are the instance's own values (ci.Own), by specFields' index.
	var own specKey
	if base != nil {
		// Only the instance's own values decide whether its Spec is
		// shared: the others are the definition's.
		for _, k := range ci.Own {
			v := n.Fields.At(k)
			shared = shared && v.Shared()
			if x, ok := specIndex[k]; ok {
				own[x] = v
			}
		}
	}
	if shared {
		key, shared = specKeyOf(n)
		keyed = true
		r.mu.RLock()
		i.Spec = r.specs[key]
		r.mu.RUnlock()
		if i.Spec != nil {
			return
		}
	}
	var found diag.List
	if base != nil {
		s := *base
		s.shared = false
		for x, f := range specFields {
			if own[x] != nil {
				f.read(r, &s, f.key, own[x], &found)
			}
		}
		// The definition's values that read secrets are read again as
		// the instance has them: the host's references ({host}
		// replaced), in slices of the instance's own.
		for _, x := range [...]int{envIndex, secretFilesIndex} {
			if v := n.Get(specFields[x].key); own[x] == nil && v != nil && !v.Shared() {
				specFields[x].read(r, &s, specFields[x].key, v, &found)
			}
		}
		i.Spec = &s
	} else {
		if !keyed {
			key, _ = specKeyOf(n)
		}
		i.Spec = r.spec(&key, &found)
	}
	// A table with a secret is never shared, so this slice is the
	// instance's own.
	for k, e := range i.Env {
		if e.Secret != nil {
			ref := i.secretRef(e.Secret)
			i.Env[k].Secret = &ref
		}
	}
	for k, f := range i.SecretFiles {
		ref := i.secretRef(f.Secret)
		i.SecretFiles[k].Secret = &ref
	}
	if shared && found.Len() == 0 {
		i.Spec.shared = true
		r.mu.Lock()
		if r.specs == nil {
			r.specs = map[specKey]*Spec{}
		}
		r.specs[key] = i.Spec
		r.mu.Unlock()
	}
	dl.Append(&found)
}

// base is the Spec an instance of definition def reads from the values it
// leaves as they are, read once for every instance: nil when the
// definition's values report a finding (each instance reads them and
// reports it), when there is no definition, or for a nil reader.
func (r *reader) base(def *eval.Node) *Spec {
	if r == nil || def == nil {
		return nil
	}
	if s, ok := r.bases.Load(def); ok {
		return s.(*Spec)
	}
	key, _ := specKeyOf(def)
	var found diag.List
	s := r.spec(&key, &found)
	if found.Len() > 0 {
		s = nil
	} else {
		s.shared = true
	}
	r.bases.Store(def, s)
	return s
}

// Catalog reads the Spec of each catalog definition (eval's Definitions)
// as an instance that changes nothing runs it. An environment value that
// reads a secret is kept with the definition's own reference. What the
// definitions' values report is reported by their instances, not here.
func Catalog(defs map[string]*eval.Node) map[string]*Spec {
	out := make(map[string]*Spec, len(defs))
	var r *reader
	for name, n := range defs {
		key, _ := specKeyOf(n)
		out[name] = r.spec(&key, &diag.List{})
	}
	return out
}

// specKeyOf is the values of an instance's (or a definition's) table n
// that make its Spec, and whether every one of them is shared.
func specKeyOf(n *eval.Node) (key specKey, shared bool) {
	shared = true
	for k, v := range n.Entries() {
		if x, ok := specIndex[k]; ok {
			key[x] = v
			shared = shared && v.Shared()
		}
	}
	return key, shared
}

// spec reads an instance's values, by specFields' index.
func (r *reader) spec(key *specKey, dl *diag.List) *Spec {
	s := &Spec{AutoStart: true, AutoUpdate: At[string]{V: "none"}}
	for x, f := range specFields {
		if v := key[x]; v != nil {
			f.read(r, s, f.key, v, dl)
		}
	}
	return s
}

// secretRef finds the host's reference for a secret value: ref is the
// value's own.
func (i *Instance) secretRef(ref *eval.SecretRef) eval.SecretRef {
	for _, r := range i.secrets {
		if r.Pos == ref.Pos && r.Name == ref.Name {
			return r
		}
	}
	return *ref
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
	return parseItems(n, func(s string, _ diag.Pos) (string, bool) { return s, true })
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
