package generate

import (
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
	"github.com/fleetdev/fleet/internal/parallel"
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
	t.child("virtualisation").comments = containersComment
	var tcp, udp []int
	var tcpRanges, udpRanges []build.Expr
	var dirs []string
	var networks map[string][]string
	autoUpdate := false
	// The instances' entries, set below containers together.
	names := make([]string, len(hc.Instances))
	entries := make([]build.Expr, len(hc.Instances))
	for k, i := range hc.Instances {
		var files build.Expr
		mounts := secretMounts(i)
		if hasSecret(i) {
			name := EnvTemplate(i.Name)
			var secretLines []build.Expr
			for _, e := range i.Env {
				if e.Secret != nil {
					placeholder := build.Select(build.Var("config"), "sops", "placeholder", e.Secret.ValueName())
					secretLines = append(secretLines, build.Str(e.Name+"="), placeholder, build.Str("\n"))
				}
			}
			tpl := t.at("sops", "templates", name)
			t.child("sops").blank = true
			tpl.set([]string{"content"}, build.Interp(secretLines...))
			tpl.set([]string{"restartUnits"}, strList([]string{hc.Unit(i)}))
			files = build.List(build.Select(build.Var("config"), "sops", "templates", name, "path"))
		}
		names[k], entries[k] = i.Name, g.entry(i, files, mounts)
		if i.AutoUpdate.V != "none" && i.AutoUpdate.V != "" {
			autoUpdate = true
		}
		for _, n := range i.Networks {
			if networks == nil {
				networks = map[string][]string{}
			}
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
			if writesDir(v.V) && !slices.Contains(dirs, v.V.Source) {
				dirs = append(dirs, v.V.Source)
			}
		}
	}
	oci.set([]string{"backend"}, build.Str(string(hc.Backend.V)))
	oci.child("containers").setEach(names, entries)
	for _, fw := range []struct {
		key   string
		ports []build.Expr
	}{{"allowedTCPPorts", ints(tcp)}, {"allowedUDPPorts", ints(udp)}, {"allowedTCPPortRanges", tcpRanges}, {"allowedUDPPortRanges", udpRanges}} {
		if len(fw.ports) > 0 {
			t.set([]string{"networking", "firewall", fw.key}, build.ListOf(fw.ports))
		}
	}
	if len(dirs) > 0 {
		// Docker creates a missing bind source, podman refuses to start:
		// create the directories the containers write (never changing
		// the owner or mode of one that exists).
		slices.Sort(dirs)
		rules := make([]build.Expr, len(dirs))
		for k, d := range dirs {
			rules[k] = g.catalog.rule(d)
		}
		t.set([]string{"systemd", "tmpfiles", "rules"}, build.ListOf(rules))
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

// writesDir reports whether a volume writes a host directory that a
// tmpfiles rule can create (a path without blanks or backslashes).
func writesDir(v containers.Volume) bool {
	return v.HostPath && !v.ReadOnly && !strings.ContainsAny(v.Source, " \t\n\\")
}

// tmpfilesRule creates the directory dir when it is missing, and leaves
// one that exists as it is.
func tmpfilesRule(dir string) build.Expr { return build.Str("d " + dir + " - - - -") }

// configMounts are the volumes that mount the fleet's config files of
// what s runs: each copied into the Nix store (a path root names, relative
// to the generated file), read-only at its target.
func configMounts(s *containers.Spec, root string) []build.Expr {
	var out []build.Expr
	for _, f := range s.ConfigFiles {
		var src build.Expr = build.Path(root + f.Source)
		if name := path.Base(f.Source); storeName(name) != name {
			// A store path is named after the file, and a name takes
			// fewer characters than a file's: name it.
			src = build.Call(build.Select(build.Var("builtins"), "path"), build.Attrs().Set("path", src).Set("name", build.Str(storeName(name))))
		}
		out = append(out, build.Interp(src, build.Str(":"+f.Target+":ro")))
	}
	return out
}

// storeName is name as a Nix store path's name may be: letters, digits
// and +-._?= (others become -), not starting with a dot.
func storeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("+-._?=", c) >= 0:
		default:
			b[i] = '-'
		}
	}
	if len(b) > 0 && b[0] == '.' {
		return "config" + string(b)
	}
	return string(b)
}

// secretMounts are the volumes that mount an instance's secret files:
// the file sops-nix decrypts, read-only at its target (nil for none).
func secretMounts(i *containers.Instance) []build.Expr {
	var out []build.Expr
	for _, f := range i.SecretFiles {
		src := build.Select(build.Var("config"), "sops", "secrets", f.Secret.ValueName(), "path")
		out = append(out, build.Interp(src, build.Str(":"+f.Target+":ro")))
	}
	return out
}

// secretUnits are the units of the instances that mount each secret as a
// file, by sops.secrets name: a change of the secret restarts them.
func (g *hostGen) secretUnits() map[string][]string {
	if g.ctrs == nil || g.h.Platform != inventory.NixOS {
		return nil
	}
	var out map[string][]string
	for _, i := range g.ctrs.Instances {
		for _, f := range i.SecretFiles {
			if out == nil {
				out = map[string][]string{}
			}
			name := f.Secret.ValueName()
			if u := g.ctrs.Unit(i); !slices.Contains(out[name], u) {
				out[name] = append(out[name], u)
			}
		}
	}
	return out
}

// hasSecret reports whether an instance's environment reads a secret.
func hasSecret(i *containers.Instance) bool {
	return slices.ContainsFunc(i.Env, func(e containers.Env) bool { return e.Secret != nil })
}

// CatalogFile is the generated file that holds the entries of the
// catalog's definitions that NixOS hosts run: a host's file refers to
// them (catalog.<definition>) and writes only what its instances change.
const CatalogFile = Dir + "/containers.nix"

// catalogVar is the name a host's file binds the catalog to.
const catalogVar = "catalog"

// containersComment heads a host's containers.
var containersComment = []string{"Containers of the catalog (containers/); each runs as <backend>-<name>.service."}

// catalog is the entries of the definitions NixOS hosts run, by
// definition.
type catalog struct {
	entries map[string][]part
	// specs are the definitions' Specs the entries were made from.
	specs map[string]*containers.Spec
	// refs are the references to the entries (catalog.<definition>),
	// and bind the binding of the catalog, which every host's file
	// shares.
	refs map[string]build.Expr
	bind *build.AttrSet
	// rules are the tmpfiles rules of the directories the definitions
	// write, by directory, shared by the hosts that run them.
	rules map[string]build.Expr
	// shared holds the entry of each Spec that instances of many hosts
	// share, made once.
	mu     sync.Mutex
	shared map[sharedKey]*sharedEntry
}

type sharedKey struct {
	spec       *containers.Spec
	definition string
}

type sharedEntry struct {
	once   sync.Once
	expr   build.Expr
	refers bool // expr refers to the catalog
}

// part is one attribute of a virtualisation.oci-containers entry. v is
// nil for an attribute an instance has as its definition's catalog entry
// has it (see entryParts).
type part struct {
	name string
	v    build.Expr
}

// newCatalog reads the definitions that instances on NixOS hosts name
// and builds their entries; nil when there are none.
func newCatalog(f *eval.Fleet) *catalog {
	used := map[string]*eval.Node{}
	// (A large fleet uses every definition after a few hosts: the
	// others need not be looked at.)
	for _, h := range f.Hosts {
		if len(used) == len(f.Definitions) {
			break
		}
		if h.Platform != inventory.NixOS {
			continue
		}
		for _, c := range h.Containers {
			if n := f.Definitions[c.Definition]; n != nil {
				used[c.Definition] = n
			}
		}
	}
	if len(used) == 0 {
		return nil
	}
	return catalogOf(containers.Catalog(used))
}

// catalogOf builds the entries of the definitions' Specs, by name.
func catalogOf(specs map[string]*containers.Spec) *catalog {
	c := &catalog{entries: map[string][]part{}, specs: specs, refs: map[string]build.Expr{},
		bind: build.Attrs().Set(catalogVar, build.Call(build.Var("import"), build.Path("../"+path.Base(CatalogFile))))}
	for name, s := range specs {
		c.entries[name] = entryParts(s, "../", nil, nil, nil)
		c.refs[name] = build.Select(build.Var(catalogVar), name)
		for _, v := range s.Volumes {
			if writesDir(v.V) {
				if c.rules == nil {
					c.rules = map[string]build.Expr{}
				}
				c.rules[v.V.Source] = tmpfilesRule(v.V.Source)
			}
		}
	}
	return c
}

// rule is the tmpfiles rule of dir: the one the catalog made for its
// definitions' directories, or a new one (always, for a nil catalog).
func (c *catalog) rule(dir string) build.Expr {
	if c != nil {
		if r := c.rules[dir]; r != nil {
			return r
		}
	}
	return tmpfilesRule(dir)
}

// file renders CatalogFile.
func (c *catalog) file(dl *diag.List) []byte {
	a := build.Attrs()
	for _, name := range sortedKeys(c.entries) {
		a.Set(name, partsAttrs(c.entries[name]))
	}
	return render(dl, []string{headerText,
		"The container catalog (containers/): each definition's virtualisation.oci-containers",
		"entry as written. Host files refer to it as catalog.<definition> and add what",
		"their instances change."}, a)
}

// entry returns an instance's virtualisation.oci-containers entry: its
// definition's from the catalog, with the attributes the instance
// changes laid over it (//), or the whole entry when the instance drops
// an attribute its definition has. files are the environment files
// rendered from its secrets (nil for none), mounts the volumes of its
// secret files (secretMounts).
func (g *hostGen) entry(i *containers.Instance, files build.Expr, mounts []build.Expr) build.Expr {
	if g.catalog == nil || g.catalog.entries[i.Definition] == nil {
		return partsAttrs(entryParts(i.Spec, hostRoot, files, mounts, nil))
	}
	var expr build.Expr
	var refers bool
	if files != nil || mounts != nil || !i.Spec.Shared() {
		expr, refers = g.catalog.entry(i, files, mounts)
	} else {
		e := parallel.Slot(&g.catalog.mu, &g.catalog.shared, sharedKey{i.Spec, i.Definition})
		e.once.Do(func() { e.expr, e.refers = g.catalog.entry(i, nil, nil) })
		expr, refers = e.expr, e.refers
	}
	g.usesCatalog = g.usesCatalog || refers
	return expr
}

// entry is the entry of instance i over its definition's, and whether it
// refers to the catalog (not when it is written whole).
//
// The attributes whose sources are its definition's (most of them: an
// instance changes a port or a volume) are not made anew to be compared:
// entryParts leaves them out (nil) as the catalog's.
func (c *catalog) entry(i *containers.Instance, files build.Expr, mounts []build.Expr) (build.Expr, bool) {
	return c.entryOver(i, files, mounts, c.specs[i.Definition])
}

// entryOver is entry, with the attributes whose sources are base's left
// to the catalog (base nil: every attribute is made and compared).
func (c *catalog) entryOver(i *containers.Instance, files build.Expr, mounts []build.Expr, base *containers.Spec) (build.Expr, bool) {
	own := entryParts(i.Spec, hostRoot, files, mounts, base)
	// The same parts as the catalog writes them (its paths to the fleet's
	// files start at generated/): what equals the catalog's is left to it.
	asCatalog := own
	if len(i.Spec.ConfigFiles) > 0 {
		asCatalog = entryParts(i.Spec, "../", files, mounts, base)
	}
	def := c.entries[i.Definition]
	var changed []part
	for _, d := range def {
		if !slices.ContainsFunc(own, func(p part) bool { return p.name == d.name }) {
			return partsAttrs(full(own, def)), false // // cannot take an attribute away
		}
	}
	for x, p := range own {
		if p.v == nil {
			continue // the catalog's
		}
		k := slices.IndexFunc(def, func(d part) bool { return d.name == p.name })
		if k < 0 || !build.Equal(def[k].v, asCatalog[x].v) {
			changed = append(changed, p)
		}
	}
	ref := c.refs[i.Definition]
	if len(changed) == 0 {
		return ref, true
	}
	return build.Binary(ref, "//", partsAttrs(changed)), true
}

// full fills in the parts entryParts left to the catalog (nil) from the
// catalog's entry def: an entry written whole. (They are the same in a
// host's file: an attribute whose value depends on where the file is,
// a config file's path, is never left to the catalog.)
func full(ps, def []part) []part {
	for x, p := range ps {
		if p.v == nil {
			ps[x].v = def[slices.IndexFunc(def, func(d part) bool { return d.name == p.name })].v
		}
	}
	return ps
}

func partsAttrs(ps []part) *build.AttrSet {
	a := build.Attrs().Grow(len(ps))
	for _, p := range ps {
		a.Set(p.name, p.v)
	}
	return a
}

// entryParts are the attributes of the virtualisation.oci-containers
// entry of what s runs, written in a file whose way to the fleet's root is
// root ("../" for the catalog, "../../" for a host's file), the
// environment files rendered from its secrets (files, nil for none) and
// the volumes of its secret files (mounts: a host's, which the catalog's
// entries leave out).
//
// base, when not nil, is the Spec of the definition whose catalog entry
// the entry goes over: an attribute made from the same values as base's
// is the catalog entry's, and its part is left nil rather than made.
// (An attribute that depends on root, files or mounts is always made.)
func entryParts(s *containers.Spec, root string, files build.Expr, mounts []build.Expr, base *containers.Spec) []part {
	ps := make([]part, 0, 8)
	add := func(name string, v build.Expr) { ps = append(ps, part{name, v}) }
	// as reports whether the attribute name is made from the same values
	// as base's, and leaves its part to the catalog when it is.
	as := func(name string, same func(b *containers.Spec) bool) bool {
		if base == nil || !same(base) {
			return false
		}
		ps = append(ps, part{name: name})
		return true
	}
	if !as("image", func(b *containers.Spec) bool { return b.Image.V.Ref == s.Image.V.Ref }) {
		add("image", build.Str(s.Image.V.Ref))
	}
	str := func(name, v string, of func(*containers.Spec) string) {
		if v != "" && !as(name, func(b *containers.Spec) bool { return of(b) == v }) {
			add(name, build.Str(v))
		}
	}
	str("entrypoint", s.Entrypoint, func(b *containers.Spec) string { return b.Entrypoint })
	if len(s.Cmd) > 0 && !as("cmd", func(b *containers.Spec) bool { return slices.Equal(b.Cmd, s.Cmd) }) {
		add("cmd", strList(s.Cmd))
	}
	str("user", s.User, func(b *containers.Spec) string { return b.User })
	str("workdir", s.Workdir, func(b *containers.Spec) string { return b.Workdir })
	str("hostname", s.Hostname, func(b *containers.Spec) string { return b.Hostname })
	if len(s.Ports) > 0 && !as("ports", func(b *containers.Spec) bool { return slices.EqualFunc(b.Ports, s.Ports, samePort) }) {
		add("ports", strList(specs(s.Ports, func(p containers.Port) string { return p.Spec })))
	}
	if len(s.Volumes) > 0 || len(s.ConfigFiles) > 0 || len(mounts) > 0 {
		if len(s.ConfigFiles) > 0 || len(mounts) > 0 ||
			!as("volumes", func(b *containers.Spec) bool {
				return len(b.ConfigFiles) == 0 && slices.EqualFunc(b.Volumes, s.Volumes, sameVolume)
			}) {
			var vols []build.Expr
			for _, v := range s.Volumes {
				vols = append(vols, build.Str(v.V.Spec))
			}
			vols = append(vols, configMounts(s, root)...)
			add("volumes", build.List(append(vols, mounts...)...))
		}
	}
	if slices.ContainsFunc(s.Env, plainEnv) && !as("environment", func(b *containers.Spec) bool { return samePlainEnv(b.Env, s.Env) }) {
		env := build.Attrs()
		for _, e := range s.Env {
			if e.Secret == nil {
				env.Set(e.Name, build.Str(e.Value))
			}
		}
		add("environment", env)
	}
	if files != nil {
		add("environmentFiles", files)
	}
	if (len(s.Labels) > 0 || autoUpdates(s)) && !as("labels", func(b *containers.Spec) bool {
		return slices.Equal(b.Labels, s.Labels) && autoUpdates(b) == autoUpdates(s) && b.AutoUpdate.V == s.AutoUpdate.V
	}) {
		labels := build.Attrs()
		for _, l := range s.Labels {
			labels.Set(l[0], build.Str(l[1]))
		}
		if autoUpdates(s) {
			labels.Set("io.containers.autoupdate", build.Str(s.AutoUpdate.V))
		}
		add("labels", labels)
	}
	if len(s.DependsOn) > 0 && !as("dependsOn", func(b *containers.Spec) bool { return slices.EqualFunc(b.DependsOn, s.DependsOn, sameDependency) }) {
		add("dependsOn", strList(specs(s.DependsOn, func(s string) string { return s })))
	}
	if len(s.Networks) > 0 && !as("networks", func(b *containers.Spec) bool { return slices.Equal(b.Networks, s.Networks) }) {
		add("networks", strList(s.Networks))
	}
	if len(s.Devices) > 0 && !as("devices", func(b *containers.Spec) bool { return slices.Equal(b.Devices, s.Devices) }) {
		add("devices", strList(s.Devices))
	}
	str("pull", s.Pull, func(b *containers.Spec) string { return b.Pull })
	if !s.AutoStart && !as("autoStart", func(b *containers.Spec) bool { return !b.AutoStart }) {
		add("autoStart", build.Bool(false))
	}
	if hasRunOptions(s) && !as("extraOptions", func(b *containers.Spec) bool { return sameRunOptions(b, s) }) {
		add("extraOptions", strList(runOptions(s)))
	}
	return ps
}

// The sources of entryParts' attributes compared as they are written:
// a value's position does not change what is written.
func samePort(a, b containers.At[containers.Port]) bool     { return a.V.Spec == b.V.Spec }
func sameVolume(a, b containers.At[containers.Volume]) bool { return a.V.Spec == b.V.Spec }
func sameDependency(a, b containers.At[string]) bool        { return a.V == b.V }
func plainEnv(e containers.Env) bool                        { return e.Secret == nil }
func autoUpdates(s *containers.Spec) bool                   { return s.AutoUpdate.V != "none" && s.AutoUpdate.V != "" }
func hasRunOptions(s *containers.Spec) bool {
	return s.HealthCheck != nil || s.Resources != (containers.Resources{}) || len(s.ExtraOptions) > 0
}

// samePlainEnv reports whether a and b set the same variables that are
// not secrets, in the same order.
func samePlainEnv(a, b []containers.Env) bool {
	for {
		for len(a) > 0 && !plainEnv(a[0]) {
			a = a[1:]
		}
		for len(b) > 0 && !plainEnv(b[0]) {
			b = b[1:]
		}
		if len(a) == 0 || len(b) == 0 {
			return len(a) == len(b)
		}
		if a[0].Name != b[0].Name || a[0].Value != b[0].Value {
			return false
		}
		a, b = a[1:], b[1:]
	}
}

// sameRunOptions reports whether a and b have the same run options
// (runOptions).
func sameRunOptions(a, b *containers.Spec) bool {
	sameHealth := a.HealthCheck == b.HealthCheck || a.HealthCheck != nil && b.HealthCheck != nil && *a.HealthCheck == *b.HealthCheck
	return sameHealth && a.Resources == b.Resources && slices.Equal(a.ExtraOptions, b.ExtraOptions)
}

// runOptions are the run arguments fleet's keys become: health check,
// resource limits, then the instance's own extra options.
func runOptions(i *containers.Spec) []string {
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
