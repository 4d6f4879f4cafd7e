// Package eval owns the evaluation of a fleet: it stacks the layers of
// every host (module defaults, common, the profile chain, roles, users,
// the host itself), merges them by fleet's rules while keeping the
// provenance of every value, type-checks settings against the options the
// modules declare, and runs the built-in checks. Its result, one Host per
// machine, is the single input of generation, docs, tests and deploy.
package eval

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/parallel"
)

// Config holds what evaluation needs from outside the fleet's data.
type Config struct {
	// ReadOptions extracts the options a module declares. When nil,
	// settings are not type-checked.
	ReadOptions func(file string, src []byte) (*options.Module, []diag.Diagnostic)
	// CheckExpr syntax-checks the Nix source of an { expr = ... } value
	// written at pos; it returns diagnostics positioned in the TOML file.
	// When nil, expressions are not checked.
	CheckExpr func(pos diag.Pos, src string) []diag.Diagnostic
	// Hosts limits evaluation to these host names; nil evaluates all.
	Hosts []string
	// Upstream are the indexes of upstream options by class ("nixos",
	// "darwin", "home"): pass-through values of a class with an index
	// are checked against it, the others against the list of renames.
	Upstream map[string]*options.Index
	// Evaluated, when set, is called with each host as soon as it is
	// evaluated, from the goroutine that evaluated it (hosts are
	// evaluated in parallel), with its index in Fleet.Hosts and the
	// options the fleet's modules declare: work on a host's values done
	// here finds them still in the processor's caches.
	Evaluated func(i int, h *Host, options map[string]map[string]*options.Module)
}

// Fleet is an evaluated fleet.
type Fleet struct {
	Inv   *inventory.Inventory
	Hosts []*Host // sorted by name
	// Options are the options each module declares, by class and module.
	Options map[string]map[string]*options.Module
	// Homes are the users' standalone home-manager configurations; only
	// evaluated when every host is (Config.Hosts nil or naming them all).
	Homes []*Home
	// Definitions are the container catalog's definitions as evaluated:
	// the lowest layer of every instance, shared by all of them.
	Definitions map[string]*Node
	Diags       *diag.List
}

// Home is a user's standalone home-manager configuration.
type Home struct {
	Name         string
	User         *inventory.User
	System       string
	StateVersion string
	// Tree holds home_modules, home_packages, home_settings and home, as
	// users.<name> does on a host.
	Tree        *Node
	HomeModules []string
}

// Host returns the evaluated host called name, or nil.
func (f *Fleet) Host(name string) *Host {
	for _, h := range f.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Host is one evaluated machine.
type Host struct {
	Name         string
	Platform     inventory.Platform
	System       string
	Profile      string
	ProfileChain []string // root profile first
	Roles        []string
	Src          *inventory.Host
	// Tree holds every resolved value: modules, packages, settings,
	// nixos or darwin pass-through, users.<name>.{home_modules,
	// home_packages, home_settings, home}, and the host's own facts.
	Tree *Node
	// Modules are the enabled fleet modules, sorted.
	Modules []string
	// Containers are the enabled container instances (Tree's
	// containers.<name>), sorted by name; ContainerBackend is the
	// container_backend value (nil when no layer sets it).
	Containers       []ContainerInstance
	ContainerBackend *Node
	Users            []*HostUser
	// Secrets are the secrets the host's values reference.
	Secrets []SecretRef
	// Readable are the secret patterns the host's roles grant, with
	// hosts/<name>/* and the referenced secrets.
	Readable []string
	// Errors and Warnings count the diagnostics about this host.
	Errors, Warnings int
	files            []string // sorted, each once
}

// ContainerInstance is an enabled container instance of a host, with
// what evaluation knew of it as it built it: a reader finds its values
// without looking them up in the host's tree.
type ContainerInstance struct {
	Name string
	// Definition names its catalog definition ("" when there is none).
	Definition string
	// Table holds its values (Tree's containers.<Name>); Enable is its
	// enable value.
	Table, Enable *Node
	// AsDefined is true when the layers give the instance no value but
	// enable (and from): every other value is its definition's own node.
	AsDefined bool
	// Def is the definition's table (Fleet.Definitions), shared by every
	// instance of it; nil when there is none, or when the layers make
	// the instance something else than a table. Own lists the keys of
	// Table's values the layers give, but enable and from, sorted: any
	// other value of Table is Def's own node.
	Def *Node
	Own []string
}

// HostUser is a user living on a host, with the user's merged home.
type HostUser struct {
	Name        string
	User        *inventory.User
	HomeModules []string // enabled home modules, sorted
	// Toolsets are the toolsets the user gets on the host, in layer
	// order; their packages are in the user's home_packages.
	Toolsets []string
}

// SecretRef is a { secret = ... } value in a host's configuration.
type SecretRef struct {
	Name string   `json:"name"` // "category/name"
	Path string   `json:"path"` // the dotted path of the value
	Pos  diag.Pos `json:"pos"`
	// File is the secret's file relative to the fleet root, Format its
	// SOPS format (yaml, json, dotenv, binary) and Key the value inside it
	// ("" for binary files); all empty when the secret does not exist.
	File   string      `json:"file,omitempty"`
	Format string      `json:"format,omitempty"`
	Key    string      `json:"key,omitempty"`
	Opts   *SecretOpts `json:"options,omitempty"`
}

// ValueName names the value the reference reads: the secret's name, with
// the key appended when the reference picks one (app/db/password). It is
// the value's name in sops.secrets.
func (r SecretRef) ValueName() string {
	if r.Opts != nil && r.Opts.Key != "" {
		return r.Name + "/" + r.Opts.Key
	}
	return r.Name
}

// Evaluate evaluates the hosts of inv. Diagnostics of the inventory are not
// repeated; the result's Diags holds what evaluation found.
func Evaluate(ctx context.Context, inv *inventory.Inventory, cfg Config) (*Fleet, error) {
	e := &evaluator{inv: inv, cfg: cfg, diags: &diag.List{}, layerDiags: map[string]*layerCheck{}}
	e.readModules()
	e.definitions = make(map[string]*Node, len(inv.Containers))
	for _, name := range sortedMapKeys(inv.Containers) {
		def := inv.Containers[name]
		n := definitionNode(def)
		markShared(n)
		e.definitions[name] = n
		e.checkContainerSecrets(def.Body)
	}
	e.checkModuleBodies()
	e.checkReferences()
	e.checkFleetWide()
	hosts := inv.Hosts
	if cfg.Hosts != nil {
		hosts = nil
		chosen := make(map[string]bool, len(cfg.Hosts))
		for _, name := range cfg.Hosts {
			chosen[name] = true
		}
		for _, h := range inv.Hosts {
			if chosen[h.Name] {
				hosts = append(hosts, h)
			}
		}
	}
	out := make([]*Host, len(hosts))
	lists := make([]diag.List, len(hosts))
	// One worker per CPU takes host after host: a worker's stack, grown
	// by the first host's deep merges, serves the next ones.
	parallel.Each(len(hosts), func(i int) {
		if ctx.Err() != nil {
			return
		}
		out[i] = e.host(hosts[i], &lists[i])
		out[i].files = out[i].readFiles(inv)
		if cfg.Evaluated != nil {
			cfg.Evaluated(i, out[i], e.options)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Diagnostics about shared files (references, layer checks) count for
	// every host that reads the file; a host's own count for it alone.
	shared := &diag.List{}
	shared.Append(e.diags)
	for _, key := range sortedMapKeys(e.layerDiags) {
		shared.Append(&e.layerDiags[key].diags)
	}
	byFile := map[string][]diag.Diagnostic{}
	for _, d := range shared.Items() {
		byFile[d.Pos.File] = append(byFile[d.Pos.File], d)
	}
	for i, h := range out {
		own := lists[i].Items()
		for _, f := range h.files {
			own = append(own, byFile[f]...)
		}
		h.Errors, h.Warnings = 0, 0
		h.Count(own)
	}
	all := shared
	for i := range lists {
		all.Append(&lists[i])
	}
	f := &Fleet{Inv: inv, Hosts: out, Options: e.options, Definitions: e.definitions, Diags: all}
	// Standalone homes belong to the whole fleet: they are evaluated when
	// every host is, whether Hosts is nil or names them all.
	if len(hosts) == len(inv.Hosts) {
		for _, name := range sortedMapKeys(inv.Users) {
			if u := inv.Users[name]; u.Standalone != nil && u.Standalone.System.IsSet() {
				f.Homes = append(f.Homes, e.standalone(u, all))
			}
		}
	}
	return f, nil
}

// Count adds diagnostics to the host's error and warning counts.
func (h *Host) Count(ds []diag.Diagnostic) {
	for _, d := range ds {
		if d.Severity == diag.Error {
			h.Errors++
		} else {
			h.Warnings++
		}
	}
}

// Reads reports whether the host's evaluation read file (its host.toml,
// common, its profiles, roles and users, its containers' definitions).
func (h *Host) Reads(file string) bool {
	_, ok := slices.BinarySearch(h.files, file)
	return ok
}

// readFiles lists the files a host's evaluation reads, sorted, each once
// (a slice: a host reads a dozen files, and a map of them costs a
// kilobyte).
func (h *Host) readFiles(inv *inventory.Inventory) []string {
	layers := h.layers(inv)
	files := make([]string, 0, 1+len(layers)+len(h.Containers))
	files = append(files, h.Src.File)
	for _, ly := range layers {
		files = append(files, ly.File)
	}
	for _, c := range h.Containers {
		if def := inv.Containers[c.Definition]; def != nil {
			files = append(files, def.File) // its catalog definition
		}
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// layers returns the host's layers, lowest first (without users).
func (h *Host) layers(inv *inventory.Inventory) []*inventory.Layer {
	var out []*inventory.Layer
	if inv.Common != nil {
		out = append(out, inv.Common)
	}
	for _, p := range h.ProfileChain {
		out = append(out, &inv.Profiles[p].Layer)
	}
	for _, r := range h.Roles {
		if role := inv.Roles[r]; role != nil {
			out = append(out, &role.Layer)
		}
	}
	for _, u := range h.Users {
		out = append(out, &u.User.Layer)
	}
	return out
}

type evaluator struct {
	inv   *inventory.Inventory
	cfg   Config
	diags *diag.List
	// options and trees by class ("nixos", "darwin", "home") and module.
	options map[string]map[string]*options.Module
	trees   map[string]map[string]*optTree
	// defaultTrees are the modules' declared defaults by class and
	// module, shared by every host.
	defaultTrees map[string]map[string]*Node
	// definitions are the container definitions as the lowest layer of
	// their instances, by name, built once and shared by every instance.
	definitions map[string]*Node

	mu         sync.Mutex
	layerDiags map[string]*layerCheck
	// bases are the merges of common and profile chains shared by hosts.
	bases map[string]*baseMerge
	// overlays are the overlays of shared values on module defaults.
	overlays overlayMemo
	// parts are the values of shared layers (roles, users' files) turned
	// into nodes once, shared by every host that stacks them.
	parts map[layerPart]*convertedPart
	// tied are the settings paths tied to hardware facts, by class.
	tiedOnce   sync.Once
	tied       map[string][][]string
	keySources keySources
}

type layerCheck struct {
	once  sync.Once
	diags diag.List
}

// readModules extracts the options of every module, in parallel.
func (e *evaluator) readModules() {
	e.options = map[string]map[string]*options.Module{}
	e.trees = map[string]map[string]*optTree{}
	e.defaultTrees = map[string]map[string]*Node{}
	type job struct {
		class string
		mod   *inventory.Module
	}
	var jobs []job
	for _, class := range []string{"nixos", "darwin", "home"} {
		e.options[class] = map[string]*options.Module{}
		e.trees[class] = map[string]*optTree{}
		e.defaultTrees[class] = map[string]*Node{}
		for _, name := range sortedMapKeys(e.inv.Modules[class]) {
			jobs = append(jobs, job{class, e.inv.Modules[class][name]})
		}
	}
	if e.cfg.ReadOptions == nil {
		return
	}
	results := make([]*options.Module, len(jobs))
	lists := make([]diag.List, len(jobs))
	parallel.Each(len(jobs), func(i int) {
		j := jobs[i]
		m, ds := e.cfg.ReadOptions(j.mod.File, j.mod.Src)
		for _, d := range ds {
			lists[i].Add(d)
		}
		results[i] = m
	})
	for i, j := range jobs {
		e.diags.Append(&lists[i])
		if results[i] == nil {
			continue
		}
		m := results[i]
		e.options[j.class][j.mod.Name] = m
		tree := newOptTree(m.Options, []string{"fleet", j.mod.Name})
		info := &moduleInfo{open: m.Open, file: j.mod.File}
		switch {
		case len(tree.children) == 0 && len(m.Options) > 0:
			o := m.Options[0]
			info.elsewhere = strings.Join(o.Path[:min(len(o.Path), 2)], ".")
			e.diags.Warnf(o.Pos, "option-namespace", "module %s declares no options under fleet.%s (it declares %s)", j.mod.Name, j.mod.Name, strings.Join(o.Path, ".")).
				Hint("fleet sets a module's [settings.%s] as fleet.%s.*: declare options.fleet.%s.* for fleet to check them", j.mod.Name, j.mod.Name, j.mod.Name)
		case !lists[i].HasErrors() && !hasEnable(m, j.mod.Name) && m.Open == nil:
			e.diags.Errorf(diag.Pos{File: j.mod.File, Line: 1, Col: 1}, "module-enable", "module %s declares no option fleet.%s.enable", j.mod.Name, j.mod.Name).
				Hint("every host of the platform imports the module: declare options.fleet.%s.enable = lib.mkEnableOption \"...\"; and wrap its config in lib.mkIf config.fleet.%s.enable", j.mod.Name, j.mod.Name)
		}
		tree.setModule(info)
		e.trees[j.class][j.mod.Name] = tree
		e.defaultTrees[j.class][j.mod.Name] = moduleDefaults(m, j.mod.Name)
		checkDefaults(e.diags, m.Options, "")
	}
}

// hasEnable reports whether a module declares fleet.<name>.enable, the
// switch every fleet module is turned on by.
func hasEnable(m *options.Module, name string) bool {
	for _, o := range m.Options {
		if slices.Equal(o.Path, []string{"fleet", name, "enable"}) {
			return true
		}
	}
	return false
}

// once runs check for a key exactly once across all hosts; its diagnostics
// are reported once.
func (e *evaluator) once(key string, check func(*diag.List)) {
	lc := parallel.Slot(&e.mu, &e.layerDiags, key)
	lc.once.Do(func() { check(&lc.diags) })
}

// moduleNames returns the module names of the given classes, sorted.
func (e *evaluator) moduleNames(classes ...string) []string {
	var out []string
	for _, c := range classes {
		out = append(out, sortedMapKeys(e.inv.Modules[c])...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkReferences checks what shared layers name: profiles' parents,
// modules, home modules, secrets.
func (e *evaluator) checkReferences() {
	for _, n := range sortedMapKeys(e.inv.Profiles) {
		p := e.inv.Profiles[n]
		if p.Extends.IsSet() && e.inv.Profiles[p.Extends.V] == nil {
			e.unknown(p.Extends, "profile", sortedMapKeys(e.inv.Profiles), "profiles/%s.toml")
		}
	}
	e.checkCycles()
	layers := e.inv.SharedLayers()
	for _, h := range e.inv.Hosts {
		layers = append(layers, &h.Layer)
	}
	system := e.moduleNames("nixos", "darwin")
	home := e.moduleNames("home")
	for _, ly := range layers {
		for _, m := range ly.Modules {
			if !slices.Contains(system, m.V) {
				e.unknownModule(m, system, "nixos or darwin", ly)
			}
		}
		e.checkSettingsModules(ly.Settings, system, "settings", "modules/nixos/%s or modules/darwin/%s")
		e.checkSettingsModules(ly.Force.Settings, system, "settings", "modules/nixos/%s or modules/darwin/%s")
		for _, m := range ly.HomeModules {
			if !slices.Contains(home, m.V) {
				e.unknownModule(m, home, "home", ly)
			}
		}
		for _, t := range ly.Toolsets {
			if e.inv.Toolsets[t.V] == nil {
				e.unknown(t, "toolset", sortedMapKeys(e.inv.Toolsets), "toolsets/%s.toml")
			}
		}
		e.checkSettingsModules(ly.HomeSettings, home, "home_settings", "modules/home/%s")
		e.checkSettingsModules(ly.Force.HomeSettings, home, "home_settings", "modules/home/%s")
		e.checkExprs(ly)
		if c := ly.Containers; c != nil {
			for _, x := range c.Entries() {
				e.checkContainerSecrets(x)
			}
		}
		e.checkRenames(ly)
	}
}

func (e *evaluator) unknownModule(m inventory.Str, known []string, class string, ly *inventory.Layer) {
	d := e.diags.Errorf(m.Pos, "unknown-module", "no %s module named %q", class, m.V)
	if hint := diag.DidYouMean(m.V, known); hint != "" {
		d.Hint("%s", hint)
	} else if class == "home" {
		d.Hint("create modules/home/%s/default.nix", m.V)
	} else {
		d.Hint("create modules/nixos/%s/default.nix or modules/darwin/%s/default.nix", m.V, m.V)
	}
}

func (e *evaluator) checkSettingsModules(t *inventory.Value, known []string, key, want string) {
	if t == nil {
		return
	}
	for k, f := range t.Entries() {
		if slices.Contains(known, k) {
			continue
		}
		d := e.diags.Errorf(f.KeyPos, "unknown-module", "[%s.%s] names no module", key, inventory.QuoteKey(k))
		if hint := diag.DidYouMean(k, known); hint != "" {
			d.Hint("%s", hint)
		} else {
			d.Hint("create "+want+"/default.nix", k, k)
		}
	}
}

func (e *evaluator) unknown(s inventory.Str, what string, known []string, create string) {
	d := e.diags.Errorf(s.Pos, "unknown-"+what, "no %s named %q", what, s.V)
	if hint := diag.DidYouMean(s.V, known); hint != "" {
		d.Hint("%s", hint)
	} else {
		d.Hint("create "+create, s.V)
	}
}

// checkCycles reports profiles whose extends chain loops.
func (e *evaluator) checkCycles() {
	reported := map[string]bool{}
	for _, n := range sortedMapKeys(e.inv.Profiles) {
		seen := []string{}
		cur := n
		for cur != "" {
			if i := slices.Index(seen, cur); i >= 0 {
				cycle := append(slices.Clone(seen[i:]), cur)
				key := slices.Min(seen[i:])
				if !reported[key] {
					reported[key] = true
					p := e.inv.Profiles[key]
					d := e.diags.Errorf(p.Extends.Pos, "cycle", "profiles extend each other in a cycle: %s", strings.Join(rotate(cycle, key), " -> "))
					for _, c := range seen[i:] {
						if c != key {
							d.Also(e.inv.Profiles[c].Extends.Pos, "profile %s extends %s", c, e.inv.Profiles[c].Extends.V)
						}
					}
					d.Hint("remove one of the extends")
				}
				break
			}
			seen = append(seen, cur)
			p := e.inv.Profiles[cur]
			if p == nil {
				break
			}
			cur = p.Extends.V
		}
	}
}

// rotate returns cycle (first == last) starting at start.
func rotate(cycle []string, start string) []string {
	body := cycle[:len(cycle)-1]
	i := slices.Index(body, start)
	out := append(slices.Clone(body[i:]), body[:i]...)
	return append(out, start)
}

// profileChain returns the host's profile chain, root first, or nil when
// the profile is unknown or cyclic (already reported).
func (e *evaluator) profileChain(name string) []string {
	var chain []string
	for cur := name; cur != ""; {
		p := e.inv.Profiles[cur]
		if p == nil || slices.Contains(chain, cur) {
			return nil
		}
		chain = append(chain, cur)
		cur = p.Extends.V
	}
	slices.Reverse(chain)
	return chain
}

// checkContainerSecrets checks the { secret = ... } values of a container
// definition or instance t. Reading the file kept them only as the
// values of environment and secret_files: the other keys take no secret.
func (e *evaluator) checkContainerSecrets(t *inventory.Value) {
	for _, key := range [...]string{"environment", "secret_files"} {
		if vs := t.Get(key); vs != nil {
			for _, v := range vs.Entries() {
				if inventory.SpecialKind(v) == "secret" {
					e.checkSecretValue(v)
				}
			}
		}
	}
}

// checkExprs syntax-checks the { expr = ... } values of a layer.
func (e *evaluator) checkExprs(ly *inventory.Layer) {
	for _, t := range []*inventory.Value{ly.Settings, ly.HomeSettings, ly.NixOS, ly.Darwin, ly.Home, ly.Force.Settings, ly.Force.HomeSettings, ly.Force.NixOS, ly.Force.Darwin, ly.Force.Home} {
		walkValues(t, func(v *inventory.Value) {
			switch inventory.SpecialKind(v) {
			case "expr":
				src := v.Get("expr")
				if src.Kind != inventory.String {
					e.diags.Errorf(src.Pos, "type", "expr must be a string of Nix source")
					return
				}
				if e.cfg.CheckExpr != nil {
					for _, d := range e.cfg.CheckExpr(src.Pos, src.Str) {
						e.diags.Add(d)
					}
				}
			case "secret":
				e.checkSecretValue(v)
			}
		})
	}
}

// checkSecretValue checks the keys of a { secret = ... } value.
func (e *evaluator) checkSecretValue(v *inventory.Value) {
	wrongType := func(f *inventory.Value, k, want string) {
		e.diags.Errorf(f.Pos, "type", "%s must be %s, not %s", k, want, f.Describe())
	}
	for k, f := range v.Entries() {
		switch k {
		case "secret", "key", "owner", "group", "mode":
			if f.Kind != inventory.String {
				wrongType(f, k, "a string")
			}
		case "restart_units":
			if f.Kind != inventory.Array {
				wrongType(f, k, "an array of unit names")
			}
		default:
			e.diags.Errorf(f.KeyPos, "unknown-key", "unknown key %q in a secret value", k).
				Hint("a secret value takes %s", strings.Join(inventory.SecretKeys, ", "))
		}
	}
	if s := v.Get("secret"); s.Kind == inventory.String && !secretNameRE.MatchString(strings.ReplaceAll(s.Str, HostPlaceholder, "host")) {
		e.diags.Errorf(s.Pos, "value", "%q is not a secret name: use category/name, as in secrets/category/name.yaml", s.Str).
			Hint("%s stands for the host's name, as in hosts/%s/password", HostPlaceholder, HostPlaceholder)
	}
	if m := v.Get("mode"); m != nil && m.Kind == inventory.String && !modeRE.MatchString(m.Str) {
		e.diags.Errorf(m.Pos, "value", "mode must be an octal file mode such as \"0400\", not %q", m.Str)
	}
}

var (
	secretNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$`)
	modeRE       = regexp.MustCompile(`^0[0-7]{3}$`)
)

// walkValues calls f on every value below t, containers included.
func walkValues(t *inventory.Value, f func(*inventory.Value)) {
	if t == nil {
		return
	}
	f(t)
	switch t.Kind {
	case inventory.Table:
		if inventory.IsSpecial(t) {
			return
		}
		for _, x := range t.Entries() {
			walkValues(x, f)
		}
	case inventory.Array:
		for _, e := range t.List {
			walkValues(e, f)
		}
	}
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// hasModule reports whether a module of the class ("nixos", "darwin" or
// "home") exists.
func (e *evaluator) hasModule(class, name string) bool {
	return e.inv.Modules[class][name] != nil
}

func moduleFile(class, name string) string {
	return fmt.Sprintf("modules/%s/%s/default.nix", class, name)
}
