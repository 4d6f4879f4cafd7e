package containers

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/parallel"
)

// Fleet is the containers of every evaluated host.
type Fleet struct {
	Hosts  []*Host // in the order of the evaluated hosts
	byName map[string]*Host
}

// Host returns the containers of the host called name, or nil.
func (f *Fleet) Host(name string) *Host {
	if f.byName != nil {
		return f.byName[name]
	}
	for _, h := range f.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Check reads the instances of every evaluated host and runs the static
// checks. Each host's findings are added to its counts; the returned list
// holds every finding once (a definition's problem is reported once, not
// once per host that runs it).
//
// modules are the options the fleet's modules declare, by class and module
// (eval.Fleet.Options; nil for none): a setting declared with a port type
// counts as a port the host uses, whatever its name.
func Check(inv *inventory.Inventory, hosts []*eval.Host, modules map[string]map[string]*options.Module) (*Fleet, *diag.List) {
	c := NewChecker(inv, len(hosts))
	parallel.Each(len(hosts), func(i int) { c.Host(i, hosts[i], modules) })
	return c.Finish(hosts)
}

// Checker reads and checks hosts' containers one host at a time, as
// evaluation finishes each (eval.Config.Evaluated): the host's values
// are then still in the processor's caches, where a pass after
// evaluation finds them evicted by the other hosts'. Host may be called
// from several goroutines at once, once for each host; Finish, after the
// last, collects what they found.
type Checker struct {
	inv   *inventory.Inventory
	r     reader
	once  sync.Once
	ports *portScan
	hosts []*Host
	lists []diag.List
}

// NewChecker returns a Checker for at most n hosts.
func NewChecker(inv *inventory.Inventory, n int) *Checker {
	return &Checker{inv: inv, hosts: make([]*Host, n), lists: make([]diag.List, n)}
}

// Host reads and checks the containers of h, the i-th evaluated host;
// modules are the options the fleet's modules declare (see Check).
func (c *Checker) Host(i int, h *eval.Host, modules map[string]map[string]*options.Module) {
	c.once.Do(func() { c.ports = &portScan{typed: portOptions(modules)} })
	c.hosts[i] = c.r.host(c.inv, h, &c.lists[i])
	checkHost(h, c.hosts[i], c.ports, &c.lists[i])
}

// Finish returns the containers of hosts (the evaluated hosts, whose
// i-th Host has read) and every finding once, in host order; each host's
// findings are added to its counts.
func (c *Checker) Finish(hosts []*eval.Host) (*Fleet, *diag.List) {
	f := &Fleet{byName: make(map[string]*Host, len(hosts))}
	all := &diag.List{}
	seen := map[string]bool{}
	for i, h := range hosts {
		hc, dl := c.hosts[i], &c.lists[i]
		f.Hosts = append(f.Hosts, hc)
		f.byName[hc.Name] = hc
		h.Count(dl.Items())
		for _, d := range dl.Items() {
			key := fmt.Sprint(d.Severity, d.Pos, d.Message)
			if !seen[key] {
				seen[key] = true
				all.Add(d)
			}
		}
	}
	return f, all
}

// checkHost runs the checks of one host's instances.
func checkHost(h *eval.Host, hc *Host, ports *portScan, dl *diag.List) {
	if len(hc.Instances) == 0 {
		return
	}
	if h.Platform == inventory.Darwin {
		for _, i := range hc.Instances {
			dl.Errorf(i.Enabled.Pos, "container-platform", "host %s is a darwin host: container %s needs NixOS (virtualisation.oci-containers)", h.Name, i.Name).
				Hint("run the container on a NixOS host, or remove it from %s (nix-darwin has no container module; use podman machine by hand)", i.Enabled.Layer)
		}
		return
	}
	for _, i := range hc.Instances {
		checkImage(hc, i, dl)
	}
	nixos, pass := passThrough(h)
	checkNames(h, hc, pass, dl)
	checkPorts(h, hc, nixos, pass, ports, dl)
	checkVolumes(h, hc, dl)
	checkMounts(hc, dl)
	checkDeps(hc, dl)
}

// checkMounts reports two mounts of an instance at one path in the
// container (volumes, secret files, config files): one would hide the
// other.
func checkMounts(hc *Host, dl *diag.List) {
	type mount struct {
		target, what string
		pos          diag.Pos
	}
	for _, i := range hc.Instances {
		if len(i.SecretFiles) == 0 && len(i.ConfigFiles) == 0 {
			continue // volumes alone: the engine refuses the same target twice
		}
		var ms []mount
		for _, v := range i.Volumes {
			ms = append(ms, mount{v.V.Target, fmt.Sprintf("volume %q", v.V.Spec), v.Pos})
		}
		for _, f := range i.SecretFiles {
			ms = append(ms, mount{f.Target, "secret " + f.Secret.ValueName(), f.Pos})
		}
		for _, f := range i.ConfigFiles {
			ms = append(ms, mount{f.Target, "config file " + f.Source, f.Pos})
		}
		for a, m := range ms {
			for _, o := range ms[:a] {
				if cleanPath(o.target) == cleanPath(m.target) {
					dl.Errorf(m.pos, "container-mount", "%s of container %s is mounted at %s, where %s is", m.what, i.Name, m.target, o.what).
						Also(o.pos, "%s is set here", o.what).
						Hint("mount one of them at another path")
				}
			}
		}
	}
}

// checkImage warns about images not pinned by digest and checks the
// auto-update policy against the pin and the backend.
func checkImage(hc *Host, i *Instance, dl *diag.List) {
	if !i.ImageOK {
		return
	}
	img := i.Image.V
	switch {
	case !img.Pinned() && img.Tag == "":
		d := dl.Warnf(i.Image.Pos, "container-pin", "image %q names neither a tag nor a digest: it runs whatever latest is when the host pulls", img.Ref)
		if i.AutoUpdate.V == "none" {
			d.Hint("write the tag to follow (image = \"%s:<tag>\"), then pin its digest: fleet containers pin %s (without a tag it pins what latest names now)", img.Ref, i.Definition)
		} else {
			d.Hint("write the tag auto_update = %q follows: image = \"%s:<tag>\"", i.AutoUpdate.V, img.Ref)
		}
	case !img.Pinned() && i.AutoUpdate.V == "none":
		// (An instance that auto-updates follows its tag on purpose.)
		dl.Warnf(i.Image.Pos, "container-pin", "image %q is pinned by tag only: the tag can move, and hosts may run different images", img.Ref).
			Hint("pin the digest the tag names now: fleet containers pin %s (or by hand: podman pull %s, then write image = \"%s@sha256:<digest>\"; podman image inspect --format '{{.Digest}}' %s shows it)", i.Definition, img.Ref, img.Ref, img.Ref)
	}
	if i.AutoUpdate.V == "none" {
		return
	}
	switch {
	case hc.Backend.V == Docker:
		dl.Errorf(i.AutoUpdate.Pos, "container-auto-update", "auto_update is podman's, but host %s runs containers with docker", hc.Name).
			Also(hc.Backend.Pos, "the backend is chosen here").
			Hint("remove auto_update, or run this host's containers with podman")
	case img.Pinned():
		dl.Errorf(i.AutoUpdate.Pos, "container-auto-update", "auto_update = %q follows a tag, but image %q is pinned by digest", i.AutoUpdate.V, img.Ref).
			Also(i.Image.Pos, "the image is set here").
			Hint("remove auto_update and bump the digest in the catalog, or drop the digest to let podman auto-update follow the tag")
	case i.AutoUpdate.V == "registry" && img.Domain == "":
		dl.Errorf(i.Image.Pos, "container-auto-update", "auto_update = \"registry\" needs a fully qualified image, not %q", img.Ref).
			Also(i.AutoUpdate.Pos, "auto_update is set here").
			Hint("name the registry: docker.io/%s", img.Ref)
	}
}

// passThrough returns the host's pass-through values ([nixos]) and the
// containers they declare (virtualisation.oci-containers.containers).
func passThrough(h *eval.Host) (nixos, containers *eval.Node) {
	nixos = h.Tree.Get("nixos")
	return nixos, nixos.Lookup("virtualisation", "oci-containers", "containers")
}

// checkNames reports instances whose names clash: equal but for case (one
// unit name on a case-insensitive mind, and confusing), or a container the
// host's pass-through values (pass) already declare.
func checkNames(h *eval.Host, hc *Host, pass *eval.Node, dl *diag.List) {
	for a, i := range hc.Instances {
		for _, j := range hc.Instances[:a] {
			if strings.EqualFold(i.Name, j.Name) {
				dl.Errorf(i.Enabled.Pos, "container-duplicate", "container %s and container %s on host %s differ only in case", i.Name, j.Name, h.Name).
					Also(j.Enabled.Pos, "%s is enabled here", j.Name).
					Hint("rename one instance: [containers.<new-name>] from = %q", i.Definition)
			}
		}
	}
	for _, i := range hc.Instances {
		if p := pass.Get(i.Name); p != nil {
			dl.Errorf(i.Enabled.Pos, "container-duplicate", "container %s is declared twice on host %s: as an instance and in [nixos.virtualisation.oci-containers]", i.Name, h.Name).
				Also(firstPos(p), "the pass-through declaration").
				Hint("keep the instance and move the pass-through values into the catalog or [containers.%s]", i.Name)
		}
	}
}

// firstPos is where a table or value was first defined.
func firstPos(n *eval.Node) diag.Pos {
	if len(n.Defs) > 0 {
		return n.Defs[0].Pos
	}
	return diag.Pos{}
}

// binding is a host port in use: by an instance, or by the host itself.
type binding struct {
	port  Port
	pos   diag.Pos
	owner string    // the host's value: "settings.monitoring.grafanaPort"
	inst  *Instance // or the instance
}

// who names what takes the port: "container jellyfin", or the owner.
func (b *binding) who() string {
	if b.inst != nil {
		return "container " + b.inst.Name
	}
	return b.owner
}

// overlaps reports whether two bindings take the same host port.
func (b *binding) overlaps(o *binding) bool {
	p, q := b.port, o.port
	if p.Proto != q.Proto || p.HostTo < q.HostFrom || q.HostTo < p.HostFrom {
		return false
	}
	return wildcard(p.Address) || wildcard(q.Address) || sameAddr(p.Address, q.Address)
}

func wildcard(a string) bool { return a == "" || a == "0.0.0.0" || a == "::" }

func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return x == y
}

// checkPorts reports two bindings of one host port: two instances, or an
// instance and a port the host's own values use (nixos is the host's
// pass-through values, pass their containers).
func checkPorts(h *eval.Host, hc *Host, nixos, pass *eval.Node, ports *portScan, dl *diag.List) {
	// A host's few ports fit in arrays on the stack.
	var publishedBuf [8][2]int
	var takenBuf [8]binding
	published := portRanges(publishedBuf[:0])
	for _, i := range hc.Instances {
		for _, p := range i.Ports {
			if p.V.Published() {
				published = append(published, [2]int{p.V.HostFrom, p.V.HostTo})
			}
		}
	}
	if len(published) == 0 {
		return // nothing published: nothing can clash
	}
	used := hostPorts(h, nixos, pass, published, ports)
	taken := takenBuf[:0]
	for _, i := range hc.Instances {
		for _, p := range i.Ports {
			if !p.V.Published() {
				continue
			}
			b := binding{port: p.V, pos: p.Pos, inst: i}
			for k := range taken {
				o := &taken[k]
				if o.inst != i && b.overlaps(o) {
					d := dl.Errorf(b.pos, "container-port-clash", "host port %s/%s%s of container %s is also published by container %s on host %s", b.port.HostRange(), b.port.Proto, onAddr(b.port), i.Name, o.inst.Name, h.Name).
						Also(o.pos, "%s publishes %q here", o.who(), o.port.Spec)
					if o.pos == b.pos {
						// One definition, two instances: name where each runs.
						d.Also(o.inst.Enabled.Pos, "container %s is enabled here", o.inst.Name).
							Also(i.Enabled.Pos, "container %s is enabled here", i.Name)
					}
					d.Hint("give one of them another host port: %s", override(h, i.Name, fmt.Sprintf("ports = [\"<free port>:%d\"]", b.port.ContainerFrom)))
				}
			}
			for k := range used {
				if o := &used[k]; b.overlaps(o) {
					d := dl.Errorf(b.pos, "container-port-clash", "host port %s/%s of container %s is already used on host %s by %s", b.port.HostRange(), b.port.Proto, i.Name, h.Name, o.owner).
						Also(o.pos, "%s takes port %s here", o.owner, o.port.HostRange()).
						Hint("publish the container on another host port: %s", override(h, i.Name, fmt.Sprintf("ports = [\"<free port>:%d\"]", b.port.ContainerFrom)))
					if strings.Contains(o.owner, "firewall") {
						d.Hint("if the firewall opening is for this container, remove it and set open_firewall = true on the container")
					}
				}
			}
			taken = append(taken, b)
		}
	}
}

// override says how host h gives instance name the value set (such as
// ports = [...]): in an instance table of its host.toml, which first
// replaces the list when the file lists its containers (a TOML file
// cannot have both).
func override(h *eval.Host, name, set string) string {
	if len(h.Src.ContainerList) > 0 {
		return fmt.Sprintf("%s lists its containers: write them as tables instead ([containers.<name>] each, empty for one that runs as defined), then %s under [containers.%s]", h.Src.File, set, name)
	}
	return fmt.Sprintf("[containers.%s] %s in %s", name, set, h.Src.File)
}

func onAddr(p Port) string {
	if p.Address == "" {
		return ""
	}
	return " on " + p.Address
}

// portOptions collects the module options declared with a port type
// (types.port, types.ints.u16, or a list of them), as portKey names them.
func portOptions(modules map[string]map[string]*options.Module) map[string]bool {
	out := map[string]bool{}
	isPort := func(t *options.Type) bool {
		return t != nil && t.Kind == options.Int && t.Max != nil && *t.Max == 65535
	}
	for class, mods := range modules {
		for _, m := range mods {
			for _, o := range m.Options {
				if len(o.Path) < 3 || o.Path[0] != "fleet" || o.Type == nil {
					continue
				}
				key := class + "\x00settings." + strings.Join(o.Path[1:], ".")
				switch t := o.Type; {
				case isPort(t), t.Kind == options.ListOf && isPort(t.Elem):
					out[key] = true
				case t.Kind == options.AttrsOf && isPort(t.Elem):
					out[key+".*"] = true // every attribute is a port
				}
			}
		}
	}
	return out
}

// portKey is the key of portOptions for a value path of a host.
func portKey(platform inventory.Platform, path []string) string {
	if len(path) < 3 || path[0] != "settings" {
		return ""
	}
	return string(platform) + "\x00" + strings.Join(path, ".")
}

// portKeyRE matches the option names that say where the host listens:
// port, ports, listenPort, grafanaPort, http_port. Names that point at
// another machine (serverPort, remotePort, upstreamPort, targetPort) do
// not count.
var (
	portKeyRE   = regexp.MustCompile(`^(port|ports|[A-Za-z0-9]*Ports?|[a-z0-9_]*_ports?)$`)
	remotePorts = regexp.MustCompile(`^(server|remote|upstream|target|proxy|smtp|db|database)`)
)

// hostPorts lists the ports the host's own values use: its modules'
// port settings (defaults included), pass-through port options, lists of
// ports named *TCPPorts or *UDPPorts (firewall openings), pass-through
// containers, and SSH for deploys. Only the ports in a range want holds
// are listed (the host ports the containers publish): no other port can
// clash.
//
// ports holds the module settings declared with a port type
// (portOptions): they count whatever their names. nixos is the host's
// pass-through values, pass their containers.
func hostPorts(h *eval.Host, nixos, pass *eval.Node, want portRanges, ports *portScan) []binding {
	var out []binding
	settings := h.Tree.Get("settings")
	path := make([]string, 0, 16) // appended to as the scan descends
	memo := ports.memo()
	for _, m := range h.Modules {
		ports.scan(memo, h.Platform, settings.Get(m), append(path[:0], "settings", m), want, &out)
	}
	ports.scan(memo, h.Platform, nixos, append(path[:0], "nixos"), want, &out)
	ports.memos.Put(memo)
	if pass != nil {
		for _, name := range pass.Keys() {
			for _, it := range items(pass.Fields.At(name).Get("ports")) {
				if p, err := ParsePort(it.V); err == nil && p.Published() {
					out = append(out, binding{port: p, pos: it.Pos, owner: "container " + name + " of [nixos.virtualisation.oci-containers]"})
				}
			}
		}
	}
	if dp := h.Tree.Lookup("deploy", "ssh_port"); dp != nil {
		addPort(&out, dp, "deploy.ssh_port", "tcp")
	}
	return out
}

// portRanges are host port ranges, [from, to] each.
type portRanges [][2]int

// has reports whether a range holds port.
func (r portRanges) has(port int) bool {
	for _, x := range r {
		if x[0] <= port && port <= x[1] {
			return true
		}
	}
	return false
}

// portScan finds the ports a host's own values listen on. What it finds
// in a subtree that evaluation shares between hosts is found once (once
// per memo: scans running at once take one each).
type portScan struct {
	typed map[string]bool // port-typed module options (portOptions)
	memos sync.Pool       // of scanMemo
}

// scanMemo holds the ports found below shared nodes: a plain map, which
// one scan at a time uses (a map shared by the scans, behind a lock or
// a sync.Map, costs more to read than its few entries cost to find
// again).
type scanMemo map[*eval.Node][]scanned

// memo returns a memo no other scan uses; the caller puts it back in
// s.memos when done.
func (s *portScan) memo() scanMemo {
	if m, ok := s.memos.Get().(scanMemo); ok {
		return m
	}
	return scanMemo{}
}

// scanned is every port found below a shared node at a path, on a
// platform.
type scanned struct {
	platform inventory.Platform
	path     []string
	found    []foundPort
}

// foundPort is a port found at a value's path.
type foundPort struct {
	path []string
	b    binding
}

// scan appends the ports below n (at path) that want holds to out, in
// the order of their paths (keys sorted at each level).
func (s *portScan) scan(memo scanMemo, platform inventory.Platform, n *eval.Node, path []string, want portRanges, out *[]binding) {
	var found []foundPort
	s.find(memo, platform, n, path, want, &found)
	slices.SortStableFunc(found, func(a, b foundPort) int { return slices.Compare(a.path, b.path) })
	for _, f := range found {
		*out = append(*out, f.b)
	}
}

// find appends the ports below n that want holds to found, in no order;
// every port of a shared n is found once, for every host.
func (s *portScan) find(memo scanMemo, platform inventory.Platform, n *eval.Node, path []string, want portRanges, found *[]foundPort) {
	if n == nil {
		return
	}
	if !n.Shared() || n.Kind != eval.Table && n.Kind != eval.List {
		// A value is checked where it is: a memo of it would cost more.
		s.node(memo, platform, n, path, want, found)
		return
	}
	all, ok := memo.find(n, platform, path)
	if !ok {
		own := slices.Clone(path)
		s.node(memo, platform, n, slices.Grow(own, 8), nil, &all)
		memo[n] = append(memo[n], scanned{platform, own, all})
	}
	for _, f := range all {
		if want == nil || want.has(f.b.port.HostFrom) {
			*found = append(*found, f)
		}
	}
}

// find returns the ports found below the shared node n at path, if it
// was scanned there.
func (m scanMemo) find(n *eval.Node, platform inventory.Platform, path []string) ([]foundPort, bool) {
	for _, e := range m[n] {
		if e.platform == platform && slices.Equal(e.path, path) {
			return e.found, true
		}
	}
	return nil, false
}

// node finds the ports of n itself and its children; want nil holds
// every port. path may be appended to: what is kept is copied.
func (s *portScan) node(memo scanMemo, platform inventory.Platform, n *eval.Node, path []string, want portRanges, found *[]foundPort) {
	key := ""
	if len(path) > 0 {
		key = path[len(path)-1]
	}
	wanted := func(n *eval.Node) bool {
		return n.Kind == eval.Int && n.Int >= 1 && n.Int <= 65535 && (want == nil || want.has(int(n.Int)))
	}
	add := func(n *eval.Node, proto string) {
		*found = append(*found, foundPort{path: slices.Clone(path), b: portBinding(n, eval.JoinPath(path), proto)})
	}
	switch n.Kind {
	case eval.Table:
		for k, c := range n.Fields.All() {
			if len(path) == 1 && path[0] == "nixos" && k == "virtualisation" {
				continue // containers: below
			}
			s.find(memo, platform, c, append(path, k), want, found)
		}
	case eval.List:
		if !slices.ContainsFunc(n.Items, wanted) {
			return
		}
		proto := ""
		switch {
		case strings.HasSuffix(key, "TCPPorts"), key == "ports", s.typed[portKey(platform, path)]:
			proto = "tcp"
		case strings.HasSuffix(key, "UDPPorts"):
			proto = "udp"
		}
		if proto != "" {
			for _, it := range n.Items {
				if wanted(it) {
					add(it, proto)
				}
			}
		}
	case eval.Int:
		if !wanted(n) {
			return
		}
		named := portKeyRE.MatchString(key) && !strings.HasPrefix(key, "allowed")
		typed := s.typed[portKey(platform, path)] || s.typed[portKey(platform, path[:len(path)-1])+".*"]
		if (named || typed) && !remotePorts.MatchString(key) {
			add(n, "tcp")
		}
	}
}

// addPort appends the port n holds, when it is one.
func addPort(out *[]binding, n *eval.Node, owner, proto string) {
	if port := int(n.Int); n.Kind == eval.Int && port >= 1 && port <= 65535 {
		*out = append(*out, portBinding(n, owner, proto))
	}
}

// portBinding is the host port the integer n holds, taken by owner.
func portBinding(n *eval.Node, owner, proto string) binding {
	port := int(n.Int)
	return binding{port: Port{HostFrom: port, HostTo: port, Proto: proto}, pos: n.Won().Pos, owner: owner}
}

// checkVolumes reports two instances writing one host path (or one below
// the other): both would change the same files.
func checkVolumes(h *eval.Host, hc *Host, dl *diag.List) {
	type write struct {
		inst *Instance
		vol  *At[Volume]
	}
	var buf [16]write
	writes := buf[:0]
	for _, i := range hc.Instances {
		for k := range i.Volumes {
			v := &i.Volumes[k]
			if !v.V.HostPath || v.V.ReadOnly {
				continue
			}
			w := write{i, v}
			for _, o := range writes {
				if o.inst == i || !NestedPaths(o.vol.V.Source, v.V.Source) || o.vol.V.Shared && v.V.Shared {
					continue
				}
				d := dl.Errorf(v.Pos, "container-volume-clash", "containers %s and %s on host %s both write host path %s", o.inst.Name, i.Name, hc.Name, longer(o.vol.V.Source, v.V.Source)).
					Also(o.vol.Pos, "container %s mounts %q here", o.inst.Name, o.vol.V.Spec)
				switch {
				case o.vol.V.Shared:
					d.Hint("if both are meant to write it, mark this mount shared too: %q (z: content shared among containers)", WithOption(v.V.Spec, "z"))
				case v.V.Shared:
					d.Hint("if both are meant to write it, mark the mount of %s shared too: %q (z: content shared among containers)", o.inst.Name, WithOption(o.vol.V.Spec, "z"))
				default:
					d.Hint("if both are meant to write it (a media library, a downloads folder), mark both mounts shared with the z option (content shared among containers): %q and %q", WithOption(o.vol.V.Spec, "z"), WithOption(v.V.Spec, "z"))
				}
				d.Hint("otherwise mount it read-only (\":ro\") where the container only reads, or give each instance its own directory: %s", override(h, i.Name, "volumes = [...]"))
			}
			writes = append(writes, w)
		}
	}
}

// WithOption returns a mount spec with one more option: "/a:/b" and z
// give "/a:/b:z", "/a:/b:ro,Z" and z give "/a:/b:ro,z". A private label (Z)
// is replaced: a mount is relabelled private or shared, not both.
func WithOption(spec, opt string) string {
	parts := strings.SplitN(spec, ":", 3)
	if len(parts) < 3 {
		return spec + ":" + opt
	}
	opts := slices.DeleteFunc(strings.Split(parts[2], ","), func(o string) bool { return o == "Z" })
	return parts[0] + ":" + parts[1] + ":" + strings.Join(append(opts, opt), ",")
}

// NestedPaths reports whether a and b are the same path or one lies below
// the other.
func NestedPaths(a, b string) bool {
	return a == b || strings.HasPrefix(a, strings.TrimSuffix(b, "/")+"/") || strings.HasPrefix(b, strings.TrimSuffix(a, "/")+"/")
}

func longer(a, b string) string {
	if len(b) > len(a) {
		return b
	}
	return a
}

// checkDeps reports dependencies on containers the host does not run,
// and dependency cycles.
func checkDeps(hc *Host, dl *diag.List) {
	if !slices.ContainsFunc(hc.Instances, func(i *Instance) bool { return len(i.DependsOn) > 0 }) {
		return // no dependencies: none missing, no cycle
	}
	var names []string
	for _, i := range hc.Instances {
		names = append(names, i.Name)
	}
	for _, i := range hc.Instances {
		for _, d := range i.DependsOn {
			if hc.Instance(d.V) != nil {
				continue
			}
			e := dl.Errorf(d.Pos, "container-dependency", "container %s depends on %s, which host %s does not run", i.Name, d.V, hc.Name).
				Also(i.Enabled.Pos, "%s is enabled here", i.Name)
			if hint := diag.DidYouMean(d.V, names); hint != "" {
				e.Hint("%s", hint)
			} else {
				e.Hint("add %s to the host's containers (containers = [%q]), or remove the dependency", d.V, d.V)
			}
		}
	}
	// Cycles: depth-first, each reported once from its smallest member.
	reported := map[string]bool{}
	for _, start := range names {
		var path []string
		var visit func(name string) bool
		visit = func(name string) bool {
			if k := slices.Index(path, name); k >= 0 {
				cycle := append(slices.Clone(path[k:]), name)
				key := slices.Min(path[k:])
				if reported[key] {
					return true
				}
				reported[key] = true
				reportCycle(hc, rotate(cycle, key), dl)
				return true
			}
			i := hc.Instance(name)
			if i == nil {
				return false
			}
			path = append(path, name)
			for _, d := range i.DependsOn {
				if visit(d.V) {
					return true
				}
			}
			path = path[:len(path)-1]
			return false
		}
		visit(start)
	}
}

// rotate returns cycle (first == last) starting at start.
func rotate(cycle []string, start string) []string {
	body := cycle[:len(cycle)-1]
	k := slices.Index(body, start)
	out := append(slices.Clone(body[k:]), body[:k]...)
	return append(out, start)
}

func reportCycle(hc *Host, cycle []string, dl *diag.List) {
	edge := func(from, to string) diag.Pos {
		for _, d := range hc.Instance(from).DependsOn {
			if d.V == to {
				return d.Pos
			}
		}
		return diag.Pos{}
	}
	d := dl.Errorf(edge(cycle[0], cycle[1]), "container-cycle", "containers on host %s depend on each other in a cycle: %s", hc.Name, strings.Join(cycle, " -> "))
	for k := 1; k+1 < len(cycle); k++ {
		d.Also(edge(cycle[k], cycle[k+1]), "%s depends on %s here", cycle[k], cycle[k+1])
	}
	d.Hint("systemd cannot start a cycle: remove one of the depends_on entries")
}

// Describe renders a port for listings: "8096/tcp", "127.0.0.1:8080/tcp".
func (p Port) Describe() string {
	host := p.HostRange()
	if !p.Published() {
		host = "-"
	}
	if p.Address != "" {
		a := p.Address
		if strings.Contains(a, ":") {
			a = "[" + a + "]"
		}
		host = a + ":" + host
	}
	return host + "->" + portRange(p.ContainerFrom, p.ContainerTo) + "/" + p.Proto
}
