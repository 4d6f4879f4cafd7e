package generate

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/parallel"
)

// hostGen renders one host's module.
type hostGen struct {
	f     *eval.Fleet
	h     *eval.Host
	diags *diag.List
	// ctrs are the host's container instances (their problems are
	// reported by fleet check, not here), taken from checked when the
	// fleet's containers were read already.
	ctrs    *containers.Host
	checked *containers.Fleet
	// homes holds the home-manager modules rendered from home trees that
	// evaluation shares between hosts (nil: render each).
	homes *homeMemo
	vals  *valueMemo
	// catalog holds the entries of the catalog's definitions that
	// instances refer to (nil: each instance's entry is written whole);
	// usesCatalog is set when the host's file refers to one.
	catalog     *catalog
	usesCatalog bool
	// buf is storage module renders into (it may be nil).
	buf []byte
}

// valueMemo holds the values of shared nodes (settings and pass-through
// values that evaluation shares between hosts), built once into frozen
// subtrees that every host with those values grafts.
type valueMemo struct {
	mu sync.Mutex
	m  map[valueKey]*builtValues
}

type valueKey struct {
	node  *eval.Node
	path  string
	first *options.Option // the module's options, by their first one
}

type builtValues struct {
	once  sync.Once
	tree  *tree
	diags diag.List
}

// valuesAt puts n's values at key k of t, as values does. A shared table
// is built once for every host and grafted.
func (g *hostGen) valuesAt(t *tree, k string, n *eval.Node, path []string, opts []*options.Option) {
	if g.vals == nil || n.Kind != eval.Table || !n.Shared() {
		g.values(t.child(k), n, path, opts)
		return
	}
	key := valueKey{node: n, path: strings.Join(path, "\x00")}
	if len(opts) > 0 {
		key.first = opts[0]
	}
	b := parallel.Slot(&g.vals.mu, &g.vals.m, key)
	b.once.Do(func() {
		once := &hostGen{f: g.f, h: g.h, diags: &b.diags, vals: g.vals}
		b.tree = newTree()
		once.values(b.tree, n, slices.Clone(path), opts)
		b.tree.freeze()
	})
	g.diags.Append(&b.diags)
	t.graft(k, b.tree)
}

// homeMemo holds the home-manager modules of users' shared home trees,
// rendered once for every host whose user has that tree.
type homeMemo struct {
	mu sync.Mutex
	m  map[homeKey]*renderedHome
}

type homeKey struct {
	tree         *eval.Node
	user         *inventory.User
	stateVersion string
}

type renderedHome struct {
	once  sync.Once
	expr  build.Expr
	diags diag.List
}

// hostRoot is the fleet's root as seen from generated/hosts/.
const hostRoot = "../../"

// rel returns the path of a fleet file as seen from generated/hosts/.
func rel(p string) build.Expr { return build.Path(hostRoot + p) }

func (g *hostGen) module() []byte {
	h := g.h
	class := string(h.Platform)
	t := newTree()

	imports := []build.Expr{build.Path("../fleet.nix"), build.Path("../modules/" + class + ".nix")}
	for _, f := range h.Src.NixFiles {
		imports = append(imports, rel(f))
	}
	t.set([]string{"imports"}, build.List(imports...))

	ident := t.child("networking")
	ident.blank = true
	t.set([]string{"networking", "hostName"}, build.Str(h.Name))
	t.set([]string{"nixpkgs", "hostPlatform"}, build.Str(h.System))
	if sv := h.Src.StateVersion; sv != nil {
		if sv.Kind == inventory.Int {
			t.set([]string{"system", "stateVersion"}, build.Int(sv.Int))
		} else {
			t.set([]string{"system", "stateVersion"}, build.Str(sv.Str))
		}
	}
	if pk := g.f.Inv.Fleet.Deploy.PublicKey.V; pk != "" {
		// fleet deploy signs closures with the fleet's key: the host's
		// Nix accepts them whoever copies them. extra- keeps the
		// default keys (cache.nixos.org).
		t.set([]string{"nix", "settings", "extra-trusted-public-keys"}, build.List(build.Str(pk)))
	}
	t.set([]string{"fleet", "host"}, g.hostFacts())
	t.child("fleet").blank = true

	settings := h.Tree.Get("settings")
	for _, m := range settings.Keys() {
		node := settings.Fields.At(m)
		if node.OnlyDefault() {
			continue
		}
		g.valuesAt(t.child("fleet"), m, node, []string{"fleet", m}, g.optionsOf(class, m))
	}
	if pkgs := h.Tree.Get("packages"); len(pkgs.Items) > 0 {
		t.set([]string{"environment", "systemPackages"}, packageList(pkgs.Items))
		t.child("environment").blank = true
	}
	g.users(t)
	if g.checked != nil {
		g.ctrs = g.checked.Host(h.Name)
	}
	if g.ctrs == nil {
		g.ctrs = containers.ForHost(g.f.Inv, h, &diag.List{})
	}
	g.secrets(t) // after ctrs: the containers that mount a secret restart with it
	g.containers(t)

	if pass := h.Tree.Get(class); pass != nil && pass.Fields.Len() > 0 {
		first := true
		for _, k := range pass.Keys() {
			n := t.child(k)
			if first && len(n.leaves) == 0 && len(n.kids) == 0 {
				n.comments = []string{"Pass-through values from the fleet's layers."}
				n.blank = true
				first = false
			}
			g.valuesAt(t, k, pass.Fields.At(k), []string{k}, nil)
		}
	}

	header := []string{headerText, fmt.Sprintf("Host %s (%s, %s).", h.Name, h.Platform, h.System)}
	if d := h.Src.Description.V; d != "" {
		header[1] = fmt.Sprintf("Host %s (%s, %s): %s", h.Name, h.Platform, h.System, d)
	}
	var body build.Expr = t.attrs()
	if g.usesCatalog {
		body = build.Let(g.catalog.bind, body)
	}
	return renderInto(g.buf, g.diags, header, build.Func([]string{"config", "lib", "pkgs", "..."}, body))
}

// moduleList renders generated/modules/<class>.nix: a module importing
// every fleet module of the class and common/<class>.nix, so that host
// files import one path.
func moduleList(inv *inventory.Inventory, class string, dl *diag.List) []byte {
	imports := []build.Expr{}
	if c, ok := inv.CommonNix[class]; ok {
		imports = append(imports, rel(c))
	}
	for _, name := range sortedKeys(inv.Modules[class]) {
		imports = append(imports, moduleImport(inv.Modules[class][name]))
	}
	a := build.Attrs()
	a.SetPath([]string{"imports"}, build.List(imports...))
	return render(dl, []string{headerText, fmt.Sprintf("Every %s module of the fleet; each does nothing until enabled.", class)}, a)
}

// moduleImport is the import path of a module: its folder for
// <name>/default.nix, or the file.
func moduleImport(m *inventory.Module) build.Expr {
	if path.Base(m.File) == "default.nix" {
		return rel(path.Dir(m.File))
	}
	return rel(m.File)
}

// hostFacts renders config.fleet.host: the host's own facts for modules
// to read (hardware, roles, ...).
func (g *hostGen) hostFacts() *build.AttrSet {
	h := g.h
	a := build.Attrs().Grow(6)
	a.Set("name", build.Str(h.Name))
	a.Set("platform", build.Str(string(h.Platform)))
	a.Set("system", build.Str(h.System))
	a.Set("profile", strOrNull(h.Profile))
	a.Set("roles", strList(h.Roles))
	hw := h.Src.Hardware
	hwa := build.Attrs().Grow(7)
	hwa.Set("firmware", strOrNull(hw.Firmware.V))
	hwa.Set("bootDisk", strOrNull(hw.BootDisk.V))
	hwa.Set("partitionTable", strOrNull(hw.PartitionTable.V))
	hwa.Set("biosBootPartition", build.Bool(hw.BIOSBootPartition.V))
	gpu := hw.GPU.V
	if gpu == "" {
		gpu = "none"
	}
	hwa.Set("gpu", build.Str(gpu))
	if hw.MemoryGB.IsSet() {
		hwa.Set("memoryGB", build.Int(hw.MemoryGB.V))
	} else {
		hwa.Set("memoryGB", build.Null())
	}
	hwa.Set("cpu", strOrNull(hw.CPU.V))
	a.Set("hardware", hwa)
	return a
}

func strOrNull(s string) build.Expr {
	if s == "" {
		return build.Null()
	}
	return build.Str(s)
}

func strList(ss []string) build.Expr {
	l := make([]build.Expr, len(ss))
	for k, s := range ss {
		l[k] = build.Str(s)
	}
	return build.ListOf(l)
}

// packageList renders package names as pkgs.<name>.
func packageList(items []*eval.Node) build.Expr {
	l := []build.Expr{}
	for _, it := range items {
		l = append(l, pkgRef(it.Str))
	}
	return build.List(l...)
}

func pkgRef(name string) build.Expr {
	return build.Select(build.Var("pkgs"), strings.Split(name, ".")...)
}

// optionsOf returns the options a module of the class declares.
func (g *hostGen) optionsOf(class, module string) []*options.Option {
	if m := g.f.Options[class][module]; m != nil {
		return m.Options
	}
	return nil
}

// values puts a resolved node into the tree at t. opts are the options
// of the module the values belong to (nil for pass-through): a value of
// an option typed as a package becomes pkgs.<name>.
func (g *hostGen) values(t *tree, n *eval.Node, path []string, opts []*options.Option) {
	if n.OnlyDefault() {
		return
	}
	if n.Kind == eval.Table {
		for _, k := range enableFirst(n.Keys()) {
			if !n.Fields.At(k).OnlyDefault() {
				// path is not kept below: children extend one backing
				// array, each sibling overwriting the last one's key.
				g.valuesAt(t, k, n.Fields.At(k), append(path, k), opts)
			}
		}
		return
	}
	t.leaves = append(t.leaves, g.value(n, path, optionType(opts, path)))
}

// enableFirst puts "enable" before the other keys, which stay sorted.
func enableFirst(keys []string) []string {
	if i := slices.Index(keys, "enable"); i > 0 {
		keys = append(append([]string{"enable"}, keys[:i]...), keys[i+1:]...)
	}
	return keys
}

// optionType finds the declared type of the option at path.
func optionType(opts []*options.Option, path []string) *options.Type {
	for _, o := range opts {
		if slices.Equal(o.Path, path) {
			return o.Type
		}
	}
	return nil
}

// value renders one resolved value.
func (g *hostGen) value(n *eval.Node, path []string, typ *options.Type) build.Expr {
	switch n.Kind {
	case eval.String:
		if isPackage(typ) {
			return pkgRef(n.Str)
		}
		return build.Str(n.Str)
	case eval.Datetime:
		return build.Str(n.Str)
	case eval.Int:
		return build.Int(n.Int)
	case eval.Float:
		f, err := build.Float(n.Float)
		if err != nil {
			w := n.Won()
			g.diags.Errorf(w.Pos, "generate", "%s = %s has no Nix literal", strings.Join(path, "."), n.Describe()).
				Hint(`write it as { expr = "..." }`)
			return build.Null()
		}
		return f
	case eval.Bool:
		return build.Bool(n.Bool)
	case eval.Null:
		return build.Null()
	case eval.Secret:
		return build.Select(build.Var("config"), "sops", "secrets", g.secretRef(n).ValueName(), "path")
	case eval.Expr:
		e, ds := build.Raw(n.Str, n.Won().Pos)
		for _, d := range ds {
			g.diags.Add(d)
		}
		if e == nil {
			return build.Null()
		}
		return e
	case eval.List:
		var elem *options.Type
		if typ != nil && typ.Kind == options.ListOf {
			elem = typ.Elem
		}
		l := []build.Expr{}
		for _, it := range n.Items {
			l = append(l, g.value(it, path, elem))
		}
		return build.List(l...)
	case eval.Table:
		sub := newTree()
		for _, k := range n.Keys() {
			var elem *options.Type
			if typ != nil && typ.Kind == options.AttrsOf {
				elem = typ.Elem
			}
			sub.child(k).leaves = append(sub.child(k).leaves, g.value(n.Fields.At(k), append(slices.Clone(path), k), elem))
		}
		return sub.attrs()
	}
	return build.Null()
}

func isPackage(t *options.Type) bool {
	for t != nil && t.Kind == options.NullOr {
		t = t.Elem
	}
	return t != nil && t.Kind == options.Package
}

// secretRef finds the reference for a secret node.
func (g *hostGen) secretRef(n *eval.Node) eval.SecretRef {
	for _, r := range g.h.Secrets {
		if r.Name == n.Str && sameOpts(r.Opts, n.SecretOpts) {
			return r
		}
	}
	return eval.SecretRef{Name: n.Str, Opts: n.SecretOpts}
}

func sameOpts(a, b *eval.SecretOpts) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Key == b.Key && a.Owner == b.Owner && a.Group == b.Group && a.Mode == b.Mode && slices.Equal(a.RestartUnits, b.RestartUnits) && a.NeededForUsers == b.NeededForUsers
}

// users renders the host's accounts and their home-manager configuration.
func (g *hostGen) users(t *tree) {
	h := g.h
	if len(h.Users) == 0 {
		return
	}
	darwin := h.Platform == inventory.Darwin
	shells := map[string]bool{}
	primary := ""
	for _, hu := range h.Users {
		u := hu.User
		t.child("users").blank = true
		acct := t.at("users", "users", hu.Name)
		if !darwin {
			acct.set([]string{"isNormalUser"}, build.Bool(true))
		}
		if u.Description.IsSet() {
			acct.set([]string{"description"}, build.Str(u.Description.V))
		}
		if darwin {
			acct.set([]string{"home"}, build.Str("/Users/"+hu.Name))
		}
		if u.UID.IsSet() && !darwin {
			acct.set([]string{"uid"}, build.Int(u.UID.V))
		}
		var groups []string
		if u.Admin.V && !darwin {
			groups = append(groups, "wheel")
		}
		groups = append(groups, inventory.Names(u.Groups)...)
		if len(groups) > 0 && !darwin {
			acct.set([]string{"extraGroups"}, strList(dedupe(groups)))
		}
		if u.Shell.IsSet() {
			acct.set([]string{"shell"}, pkgRef(u.Shell.V))
			if u.Shell.V != "bash" {
				shells[u.Shell.V] = true
			}
		}
		if len(u.SSHKeys) > 0 {
			acct.set([]string{"openssh", "authorizedKeys", "keys"}, strList(inventory.Names(u.SSHKeys)))
		}
		if ref, ok := g.passwordRef(hu.Name); ok {
			acct.set([]string{"hashedPasswordFile"}, build.Select(build.Var("config"), "sops", "secrets", ref.ValueName(), "path"))
		}
		if primary == "" && (u.Admin.V || len(h.Users) == 1) {
			primary = hu.Name
		}
	}
	for _, sh := range sortedKeys(shells) {
		t.set([]string{"programs", sh, "enable"}, build.Bool(true))
	}
	if darwin {
		if primary == "" {
			primary = h.Users[0].Name
		}
		t.set([]string{"system", "primaryUser"}, build.Str(primary))
	}
	for _, hu := range h.Users {
		t.set([]string{"home-manager", "users", hu.Name}, g.home(hu))
	}
	t.child("home-manager").blank = true
}

// passwordRef finds the secret reference of a user's password hash.
func (g *hostGen) passwordRef(user string) (eval.SecretRef, bool) {
	for _, r := range g.h.Secrets {
		if r.Path == eval.PasswordPath(user) {
			return r, true
		}
	}
	return eval.SecretRef{}, false
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// home renders one user's home-manager module on the host.
func (g *hostGen) home(hu *eval.HostUser) build.Expr {
	h := g.h
	hsv := h.Src.HomeStateVersion.V
	if hsv == "" && h.Src.StateVersion != nil && h.Src.StateVersion.Kind == inventory.String {
		hsv = h.Src.StateVersion.Str
	}
	ut := h.Tree.Lookup("users", hu.Name)
	if g.homes == nil || !ut.Shared() {
		return g.homeTree(ut, hu.User, hsv).attrs()
	}
	key := homeKey{ut, hu.User, hsv}
	r := parallel.Slot(&g.homes.mu, &g.homes.m, key)
	r.once.Do(func() {
		once := &hostGen{f: g.f, h: g.h, diags: &r.diags, vals: g.vals}
		r.expr = once.homeTree(ut, hu.User, hsv).attrs()
	})
	g.diags.Append(&r.diags)
	return r.expr
}

// homeTree renders a user's resolved home values (home_modules,
// home_packages, home_settings, home) as a home-manager module.
func (g *hostGen) homeTree(ut *eval.Node, user *inventory.User, stateVersion string) *tree {
	t := newTree()
	// The fleet's home modules come through home-manager.sharedModules
	// (or the standalone configuration's modules); only the user's own
	// home.nix is imported here.
	if user.HomeNix != "" {
		t.set([]string{"imports"}, build.List(rel(user.HomeNix)))
	}
	if stateVersion != "" {
		t.set([]string{"home", "stateVersion"}, build.Str(stateVersion))
	}
	settings := ut.Get("home_settings")
	for _, m := range settings.Keys() {
		node := settings.Fields.At(m)
		if node.OnlyDefault() {
			continue
		}
		g.valuesAt(t.child("fleet"), m, node, []string{"fleet", m}, g.optionsOf("home", m))
	}
	if pkgs := ut.Get("home_packages"); len(pkgs.Items) > 0 {
		t.set([]string{"home", "packages"}, packageList(pkgs.Items))
	}
	if pass := ut.Get("home"); pass != nil {
		for _, k := range pass.Keys() {
			g.valuesAt(t, k, pass.Fields.At(k), []string{k}, nil)
		}
	}
	return t
}

// standaloneHome renders generated/homes/<user>.nix: a user's home for
// home-manager on its own (homeConfigurations.<user>).
func standaloneHome(f *eval.Fleet, home *eval.Home, dl *diag.List) []byte {
	g := &hostGen{f: f, diags: dl}
	t := g.homeTree(home.Tree, home.User, home.StateVersion)
	dir := "/home/" + home.Name
	if strings.HasSuffix(home.System, "-darwin") {
		dir = "/Users/" + home.Name
	}
	t.set([]string{"home", "username"}, build.Str(home.Name))
	t.set([]string{"home", "homeDirectory"}, build.Str(dir))
	header := []string{headerText, fmt.Sprintf("The standalone home of %s (%s).", home.Name, home.System)}
	return render(dl, header, build.Func([]string{"config", "lib", "pkgs", "..."}, t.attrs()))
}

// secrets declares the sops-nix secrets the host's values reference.
func (g *hostGen) secrets(t *tree) {
	done := map[string]bool{}
	units := g.secretUnits()
	for _, r := range g.h.Secrets {
		name := r.ValueName()
		if done[name] || r.File == "" {
			continue
		}
		done[name] = true
		a := build.Attrs()
		a.SetPath([]string{"sopsFile"}, rel(r.File))
		if r.Format != "yaml" {
			a.SetPath([]string{"format"}, build.Str(r.Format))
		}
		if r.Key != "" && r.Key != name {
			a.SetPath([]string{"key"}, build.Str(r.Key))
		}
		if o := r.Opts; o != nil {
			if o.Owner != "" {
				a.SetPath([]string{"owner"}, build.Str(o.Owner))
			}
			if o.Group != "" {
				a.SetPath([]string{"group"}, build.Str(o.Group))
			}
			if o.Mode != "" {
				a.SetPath([]string{"mode"}, build.Str(o.Mode))
			}
			if o.NeededForUsers {
				a.SetPath([]string{"neededForUsers"}, build.Bool(true))
			}
		}
		// The containers that mount the secret as a file restart when
		// it changes, as they would with the units it names.
		var restart []string
		if r.Opts != nil {
			restart = slices.Clone(r.Opts.RestartUnits)
		}
		for _, u := range units[name] {
			if !slices.Contains(restart, u) {
				restart = append(restart, u)
			}
		}
		if len(restart) > 0 {
			a.SetPath([]string{"restartUnits"}, strList(restart))
		}
		t.set([]string{"sops", "secrets", name}, a)
		t.child("sops").blank = true
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
