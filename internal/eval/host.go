package eval

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/parallel"
)

// stacked is one layer in a host's stack.
type stacked struct {
	ly    *inventory.Layer
	level int
}

// stack returns the host's layers (without users), lowest first, and the
// level the roles share.
func (e *evaluator) stack(src *inventory.Host, chain []string) ([]stacked, int) {
	var out []stacked
	level := 1
	if e.inv.Common != nil {
		out = append(out, stacked{e.inv.Common, level})
	}
	for _, p := range chain {
		level++
		out = append(out, stacked{&e.inv.Profiles[p].Layer, level})
	}
	level++
	peer := level
	for _, r := range src.Roles {
		if role := e.inv.Roles[r.V]; role != nil {
			out = append(out, stacked{&role.Layer, peer})
		}
	}
	return out, peer
}

// Levels above the roles.
const (
	userLevelOffset = 1
	hostLevelOffset = 2
)

func (e *evaluator) host(src *inventory.Host, dl *diag.List) *Host {
	h := &Host{
		Name:     src.Name,
		Platform: inventory.Platform(src.Platform.V),
		System:   src.System.V,
		Profile:  src.Profile.V,
		Roles:    inventory.Names(src.Roles),
		Src:      src,
	}
	class := string(h.Platform)
	if src.Profile.IsSet() {
		if e.inv.Profiles[src.Profile.V] == nil {
			e.unknownIn(dl, src.Profile, "profile", sortedMapKeys(e.inv.Profiles), "profiles/%s.toml")
		} else {
			h.ProfileChain = e.profileChain(src.Profile.V)
		}
	}
	for _, r := range src.Roles {
		if e.inv.Roles[r.V] == nil {
			e.unknownIn(dl, r, "role", sortedMapKeys(e.inv.Roles), "roles/%s.toml")
		}
	}
	layers, peer := e.stack(src, h.ProfileChain)
	hostLevel := peer + hostLevelOffset
	all := append(slices.Clip(layers), stacked{&src.Layer, hostLevel})

	if class != "" {
		for _, s := range all {
			// A role made for the other platform is reported once, by
			// checkRequires, not once per module and setting it holds.
			if !e.roleForOtherPlatform(s.ly, class) {
				e.checkLayerFor(s.ly, class, dl)
			}
		}
	}

	m := &merger{diags: dl, peer: peer}
	// Common and the profile chain merge the same way for every host of
	// the platform and profile: once, shared, with their diagnostics.
	nBase := baseLen(layers, peer)
	base := e.base("system\x00"+class, layers[:nBase], peer, func(m *merger, dl *diag.List) any {
		t := &systemTrees{}
		for _, s := range layers[:nBase] {
			e.mergeSystem(m, t, s, h.Platform, dl)
		}
		t.markShared()
		return t
	})
	dl.Append(&base.diags)
	t := *base.value.(*systemTrees)
	for _, s := range all[nBase:] {
		e.mergeSystem(m, &t, s, h.Platform, dl)
	}
	settings, modules, packages, pass, ctrs, backend := t.settings, t.modules, t.packages, t.pass, t.ctrs, t.backend
	if h.Platform == inventory.NixOS && src.Darwin != nil {
		dl.Warnf(src.Darwin.KeyPos, "ignored", "[darwin] is ignored on NixOS host %s", h.Name).Hint("remove it, or move it to a profile or role shared with darwin hosts")
	}
	if h.Platform == inventory.Darwin && src.NixOS != nil {
		dl.Warnf(src.NixOS.KeyPos, "ignored", "[nixos] is ignored on darwin host %s", h.Name).Hint("remove it, or move it to a profile or role shared with NixOS hosts")
	}

	h.Modules = enabled(settings)
	settings = overlay(&e.overlays, e.defaults(class, h.Modules), settings)
	root := &Node{Kind: Table, Fields: NewFields(rootSize(src, class, ctrs, backend))}
	root.Fields.Set("settings", orEmptyTable(settings))
	root.Fields.Set("modules", filterItems(orEmptyList(modules), h.Modules))
	root.Fields.Set("packages", orEmptyList(packages))
	if class != "" {
		root.Fields.Set(class, orEmptyTable(pass))
	}
	if ctrs != nil {
		ctrs = own(ctrs)
		h.Containers = e.containerInstances(ctrs)
		root.Fields.Set("containers", ctrs)
	}
	if backend != nil {
		h.ContainerBackend = backend
		root.Fields.Set("container_backend", backend)
	}

	users := &Node{Kind: Table, Fields: NewFields(len(src.Users))}
	for _, u := range src.Users {
		user := e.inv.Users[u.V]
		if user == nil {
			e.unknownIn(dl, u, "user", sortedMapKeys(e.inv.Users), "users/%s/user.toml")
			continue
		}
		ut, hu := e.userTree(layers, src, user, h.System, peer, hostLevel, dl)
		users.Fields.Set(u.V, ut)
		h.Users = append(h.Users, hu)
	}
	root.Fields.Set("users", users)
	e.facts(root, src)
	h.Tree = root
	reportConflicts(dl, root)

	e.checkRequires(h, dl)
	e.checkFirmware(h, dl)
	e.checkDisk(h, dl)
	e.checkHardwareTies(h, dl)
	e.checkStateVersion(h, dl)
	e.checkHostQuiet(h, dl)
	e.collectSecrets(h, dl)
	e.checkSopsKeySource(h, dl)
	return h
}

// systemTrees are the values of a host merged so far, by key.
type systemTrees struct {
	settings, modules, packages, pass, ctrs, backend *Node
}

func (t *systemTrees) markShared() {
	for _, n := range []*Node{t.settings, t.modules, t.packages, t.pass, t.ctrs, t.backend} {
		markShared(n)
	}
}

// mergeSystem merges one layer's system values onto t.
func (e *evaluator) mergeSystem(m *merger, t *systemTrees, s stacked, platform inventory.Platform, dl *diag.List) {
	class := string(platform)
	m.path = []string{"containers"}
	t.ctrs = m.merge(t.ctrs, e.part(s, "containers", dl, func(*diag.List) *Node { return e.containersNode(s.ly, s.ly.Label(), s.level) }))
	m.path = []string{"container_backend"}
	if s.ly.ContainerBackend.IsSet() {
		t.backend = m.merge(t.backend, strNode(s.ly.ContainerBackend, s.ly.Label(), s.level))
	}
	m.path = []string{"settings"}
	t.settings = m.merge(t.settings, e.part(s, "settings", dl, func(dl *diag.List) *Node {
		return e.settingsNode(s.ly.Settings, s.ly.Modules, s.ly.Label(), s.level, false, dl)
	}))
	if s.ly.Force.Settings != nil {
		t.settings = m.merge(t.settings, e.part(s, "force.settings", dl, func(dl *diag.List) *Node {
			return e.settingsNode(s.ly.Force.Settings, nil, s.ly.Label(), s.level, true, dl)
		}))
	}
	m.path = []string{"modules"}
	t.modules = m.merge(t.modules, e.part(s, "modules", dl, func(*diag.List) *Node { return strList(s.ly.Modules, s.ly.Label(), s.level) }))
	m.path = []string{"packages"}
	t.packages = m.merge(t.packages, e.part(s, "packages", dl, func(*diag.List) *Node { return strList(s.ly.Packages, s.ly.Label(), s.level) }))
	m.path = []string{class}
	pt, force := s.ly.NixOS, s.ly.Force.NixOS
	if platform == inventory.Darwin {
		pt, force = s.ly.Darwin, s.ly.Force.Darwin
	}
	if pt != nil {
		t.pass = m.merge(t.pass, e.part(s, class, dl, func(*diag.List) *Node { return fromValue(pt, s.ly.Label(), s.level, false) }))
	}
	if force != nil {
		t.pass = m.merge(t.pass, e.part(s, "force."+class, dl, func(*diag.List) *Node { return fromValue(force, s.ly.Label(), s.level, true) }))
	}
}

// layerPart names one part of a layer's values turned into a node at a
// level of a host's stack.
type layerPart struct {
	ly    *inventory.Layer
	level int
	part  string
}

// convertedPart is a layer part turned into a node once (marked shared)
// with the diagnostics doing so gave, which each host that stacks the
// layer repeats.
type convertedPart struct {
	once  sync.Once
	n     *Node
	diags diag.List
}

// part returns the node build makes of a part of s's values. A host's own
// layer is built for the host alone; any other layer (common, profiles,
// roles, users' files) is built once per level, shared, and its
// diagnostics are added to dl each time.
func (e *evaluator) part(s stacked, part string, dl *diag.List, build func(*diag.List) *Node) *Node {
	if s.ly.Kind == inventory.KindHost {
		return build(dl)
	}
	c := parallel.Slot(&e.mu, &e.parts, layerPart{s.ly, s.level, part})
	c.once.Do(func() {
		c.n = build(&c.diags)
		markShared(c.n)
	})
	dl.Append(&c.diags)
	return c.n
}

// baseLen is how many of a host's layers lie below the roles (common and
// the profile chain).
func baseLen(layers []stacked, peer int) int {
	n := 0
	for n < len(layers) && layers[n].level < peer {
		n++
	}
	return n
}

// baseMerge is a merge of lower layers shared by many hosts: its value
// (marked shared) and the diagnostics merging it gave, which each host
// that uses it repeats.
type baseMerge struct {
	once  sync.Once
	value any
	diags diag.List
}

// base returns the shared merge of layers for kind, building it once.
func (e *evaluator) base(kind string, layers []stacked, peer int, build func(*merger, *diag.List) any) *baseMerge {
	// The key names the layers by kind and name; the lookup of a key
	// that exists allocates nothing.
	key := make([]byte, 0, 128)
	key = strconv.AppendInt(append(append(key, kind...), 0), int64(peer), 10)
	for _, s := range layers {
		key = append(append(append(append(key, 0), s.ly.Kind...), ' '), s.ly.Name...)
		key = strconv.AppendInt(append(key, 0), int64(s.level), 10)
	}
	e.mu.Lock()
	b := e.bases[string(key)]
	if b == nil {
		b = &baseMerge{}
		if e.bases == nil {
			e.bases = map[string]*baseMerge{}
		}
		e.bases[string(key)] = b
	}
	e.mu.Unlock()
	b.once.Do(func() {
		b.value = build(&merger{diags: &b.diags, peer: peer}, &b.diags)
	})
	return b
}

// roleForOtherPlatform reports whether ly is a role whose [requires]
// names a platform other than class.
func (e *evaluator) roleForOtherPlatform(ly *inventory.Layer, class string) bool {
	if ly.Kind != inventory.KindRole {
		return false
	}
	r := e.inv.Roles[ly.Name]
	return r != nil && r.Requires.Platform.IsSet() && r.Requires.Platform.V != class
}

func (e *evaluator) unknownIn(dl *diag.List, s inventory.Str, what string, known []string, create string) {
	d := dl.Errorf(s.Pos, "unknown-"+what, "no %s named %q", what, s.V)
	if hint := diag.DidYouMean(s.V, known); hint != "" {
		d.Hint("%s", hint)
	} else {
		d.Hint("create "+create, s.V)
	}
}

// userTree merges a user's home on a host: the host's layers, the user's
// own file, then the host. Layers that hold no home value leave it as it
// is; when the host's own layer holds none either, the tree depends only
// on the user, the system and the layers that do, and it is merged once
// for every host that shares them (shared, with its diagnostics repeated
// for each host).
func (e *evaluator) userTree(layers []stacked, src *inventory.Host, user *inventory.User, system string, peer, hostLevel int, dl *diag.List) (*Node, *HostUser) {
	all := append(slices.Clip(layers), stacked{&user.Layer, peer + userLevelOffset})
	nBase := baseLen(layers, peer)
	if src != nil && hasHome(&src.Layer) {
		all = append(all, stacked{&src.Layer, hostLevel})
		return e.mergeUser(all, nBase, user, system, peer, dl)
	}
	above := slices.DeleteFunc(all[nBase:], func(s stacked) bool { return !hasHome(s.ly) })
	key := append(slices.Clone(layers[:nBase]), above...)
	type merged struct {
		t  *Node
		hu HostUser
	}
	b := e.base("user\x00"+user.Name+"\x00"+system, key, peer, func(_ *merger, dl *diag.List) any {
		t, hu := e.mergeUser(key, nBase, user, system, peer, dl)
		markShared(t)
		return &merged{t, *hu}
	})
	dl.Append(&b.diags)
	m := b.value.(*merged)
	hu := m.hu
	return m.t, &hu
}

// hasHome reports whether a layer holds any home value.
func hasHome(ly *inventory.Layer) bool {
	return len(ly.HomeModules) > 0 || len(ly.HomePackages) > 0 || len(ly.Toolsets) > 0 ||
		ly.HomeSettings != nil || ly.Home != nil || ly.Force.HomeSettings != nil || ly.Force.Home != nil
}

// mergeUser merges a user's home over all, whose first nBase layers
// (common and the profile chain) are merged once per user and shared.
func (e *evaluator) mergeUser(all []stacked, nBase int, user *inventory.User, system string, peer int, dl *diag.List) (*Node, *HostUser) {
	m := &merger{diags: dl, peer: peer}
	prefix := "users." + user.Name + "."
	// The user's home over common and the profile chain is the same on
	// every host of the profile: merged once, shared.
	base := e.base("home\x00"+user.Name, all[:nBase], peer, func(m *merger, dl *diag.List) any {
		t := &homeTrees{}
		for _, s := range all[:nBase] {
			e.mergeHome(m, t, s, prefix, dl)
		}
		t.markShared()
		return t
	})
	dl.Append(&base.diags)
	ht := *base.value.(*homeTrees)
	for _, s := range all[nBase:] {
		e.mergeHome(m, &ht, s, prefix, dl)
	}
	mods, pkgs, toolsets, settings, home := ht.mods, ht.pkgs, ht.toolsets, ht.settings, ht.home
	hu := &HostUser{Name: user.Name, User: user, HomeModules: enabled(settings)}
	toolsets = orEmptyList(toolsets)
	// A toolset's packages join the home's packages, defined in the
	// toolset's file, at the level of the layer that names the toolset.
	m.path = []string{prefix + "home_packages"}
	for _, it := range toolsets.Items {
		ts := e.inv.Toolsets[it.Str]
		if ts == nil {
			continue // reported by checkReferences
		}
		hu.Toolsets = append(hu.Toolsets, ts.Name)
		pkgs = m.merge(pkgs, strList(ts.PackagesFor(system), "toolset "+ts.Name, int(it.Defs[0].level)))
	}
	settings = overlay(&e.overlays, e.defaults("home", hu.HomeModules), settings)
	t := &Node{Kind: Table, Fields: NewFields(5)}
	t.Fields.Set("home_modules", filterItems(orEmptyList(mods), hu.HomeModules))
	t.Fields.Set("home_packages", orEmptyList(pkgs))
	t.Fields.Set("toolsets", toolsets)
	t.Fields.Set("home_settings", orEmptyTable(settings))
	t.Fields.Set("home", orEmptyTable(home))
	return t, hu
}

// homeTrees are the values of a user's home merged so far, by key.
type homeTrees struct {
	mods, pkgs, toolsets, settings, home *Node
}

func (t *homeTrees) markShared() {
	for _, n := range []*Node{t.mods, t.pkgs, t.toolsets, t.settings, t.home} {
		markShared(n)
	}
}

// mergeHome merges one layer's home values onto t.
func (e *evaluator) mergeHome(m *merger, t *homeTrees, s stacked, prefix string, dl *diag.List) {
	e.checkHomeLayer(s.ly, dl)
	m.path = []string{prefix + "home_modules"}
	t.mods = m.merge(t.mods, e.part(s, "home_modules", dl, func(*diag.List) *Node { return strList(s.ly.HomeModules, s.ly.Label(), s.level) }))
	m.path = []string{prefix + "home_packages"}
	t.pkgs = m.merge(t.pkgs, e.part(s, "home_packages", dl, func(*diag.List) *Node { return strList(s.ly.HomePackages, s.ly.Label(), s.level) }))
	m.path = []string{prefix + "toolsets"}
	t.toolsets = m.merge(t.toolsets, e.part(s, "toolsets", dl, func(*diag.List) *Node { return strList(s.ly.Toolsets, s.ly.Label(), s.level) }))
	m.path = []string{prefix + "home_settings"}
	t.settings = m.merge(t.settings, e.part(s, "home_settings", dl, func(dl *diag.List) *Node {
		return e.settingsNode(s.ly.HomeSettings, s.ly.HomeModules, s.ly.Label(), s.level, false, dl)
	}))
	if s.ly.Force.HomeSettings != nil {
		t.settings = m.merge(t.settings, e.part(s, "force.home_settings", dl, func(dl *diag.List) *Node {
			return e.settingsNode(s.ly.Force.HomeSettings, nil, s.ly.Label(), s.level, true, dl)
		}))
	}
	m.path = []string{prefix + "home"}
	if s.ly.Home != nil {
		t.home = m.merge(t.home, e.part(s, "home", dl, func(*diag.List) *Node { return fromValue(s.ly.Home, s.ly.Label(), s.level, false) }))
	}
	if s.ly.Force.Home != nil {
		t.home = m.merge(t.home, e.part(s, "force.home", dl, func(*diag.List) *Node { return fromValue(s.ly.Force.Home, s.ly.Label(), s.level, true) }))
	}
}

// standalone evaluates a user's standalone home: common's home values and
// the user's own.
func (e *evaluator) standalone(user *inventory.User, dl *diag.List) *Home {
	var layers []stacked
	if e.inv.Common != nil {
		layers = append(layers, stacked{e.inv.Common, 1})
	}
	tree, hu := e.userTree(layers, nil, user, user.Standalone.System.V, 2, 4, dl)
	home := &Home{Name: user.Name, User: user, System: user.Standalone.System.V, StateVersion: user.Standalone.StateVersion.V, Tree: tree, HomeModules: hu.HomeModules}
	walkNodes(tree, nil, func(path []string, n *Node) {
		if n.Kind == Secret {
			dl.Errorf(n.Won().Pos, "standalone-secret", "the standalone home of %s references secret %s: standalone homes cannot read secrets yet", user.Name, n.Str).
				Hint("set the secret on a host the user lives on instead")
		}
	})
	return home
}

// settingsNode turns a layer's [settings] table and modules list into one
// node: every listed module gets enable = true defined at its list entry.
func (e *evaluator) settingsNode(t *inventory.Value, mods []inventory.Str, label string, level int, forced bool, dl *diag.List) *Node {
	var n *Node
	if t != nil {
		n = fromValue(t, label, level, forced)
	} else {
		n = &Node{Kind: Table, Fields: NewFields(len(mods))}
	}
	for _, m := range mods {
		mod := n.Fields.At(m.V)
		if mod == nil {
			mod = &Node{Kind: Table, Fields: NewFields(0), Defs: []Def{{Layer: label, Pos: m.Pos, level: int32(level)}}}
			n.Fields.Set(m.V, mod)
		}
		if en := mod.Fields.At("enable"); en != nil {
			if en.Kind == Bool && !en.Bool {
				dl.Errorf(en.Defs[0].Pos, "conflict", "%s both enables and disables module %s", label, m.V).
					Also(m.Pos, "listed in modules here").Hint("keep one of the two")
			}
			continue
		}
		mod.Fields.Set("enable", &Node{Kind: Bool, Bool: true, Defs: []Def{{Layer: label, Pos: m.Pos, text: "true (listed in modules)", level: int32(level)}}})
	}
	return n
}

// enabled returns the modules whose enable resolved to true, sorted.
func enabled(settings *Node) []string {
	var out []string
	if settings == nil {
		return nil
	}
	for _, k := range settings.Keys() {
		if en := settings.Fields.At(k).Get("enable"); en != nil && en.Kind == Bool && en.Bool {
			out = append(out, k)
		}
	}
	return out
}

// strList turns a list of names into a List node.
func strList(ss []inventory.Str, label string, level int) *Node {
	if len(ss) == 0 {
		return nil
	}
	n := &Node{Kind: List, Defs: []Def{{Layer: label, Pos: ss[0].Pos, strs: &ss, level: int32(level)}}}
	for _, s := range ss {
		n.Items = append(n.Items, &Node{Kind: String, Str: s.V, Defs: []Def{{Layer: label, Pos: s.Pos, text: s.V, quote: true, level: int32(level)}}})
	}
	return n
}

func describeStrs(ss []inventory.Str) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s.V)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// filterItems keeps the list items named in keep (modules disabled by a
// higher layer drop out of the list).
func filterItems(n *Node, keep []string) *Node {
	if n.shared {
		n = own(n)
		n.Items = slices.Clone(n.Items)
	}
	n.Items = slices.DeleteFunc(n.Items, func(it *Node) bool { return !slices.Contains(keep, it.Str) })
	return n
}

func orEmptyTable(n *Node) *Node {
	if n == nil {
		return &Node{Kind: Table, Fields: NewFields(0)}
	}
	return n
}

func orEmptyList(n *Node) *Node {
	if n == nil {
		return &Node{Kind: List}
	}
	return n
}

// rootSize is the number of keys of a host's tree: its map is made for
// them and never grows.
func rootSize(src *inventory.Host, class string, set ...*Node) int {
	n := 6 // settings, modules, packages, users, hardware, deploy
	if class != "" {
		n++
	}
	for _, x := range set {
		if x != nil {
			n++
		}
	}
	for _, s := range []inventory.Str{src.Platform, src.System, src.HomeStateVersion, src.Profile, src.HostKey, src.AgeKey, src.Description} {
		if s.IsSet() {
			n++
		}
	}
	if src.StateVersion != nil {
		n++
	}
	if len(src.Roles) > 0 {
		n++
	}
	return n
}

// facts records the host's own values (platform, hardware, deploy, ...) in
// the tree, each with its single definition.
func (e *evaluator) facts(root *Node, src *inventory.Host) {
	label := src.Label()
	str := func(s inventory.Str) *Node {
		if !s.IsSet() {
			return nil
		}
		return &Node{Kind: String, Str: s.V, Defs: []Def{{Layer: label, Pos: s.Pos, text: s.V, quote: true}}}
	}
	integer := func(i inventory.IntVal) *Node {
		if !i.IsSet() {
			return nil
		}
		return &Node{Kind: Int, Int: i.V, Defs: []Def{{Layer: label, Pos: i.Pos, text: strconv.FormatInt(i.V, 10)}}}
	}
	boolean := func(b inventory.BoolVal) *Node {
		if !b.IsSet() {
			return nil
		}
		return &Node{Kind: Bool, Bool: b.V, Defs: []Def{{Layer: label, Pos: b.Pos, text: strconv.FormatBool(b.V)}}}
	}
	set := func(t *Node, k string, v *Node) {
		if v != nil {
			t.Fields.Set(k, v)
		}
	}
	set(root, "platform", str(src.Platform))
	set(root, "system", str(src.System))
	if src.StateVersion != nil {
		set(root, "state_version", fromValue(src.StateVersion, label, 0, false))
	}
	set(root, "home_state_version", str(src.HomeStateVersion))
	set(root, "profile", str(src.Profile))
	set(root, "roles", strList(src.Roles, label, 0))
	set(root, "host_key", str(src.HostKey))
	set(root, "age_key", str(src.AgeKey))
	set(root, "description", str(src.Description))
	hw := &Node{Kind: Table, Fields: NewFields(8)}
	set(hw, "firmware", str(src.Hardware.Firmware))
	set(hw, "boot_disk", str(src.Hardware.BootDisk))
	set(hw, "partition_table", str(src.Hardware.PartitionTable))
	set(hw, "bios_boot_partition", boolean(src.Hardware.BIOSBootPartition))
	set(hw, "gpu", str(src.Hardware.GPU))
	set(hw, "memory_gb", integer(src.Hardware.MemoryGB))
	set(hw, "cpu", str(src.Hardware.CPU))
	root.Fields.Set("hardware", hw)
	dp := &Node{Kind: Table, Fields: NewFields(4)}
	set(dp, "target", str(src.Deploy.Target))
	set(dp, "build_on", str(src.Deploy.BuildOn))
	set(dp, "ssh_port", integer(src.Deploy.SSHPort))
	set(dp, "order", integer(src.Deploy.Order))
	root.Fields.Set("deploy", dp)
}

// overlay puts layered values over module defaults. Below an option, a
// layered value replaces the default (as a definition replaces a default
// in the Nix module system); the default stays in the record. Shared
// nodes are copied before they change; the overlay of a shared value on
// shared defaults is made once (memo) and shared in turn. memo may be nil.
func overlay(memo *overlayMemo, def, lay *Node) *Node {
	switch {
	case def == nil:
		return lay
	case lay == nil:
		return def
	case memo != nil && def.shared && lay.shared:
		return memo.do(def, lay)
	case def.option || def.Kind != Table || lay.Kind != Table:
		if lay.Kind.leaf() || lay.Kind == List {
			lay = own(lay)
			lay.Winner += int32(len(def.Defs))
			lay.Defs = slices.Concat(def.Defs, lay.Defs)
		}
		return lay
	}
	def = own(def)
	def.Defs = append(def.Defs, lay.Defs...)
	for k, v := range lay.Fields.All() {
		def.Fields.Set(k, overlay(memo, def.Fields.At(k), v))
	}
	return def
}

// overlayMemo holds the overlays of shared values on shared defaults.
type overlayMemo struct {
	mu sync.Mutex
	m  map[[2]*Node]*Node
}

func (o *overlayMemo) do(def, lay *Node) *Node {
	key := [2]*Node{def, lay}
	o.mu.Lock()
	n, ok := o.m[key]
	o.mu.Unlock()
	if ok {
		return n
	}
	n = overlay(nil, def, lay)
	markShared(n)
	o.mu.Lock()
	defer o.mu.Unlock()
	if prev, ok := o.m[key]; ok {
		return prev
	}
	if o.m == nil {
		o.m = map[[2]*Node]*Node{}
	}
	o.m[key] = n
	return n
}

// defaults returns the tree of declared defaults of the enabled modules
// of a class. Each module's tree is built once (moduleDefaults) and
// shared by every host: overlay copies what a layer changes.
func (e *evaluator) defaults(class string, mods []string) *Node {
	root := &Node{Kind: Table, Fields: NewFields(len(mods))}
	for _, name := range mods {
		if t := e.defaultTrees[class][name]; t != nil {
			root.Fields.Set(name, t)
		}
	}
	return root
}

// moduleDefaults builds the tree of a module's declared defaults, marked
// shared: no host's evaluation changes it.
func moduleDefaults(mod *options.Module, name string) *Node {
	t := &Node{Kind: Table, Fields: NewFields(0)}
	for _, o := range mod.Options {
		if len(o.Path) < 3 || o.Path[0] != "fleet" || o.Path[1] != name {
			continue
		}
		addDefault(t, o.Path[2:], o)
	}
	markShared(t)
	return t
}

func addDefault(t *Node, path []string, o *options.Option) {
	for _, k := range path[:len(path)-1] {
		next := t.Fields.At(k)
		if next == nil || next.Kind != Table {
			next = &Node{Kind: Table, Fields: NewFields(0)}
			t.Fields.Set(k, next)
		}
		t = next
	}
	last := path[len(path)-1]
	if o.Type != nil && o.Type.Kind == options.Submodule && (o.Default == nil || isEmptyMap(o.Default.Value)) {
		sub := &Node{Kind: Table, Fields: NewFields(0)}
		for _, so := range o.Type.Options {
			if len(so.Path) > 0 {
				addDefault(sub, so.Path, so)
			}
		}
		if sub.Fields.Len() > 0 {
			t.Fields.Set(last, sub)
		}
		return
	}
	if o.Default == nil {
		return
	}
	pos := o.Default.Pos
	if !pos.IsValid() {
		pos = o.Pos
	}
	def := Def{Layer: LayerDefault, Pos: pos, text: o.Default.Source}
	var n *Node
	if o.Default.Computed {
		n = &Node{Kind: Expr, Str: o.Default.Source, Computed: true}
	} else {
		n = fromAny(o.Default.Value, def)
	}
	n.Defs = []Def{def}
	n.option = true
	t.Fields.Set(last, n)
}

func isEmptyMap(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

// fromAny converts a decoded Nix literal to a Node.
func fromAny(v any, def Def) *Node {
	n := &Node{Defs: []Def{def}}
	switch v := v.(type) {
	case nil:
		n.Kind = Null
	case bool:
		n.Kind, n.Bool = Bool, v
	case int64:
		n.Kind, n.Int = Int, v
	case float64:
		n.Kind, n.Float = Float, v
	case string:
		n.Kind, n.Str = String, v
	case []any:
		n.Kind = List
		for _, e := range v {
			n.Items = append(n.Items, fromAny(e, def))
		}
	case map[string]any:
		n.Kind = Table
		n.Fields = NewFields(len(v))
		for k, e := range v {
			n.Fields.Set(k, fromAny(e, def))
		}
	default:
		n.Kind, n.Str, n.Computed = Expr, fmt.Sprint(v), true
	}
	return n
}

// checkLayerFor type-checks a layer's settings for one platform, once per
// layer and platform across all hosts. dl receives the diagnostics of
// the host's own file (it is not shared).
func (e *evaluator) checkLayerFor(ly *inventory.Layer, class string, dl *diag.List) {
	check := func(l *diag.List) {
		for _, m := range ly.Modules {
			if e.hasModule(class, m.V) || !e.exists(m.V, "nixos", "darwin") {
				continue
			}
			l.Errorf(m.Pos, "platform", "module %s has no %s version", m.V, class).
				Hint("write %s, or enable the module in a role that requires platform = %q", moduleFile(class, m.V), otherPlatform(class))
		}
		tc := &typeChecker{diags: l}
		for _, t := range []*inventory.Value{ly.Settings, ly.Force.Settings} {
			if t == nil {
				continue
			}
			for k, f := range t.Entries() {
				if !e.hasModule(class, k) {
					if e.exists(k, "nixos", "darwin") {
						l.Errorf(f.KeyPos, "platform", "module %s has no %s version", k, class).
							Hint("write %s, or move these settings to a role that requires platform = %q", moduleFile(class, k), otherPlatform(class))
					}
					continue
				}
				if tree := e.trees[class][k]; tree != nil {
					tc.checkTable(f, tree, "settings."+inventory.QuoteKey(k), k)
				}
			}
		}
	}
	if ly.Kind == inventory.KindHost {
		check(dl)
		return
	}
	e.once(ly.File+"\x00"+class, check)
}

// checkHomeLayer type-checks a layer's home settings, once per layer.
func (e *evaluator) checkHomeLayer(ly *inventory.Layer, dl *diag.List) {
	check := func(l *diag.List) {
		tc := &typeChecker{diags: l}
		for _, t := range []*inventory.Value{ly.HomeSettings, ly.Force.HomeSettings} {
			if t == nil {
				continue
			}
			for k, f := range t.Entries() {
				if tree := e.trees["home"][k]; tree != nil {
					tc.checkTable(f, tree, "home_settings."+inventory.QuoteKey(k), k)
				}
			}
		}
	}
	if ly.Kind == inventory.KindHost {
		check(dl)
		return
	}
	e.once(ly.File+"\x00home", check)
}

func (e *evaluator) exists(name string, classes ...string) bool {
	for _, c := range classes {
		if e.hasModule(c, name) {
			return true
		}
	}
	return false
}

// otherPlatform names the platform that is not class.
func otherPlatform(class string) string {
	if class == "darwin" {
		return "nixos"
	}
	return "darwin"
}

// checkRequires checks every role's [requires] against the host.
func (e *evaluator) checkRequires(h *Host, dl *diag.List) {
	src := h.Src
	for _, r := range src.Roles {
		role := e.inv.Roles[r.V]
		if role == nil {
			continue
		}
		req := role.Requires
		fail := func(at diag.Pos, format string, args ...any) {
			dl.Errorf(r.Pos, "requires", "role %s "+format, append([]any{r.V}, args...)...).
				Also(at, "role %s states the requirement here", r.V).
				Hint("remove the role from host %s, or fix the host's facts if they are wrong", h.Name)
		}
		if req.Platform.IsSet() && req.Platform.V != string(h.Platform) {
			fail(req.Platform.Pos, "requires platform %s, but host %s is %s", req.Platform.V, h.Name, h.Platform)
		}
		if req.Firmware.IsSet() && req.Firmware.V != src.Hardware.Firmware.V {
			fail(req.Firmware.Pos, "requires %s firmware, but host %s has %s", req.Firmware.V, h.Name, orUnset(src.Hardware.Firmware.V))
		}
		if len(req.GPU) > 0 {
			gpu := src.Hardware.GPU.V
			if gpu == "" {
				gpu = "none"
			}
			if !slices.Contains(inventory.Names(req.GPU), gpu) {
				fail(req.GPU[0].Pos, "requires a gpu of %s, but host %s has %s", strings.Join(inventory.Names(req.GPU), " or "), h.Name, gpu)
			}
		}
		if req.MinMemoryGB.IsSet() {
			mem := src.Hardware.MemoryGB
			if !mem.IsSet() {
				fail(req.MinMemoryGB.Pos, "requires at least %d GB of memory, but host %s does not state hardware.memory_gb", req.MinMemoryGB.V, h.Name)
			} else if mem.V < req.MinMemoryGB.V {
				fail(req.MinMemoryGB.Pos, "requires at least %d GB of memory, but host %s has %d", req.MinMemoryGB.V, h.Name, mem.V)
			}
		}
	}
}

func orUnset(s string) string {
	if s == "" {
		return "none stated"
	}
	return s
}

// checkFirmware catches the boot setups that cannot work: BIOS without a
// boot disk, GPT booted by BIOS without a BIOS boot partition, systemd-boot
// or an EFI-only GRUB on a BIOS machine.
func (e *evaluator) checkFirmware(h *Host, dl *diag.List) {
	if h.Platform != inventory.NixOS {
		return
	}
	hw := h.Src.Hardware
	if hw.Firmware.V != "bios" {
		return
	}
	if !hw.BootDisk.IsSet() {
		dl.Errorf(hw.Firmware.Pos, "firmware", "host %s boots by BIOS but names no boot_disk", h.Name).
			Hint(`GRUB is installed into the disk's boot sector: add boot_disk = "/dev/disk/by-id/..." to [hardware]`)
	}
	if hw.PartitionTable.V == "gpt" && !hw.BIOSBootPartition.V {
		pos := hw.PartitionTable.Pos
		dl.Errorf(pos, "firmware", "host %s boots a GPT disk by BIOS without a BIOS boot partition: grub-install will refuse to embed", h.Name).
			Hint("create a 1 MiB partition of type EF02 at the start of the disk, then set bios_boot_partition = true").
			Hint("or use an msdos (mbr) partition table")
	}
	pass := h.Tree.Get("nixos")
	if sd := pass.Lookup("boot", "loader", "systemd-boot", "enable"); sd != nil && sd.Kind == Bool && sd.Bool {
		w := sd.Won()
		dl.Errorf(w.Pos, "firmware", "systemd-boot needs UEFI, but host %s boots by BIOS", h.Name).
			Also(hw.Firmware.Pos, "firmware is stated here").Hint("use GRUB (boot.loader.grub) on BIOS machines")
	}
	if g := pass.Lookup("boot", "loader", "grub", "enable"); g != nil && g.Kind == Bool && !g.Bool {
		w := g.Won()
		dl.Errorf(w.Pos, "firmware", "host %s boots by BIOS but GRUB is disabled", h.Name).
			Also(hw.Firmware.Pos, "firmware is stated here").Hint("BIOS machines boot through GRUB: remove boot.loader.grub.enable = false")
	}
	if efi := pass.Lookup("boot", "loader", "grub", "efiSupport"); efi != nil && efi.Kind == Bool && efi.Bool {
		w := efi.Won()
		dl.Errorf(w.Pos, "firmware", "boot.loader.grub.efiSupport is set, but host %s boots by BIOS", h.Name).
			Also(hw.Firmware.Pos, "firmware is stated here").Hint("remove efiSupport, or set firmware = \"uefi\" if the machine boots by UEFI")
	}
}

var nixosRelease = regexp.MustCompile(`^[0-9]{2}\.(05|11)$`)

// checkStateVersion checks the form of state_version for the platform.
func (e *evaluator) checkStateVersion(h *Host, dl *diag.List) {
	sv := h.Src.StateVersion
	// Of a type other than string or integer it was reported while reading.
	misread := sv != nil && sv.Kind != inventory.String && sv.Kind != inventory.Int
	top := diag.Pos{File: h.Src.File, Line: 1, Col: 1}
	switch h.Platform {
	case inventory.NixOS:
		if sv == nil {
			dl.Errorf(top, "missing-key", "host %s has no state_version", h.Name).
				Hint(`add state_version = "<the NixOS release the machine was installed with>", such as "24.05"; never change it afterwards`)
		} else if !misread && (sv.Kind != inventory.String || !nixosRelease.MatchString(sv.Str)) {
			dl.Errorf(sv.Pos, "value", "state_version of a NixOS host must be a release string such as \"24.05\", not %s", sv.Describe())
		}
	}
	if hv := h.Src.HomeStateVersion; hv.IsSet() && !nixosRelease.MatchString(hv.V) {
		dl.Errorf(hv.Pos, "value", "home_state_version must be a release string such as \"24.05\", not %q", hv.V)
	}
	switch h.Platform {
	case inventory.Darwin:
		if len(h.Src.Users) > 0 && !h.Src.HomeStateVersion.IsSet() {
			dl.Errorf(top, "missing-key", "darwin host %s has users but no home_state_version", h.Name).
				Hint(`add home_state_version = "<the home-manager release the users started with>", such as "24.05"`)
		}
		if sv == nil {
			dl.Errorf(top, "missing-key", "host %s has no state_version", h.Name).
				Hint("add state_version = <the nix-darwin state version at install>, such as 6; never change it afterwards")
		} else if !misread && (sv.Kind != inventory.Int || sv.Int < 1) {
			dl.Errorf(sv.Pos, "value", "state_version of a darwin host must be an integer such as 6, not %s", sv.Describe())
		}
	}
}

// HostPlaceholder in a secret reference stands for the name of the host
// evaluated: a role or profile names one secret per host with it, such as
// { secret = "hosts/{host}/backup-repository" }.
const HostPlaceholder = "{host}"

// collectSecrets finds the secrets the host references (with
// HostPlaceholder replaced), checks they exist, and works out what the
// host may read.
func (e *evaluator) collectSecrets(h *Host, dl *diag.List) {
	h.Tree = ownPlaceholders(h.Tree)
	findOwnNodes(h.Tree, func(n *Node) bool { return n.Kind == Secret }, func(path []string, n *Node) {
		w := n.Won()
		perHost := strings.Contains(n.Str, HostPlaceholder)
		if perHost {
			n.Str = strings.ReplaceAll(n.Str, HostPlaceholder, h.Name)
		}
		h.Secrets = append(h.Secrets, e.resolveSecret(SecretRef{Name: n.Str, Path: JoinPath(path), Pos: w.Pos, Opts: n.SecretOpts}, perHost, dl))
	})
	if h.Platform == inventory.NixOS {
		for _, hu := range h.Users {
			if ps := hu.User.PasswordSecret; ps.IsSet() {
				ref := SecretRef{Name: ps.V, Path: PasswordPath(hu.Name), Pos: ps.Pos, Opts: &SecretOpts{NeededForUsers: true}}
				h.Secrets = append(h.Secrets, e.resolveSecret(ref, false, dl))
			}
		}
	}
	e.checkSecretUses(h, dl)
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			h.Readable = append(h.Readable, p)
		}
	}
	add("hosts/" + h.Name + "/*")
	for _, r := range h.Roles {
		if role := e.inv.Roles[r]; role != nil {
			for _, s := range role.Secrets {
				add(s.V)
			}
		}
	}
	for _, s := range h.Secrets {
		add(s.Name)
	}
	if h.Src.HostKey.IsSet() || h.Src.AgeKey.IsSet() {
		return
	}
	needsKey := len(h.Secrets) > 0
	for _, p := range h.Readable {
		if needsKey {
			break
		}
		pat := inventory.ParseSecretPattern(p)
		needsKey = e.inv.SecretNames().Any(&pat)
	}
	if needsKey {
		pos := diag.Pos{File: h.Src.File, Line: 1, Col: 1}
		if len(h.Secrets) > 0 {
			pos = h.Secrets[0].Pos
		}
		dl.Errorf(pos, "secret-access", "host %s reads secrets but has no host_key or age_key to decrypt them with", h.Name).
			Hint("add host_key = \"ssh-ed25519 ...\" (the output of ssh-keyscan -t ed25519 %s) to %s", h.Name, h.Src.File)
	}
}

// ownPlaceholders returns n with every secret that names
// HostPlaceholder (and the tables and lists above it) owned by the host,
// copied where they were shared, so that the placeholder can be replaced.
func ownPlaceholders(n *Node) *Node {
	if n == nil || n.quiet {
		return n
	}
	switch n.Kind {
	case Secret:
		if strings.Contains(n.Str, HostPlaceholder) {
			return own(n)
		}
	case Table:
		for k, f := range n.Entries() {
			if g := ownPlaceholders(f); g != f {
				n = own(n)
				n.Fields.Set(k, g)
			}
		}
	case List:
		for i, it := range n.Items {
			if g := ownPlaceholders(it); g != it {
				if n.shared {
					n = own(n)
					n.Items = slices.Clone(n.Items)
				}
				n.Items[i] = g
			}
		}
	}
	return n
}

// PasswordPath is the path of a user's password secret in a host's
// secret references.
func PasswordPath(user string) string { return "users." + user + ".password_secret" }

// resolveSecret finds the file and the value a reference names, or
// reports that the secret does not exist. A per-host reference (one with
// HostPlaceholder) is not offered another host's secret as a near miss.
func (e *evaluator) resolveSecret(ref SecretRef, perHost bool, dl *diag.List) SecretRef {
	if file, ok := e.inv.Secrets[ref.Name]; ok {
		ref.File, ref.Format = file, inventory.SecretFormat(file)
		ref.Key = e.secretKey(ref, dl)
		return ref
	}
	d := dl.Errorf(ref.Pos, "unknown-secret", "secret %q does not exist", ref.Name)
	if hint := diag.DidYouMean(ref.Name, sortedMapKeys(e.inv.Secrets)); hint != "" && !perHost {
		d.Hint("%s", hint)
	} else {
		d.Hint("create it with: fleet secrets edit secrets/%s.yaml", ref.Name)
	}
	return ref
}

// secretKey resolves which value of a secret file a reference means, and
// reports what sops-nix would refuse or install otherwise than asked: it
// installs a dotenv, INI or binary secret whole, and from a YAML file only
// string values, from a YAML or a JSON file alike.
func (e *evaluator) secretKey(ref SecretRef, dl *diag.List) string {
	want := ""
	if ref.Opts != nil {
		want = ref.Opts.Key
	}
	switch ref.Format {
	case "binary":
		if want != "" {
			dl.Errorf(ref.Pos, "secret-key", "%s is a binary secret: it has no keys", ref.File).Hint("remove key")
		}
		return ""
	case "dotenv":
		switch {
		case want != "":
			dl.Errorf(ref.Pos, "secret-key", "%s is a dotenv secret: sops-nix installs it whole (its NAME=value lines), so key = %q cannot pick one value", ref.File, want).
				Hint("keep a single value in a .yaml secret (echo VALUE | fleet secrets set secrets/%s.yaml %s), or use the whole file where an environment file is expected", ref.Name, want)
		case containerEnv(ref.Path):
			dl.Errorf(ref.Pos, "secret-key", "%s is a dotenv secret: sops-nix installs it whole (its NAME=value lines), not one value for this variable", ref.File).
				Hint("keep the value in a .yaml secret and reference it with key, such as { secret = %q, key = \"value\" }", ref.Name)
		}
		return ""
	case "ini":
		switch {
		case want != "":
			dl.Errorf(ref.Pos, "secret-key", "%s is an INI secret: sops-nix installs it whole (its sections and keys), so key = %q cannot pick one value", ref.File, want).
				Hint("keep a single value in a .yaml secret (echo VALUE | fleet secrets set secrets/%s.yaml KEY), or use the whole file where a configuration file is expected", ref.Name)
		case containerEnv(ref.Path):
			dl.Errorf(ref.Pos, "secret-key", "%s is an INI secret: sops-nix installs it whole (its sections and keys), not one value for this variable", ref.File).
				Hint("keep the value in a .yaml secret and reference it with key, such as { secret = %q, key = \"value\" }", ref.Name)
		}
		return ""
	}
	values, err := e.inv.SecretValues(ref.File)
	if err != nil {
		dl.Errorf(ref.Pos, "secret-file", "cannot read the keys of %s: %v", ref.File, errors.Unwrap(err)).
			Hint("check the file with: fleet secrets audit")
		return ""
	}
	var all, top []string
	types := map[string]string{}
	for _, v := range values {
		all = append(all, v.Key)
		types[v.Key] = v.Type
		if v.Depth == 0 {
			top = append(top, v.Key)
		}
	}
	switch {
	case want != "" && !slices.Contains(all, want):
		d := dl.Errorf(ref.Pos, "secret-key", "%s has no key %q", ref.File, want)
		if hint := diag.DidYouMean(want, all); hint != "" {
			d.Hint("%s", hint)
		} else if len(top) > 0 {
			d.Hint("its keys: %s", strings.Join(top, ", "))
		}
		return ""
	case want != "":
	case len(top) == 1:
		want = top[0]
	case len(top) == 0:
		dl.Errorf(ref.Pos, "secret-key", "%s holds no values", ref.File).Hint("add one with: fleet secrets set %s KEY", ref.File)
		return ""
	default:
		dl.Errorf(ref.Pos, "secret-key", "%s holds several values (%s): say which", ref.File, strings.Join(top, ", ")).
			Hint(`write { secret = %q, key = %q }`, ref.Name, top[0])
		return ""
	}
	// sops-nix installs a YAML or JSON value only when it is a string: at
	// activation anything else fails ("the value of key ... is not a
	// string"), although its build-time check, which sees only the
	// ENC[...] envelopes, passes.
	if t := types[want]; (ref.Format == "yaml" || ref.Format == "json") && t != "" && t != "str" {
		what := map[string]string{"map": "a mapping", "list": "a list", "int": "a number", "float": "a number", "bool": "a boolean", "bytes": "bytes"}[t]
		if what == "" {
			what = t
		}
		d := dl.Errorf(ref.Pos, "secret-type", "%s stores %s as %s: sops-nix installs only string values of a %s secret (the host would fail to activate)", ref.File, want, what, strings.ToUpper(ref.Format))
		if t == "map" || t == "list" {
			d.Hint("reference one of its string values, such as key = %q", want+"/...")
		} else {
			d.Hint("store it as a string: echo VALUE | fleet secrets set %s %s (set always stores strings)", ref.File, want)
		}
	}
	return want
}

// containerEnv reports whether a value path is a container instance's
// environment variable.
func containerEnv(path string) bool {
	keys, err := ParsePath(path)
	return err == nil && len(keys) == 4 && keys[0] == "containers" && keys[2] == "environment"
}

// checkSecretUses reports one secret installed twice with different
// owners or modes: the host gets one decrypted file per secret and key.
func (e *evaluator) checkSecretUses(h *Host, dl *diag.List) {
	seen := map[string]SecretRef{}
	for _, r := range h.Secrets {
		id := r.Name + "\x00" + r.Key
		prev, ok := seen[id]
		if !ok {
			seen[id] = r
			continue
		}
		if describeOpts(prev.Opts) != describeOpts(r.Opts) {
			dl.Errorf(r.Pos, "secret-conflict", "secret %s is used twice with different options", r.Name).
				Also(prev.Pos, "first used here").Hint("give both uses the same owner, group, mode and restart_units")
		}
	}
}

// secretKey is the key a reference reads, "" for the whole file.
func secretKey(o *SecretOpts) string {
	if o == nil {
		return ""
	}
	return o.Key
}

func describeOpts(o *SecretOpts) string {
	if o == nil {
		return ""
	}
	return fmt.Sprint(o.Owner, "|", o.Group, "|", o.Mode, "|", o.RestartUnits, "|", o.NeededForUsers)
}

// MatchSecret reports whether a secret name matches an access pattern:
// an exact name, or a glob where * matches within one path segment and a
// trailing /** matches everything below. It is inventory.MatchSecret, which
// package secrets uses too.
func MatchSecret(pattern, name string) bool { return inventory.MatchSecret(pattern, name) }

// findOwnNodes calls f on the nodes below n that match, with their
// paths, in the order of walkNodes (keys sorted at each level), leaving
// out the shared subtrees that hold no secret and no conflict (quiet).
// It walks tables unsorted and sorts what it found: a host's tree has
// thousands of tables and a few matches.
func findOwnNodes(n *Node, match func(*Node) bool, f func([]string, *Node)) {
	type found struct {
		path []string
		// order is path with list indices zero-padded, so that a sort
		// of the strings puts items in list order.
		order []string
		n     *Node
	}
	var hits []found
	path := make([]string, 0, 16)
	index := make([]bool, 0, 16) // index[i]: path[i] is a list index
	hit := func(n *Node) {
		order := slices.Clone(path)
		for i, isIndex := range index {
			if isIndex {
				order[i] = fmt.Sprintf("%020s", order[i])
			}
		}
		hits = append(hits, found{slices.Clone(path), order, n})
	}
	// child visits c at key k (a list index when isIndex). A leaf is
	// matched where it is: the path grows only on the way to a table or
	// a list (a host's tree is mostly leaves).
	var visit func(n *Node)
	child := func(k string, isIndex bool, c *Node) {
		if c == nil || c.quiet {
			return
		}
		leaf := c.Kind != Table && c.Kind != List
		if leaf && !match(c) {
			return
		}
		path, index = append(path, k), append(index, isIndex)
		if leaf {
			hit(c)
		} else {
			visit(c)
		}
		path, index = path[:len(path)-1], index[:len(index)-1]
	}
	visit = func(n *Node) {
		if match(n) {
			hit(n)
		}
		switch n.Kind {
		case Table:
			for k, c := range n.Entries() {
				child(k, false, c)
			}
		case List:
			for i, it := range n.Items {
				child(strconv.Itoa(i), true, it)
			}
		}
	}
	if n != nil && !n.quiet {
		visit(n)
	}
	// Two paths first differ at the children of one node: both keys of
	// a table or both indices of a list.
	slices.SortFunc(hits, func(a, b found) int { return slices.Compare(a.order, b.order) })
	for _, h := range hits {
		f(h.path, h.n)
	}
}

// walkNodes calls f on every node below n with its path, keys sorted at
// each level. Siblings' paths share one backing array: f must not keep
// path.
func walkNodes(n *Node, path []string, f func([]string, *Node)) {
	if n == nil {
		return
	}
	f(path, n)
	switch n.Kind {
	case Table:
		if n.Len() == 1 {
			// A table of one field needs no sorted copy of its keys.
			for k, c := range n.Entries() {
				walkNodes(c, append(path, k), f)
			}
			return
		}
		for _, k := range n.Keys() {
			walkNodes(n.Get(k), append(path, k), f)
		}
	case List:
		for i, it := range n.Items {
			walkNodes(it, append(path, strconv.Itoa(i)), f)
		}
	}
}
