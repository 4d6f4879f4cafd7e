package generate

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// hostGen renders one host's module.
type hostGen struct {
	f     *eval.Fleet
	h     *eval.Host
	diags *diag.List
}

// rel returns the path of a fleet file as seen from generated/hosts/.
func rel(p string) raw { return raw("../../" + p) }

// SopsSecretName is the name of a secret in sops.secrets: the secret's
// name, with the key appended when the reference picks one.
func SopsSecretName(r eval.SecretRef) string {
	if r.Opts != nil && r.Opts.Key != "" {
		return r.Name + "/" + r.Opts.Key
	}
	return r.Name
}

func (g *hostGen) module() []byte {
	h := g.h
	class := string(h.Platform)
	t := newTree()

	imports := list{raw("../fleet.nix"), raw("../modules/" + class + ".nix")}
	for _, f := range h.Src.NixFiles {
		imports = append(imports, rel(f))
	}
	t.set([]string{"imports"}, imports)

	ident := t.child("networking")
	ident.blank = true
	t.set([]string{"networking", "hostName"}, str(h.Name))
	t.set([]string{"nixpkgs", "hostPlatform"}, str(h.System))
	if sv := h.Src.StateVersion; sv != nil {
		if sv.Kind == inventory.Int {
			t.set([]string{"system", "stateVersion"}, integer(sv.Int))
		} else {
			t.set([]string{"system", "stateVersion"}, str(sv.Str))
		}
	}
	t.set([]string{"fleet", "host"}, g.hostFacts())
	t.child("fleet").blank = true

	settings := h.Tree.Get("settings")
	for _, m := range settings.Keys() {
		node := settings.Fields[m]
		if node.OnlyDefault() {
			continue
		}
		g.values(t.at("fleet", m), node, []string{"fleet", m}, g.optionsOf(class, m))
	}
	if pkgs := h.Tree.Get("packages"); len(pkgs.Items) > 0 {
		t.set([]string{"environment", "systemPackages"}, packageList(pkgs.Items))
		t.child("environment").blank = true
	}
	g.users(t)
	g.secrets(t)

	if pass := h.Tree.Get(class); pass != nil && len(pass.Fields) > 0 {
		first := true
		for _, k := range pass.Keys() {
			n := t.child(k)
			if first && len(n.leaves) == 0 && len(n.keys) == 0 {
				n.comments = []string{"Pass-through values from the fleet's layers."}
				n.blank = true
				first = false
			}
			g.values(n, pass.Fields[k], []string{k}, nil)
		}
	}

	header := []string{headerText, fmt.Sprintf("Host %s (%s, %s).", h.Name, h.Platform, h.System)}
	if d := h.Src.Description.V; d != "" {
		header[1] = fmt.Sprintf("Host %s (%s, %s): %s", h.Name, h.Platform, h.System, d)
	}
	body := t.attrs()
	return render(header, &lambda{formals: []string{"config", "lib", "pkgs", "..."}, body: body})
}

// moduleList renders generated/modules/<class>.nix: a module importing
// every fleet module of the class and common/<class>.nix, so that host
// files import one path.
func moduleList(inv *inventory.Inventory, class string) []byte {
	imports := list{}
	if c, ok := inv.CommonNix[class]; ok {
		imports = append(imports, rel(c))
	}
	for _, name := range sortedKeys(inv.Modules[class]) {
		imports = append(imports, moduleImport(inv.Modules[class][name]))
	}
	a := &attrs{}
	a.add([]string{"imports"}, imports)
	return render([]string{headerText, fmt.Sprintf("Every %s module of the fleet; each does nothing until enabled.", class)}, a)
}

// moduleImport is the import path of a module: its folder for
// <name>/default.nix, or the file.
func moduleImport(m *inventory.Module) raw {
	if path.Base(m.File) == "default.nix" {
		return rel(path.Dir(m.File))
	}
	return rel(m.File)
}

// hostFacts renders config.fleet.host: the host's own facts for modules
// to read (hardware, roles, ...).
func (g *hostGen) hostFacts() *attrs {
	h := g.h
	a := &attrs{}
	a.add([]string{"name"}, str(h.Name))
	a.add([]string{"platform"}, str(string(h.Platform)))
	a.add([]string{"system"}, str(h.System))
	a.add([]string{"profile"}, strOrNull(h.Profile))
	a.add([]string{"roles"}, strList(h.Roles))
	hw := h.Src.Hardware
	hwa := &attrs{}
	hwa.add([]string{"firmware"}, strOrNull(hw.Firmware.V))
	hwa.add([]string{"bootDisk"}, strOrNull(hw.BootDisk.V))
	hwa.add([]string{"partitionTable"}, strOrNull(hw.PartitionTable.V))
	hwa.add([]string{"biosBootPartition"}, boolean(hw.BIOSBootPartition.V))
	gpu := hw.GPU.V
	if gpu == "" {
		gpu = "none"
	}
	hwa.add([]string{"gpu"}, str(gpu))
	if hw.MemoryGB.IsSet() {
		hwa.add([]string{"memoryGB"}, integer(hw.MemoryGB.V))
	} else {
		hwa.add([]string{"memoryGB"}, null{})
	}
	hwa.add([]string{"cpu"}, strOrNull(hw.CPU.V))
	a.add([]string{"hardware"}, hwa)
	return a
}

func strOrNull(s string) expr {
	if s == "" {
		return null{}
	}
	return str(s)
}

func strList(ss []string) list {
	l := list{}
	for _, s := range ss {
		l = append(l, str(s))
	}
	return l
}

// packageList renders package names as pkgs.<name>.
func packageList(items []*eval.Node) list {
	l := list{}
	for _, it := range items {
		l = append(l, pkgRef(it.Str))
	}
	return l
}

func pkgRef(name string) raw {
	parts := strings.Split(name, ".")
	return raw("pkgs." + attrPath(parts))
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
			if !n.Fields[k].OnlyDefault() {
				g.values(t.child(k), n.Fields[k], append(slices.Clone(path), k), opts)
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
func (g *hostGen) value(n *eval.Node, path []string, typ *options.Type) expr {
	switch n.Kind {
	case eval.String:
		if isPackage(typ) {
			return pkgRef(n.Str)
		}
		return str(n.Str)
	case eval.Datetime:
		return str(n.Str)
	case eval.Int:
		return integer(n.Int)
	case eval.Float:
		if _, ok := formatFloat(n.Float); !ok {
			w := n.Won()
			g.diags.Errorf(w.Pos, "generate", "%s = %s has no Nix literal", strings.Join(path, "."), n.Describe()).
				Hint(`write it as { expr = "..." }`)
			return null{}
		}
		return float(n.Float)
	case eval.Bool:
		return boolean(n.Bool)
	case eval.Null:
		return null{}
	case eval.Secret:
		return raw(fmt.Sprintf("config.sops.secrets.%s.path", quote(SopsSecretName(g.secretRef(n)))))
	case eval.Expr:
		return raw(strings.TrimSpace(n.Str))
	case eval.List:
		var elem *options.Type
		if typ != nil && typ.Kind == options.ListOf {
			elem = typ.Elem
		}
		l := list{}
		for _, it := range n.Items {
			l = append(l, g.value(it, path, elem))
		}
		return l
	case eval.Table:
		sub := newTree()
		for _, k := range n.Keys() {
			var elem *options.Type
			if typ != nil && typ.Kind == options.AttrsOf {
				elem = typ.Elem
			}
			sub.child(k).leaves = append(sub.child(k).leaves, g.value(n.Fields[k], append(slices.Clone(path), k), elem))
		}
		return sub.attrs()
	}
	return null{}
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
	return a.Key == b.Key && a.Owner == b.Owner && a.Group == b.Group && a.Mode == b.Mode && slices.Equal(a.RestartUnits, b.RestartUnits)
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
			acct.set([]string{"isNormalUser"}, boolean(true))
		}
		if u.Description.IsSet() {
			acct.set([]string{"description"}, str(u.Description.V))
		}
		if darwin {
			acct.set([]string{"home"}, str("/Users/"+hu.Name))
		}
		if u.UID.IsSet() && !darwin {
			acct.set([]string{"uid"}, integer(u.UID.V))
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
			acct.set([]string{"shell"}, raw("pkgs."+u.Shell.V))
			if u.Shell.V != "bash" {
				shells[u.Shell.V] = true
			}
		}
		if len(u.SSHKeys) > 0 {
			acct.set([]string{"openssh", "authorizedKeys", "keys"}, strList(inventory.Names(u.SSHKeys)))
		}
		if primary == "" && (u.Admin.V || len(h.Users) == 1) {
			primary = hu.Name
		}
	}
	for _, sh := range sortedKeys(shells) {
		t.set([]string{"programs", sh, "enable"}, boolean(true))
	}
	if darwin {
		if primary == "" {
			primary = h.Users[0].Name
		}
		t.set([]string{"system", "primaryUser"}, str(primary))
	}
	for _, hu := range h.Users {
		t.set([]string{"home-manager", "users", hu.Name}, g.home(hu))
	}
	t.child("home-manager").blank = true
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
func (g *hostGen) home(hu *eval.HostUser) expr {
	h := g.h
	hsv := h.Src.HomeStateVersion.V
	if hsv == "" && h.Src.StateVersion != nil && h.Src.StateVersion.Kind == inventory.String {
		hsv = h.Src.StateVersion.Str
	}
	return g.homeTree(h.Tree.Lookup("users", hu.Name), hu.User, hsv).attrs()
}

// homeTree renders a user's resolved home values (home_modules,
// home_packages, home_settings, home) as a home-manager module.
func (g *hostGen) homeTree(ut *eval.Node, user *inventory.User, stateVersion string) *tree {
	t := newTree()
	// The fleet's home modules come through home-manager.sharedModules
	// (or the standalone configuration's modules); only the user's own
	// home.nix is imported here.
	if user.HomeNix != "" {
		t.set([]string{"imports"}, list{rel(user.HomeNix)})
	}
	if stateVersion != "" {
		t.set([]string{"home", "stateVersion"}, str(stateVersion))
	}
	settings := ut.Get("home_settings")
	for _, m := range settings.Keys() {
		node := settings.Fields[m]
		if node.OnlyDefault() {
			continue
		}
		g.values(t.at("fleet", m), node, []string{"fleet", m}, g.optionsOf("home", m))
	}
	if pkgs := ut.Get("home_packages"); len(pkgs.Items) > 0 {
		t.set([]string{"home", "packages"}, packageList(pkgs.Items))
	}
	if pass := ut.Get("home"); pass != nil {
		for _, k := range pass.Keys() {
			g.values(t.child(k), pass.Fields[k], []string{k}, nil)
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
	t.set([]string{"home", "username"}, str(home.Name))
	t.set([]string{"home", "homeDirectory"}, str(dir))
	header := []string{headerText, fmt.Sprintf("The standalone home of %s (%s).", home.Name, home.System)}
	return render(header, &lambda{formals: []string{"config", "lib", "pkgs", "..."}, body: t.attrs()})
}

// secrets declares the sops-nix secrets the host's values reference.
func (g *hostGen) secrets(t *tree) {
	done := map[string]bool{}
	for _, r := range g.h.Secrets {
		name := SopsSecretName(r)
		if done[name] || r.File == "" {
			continue
		}
		done[name] = true
		a := &attrs{}
		a.add([]string{"sopsFile"}, rel(r.File))
		if r.Format != "yaml" {
			a.add([]string{"format"}, str(r.Format))
		}
		if r.Key != "" && r.Key != name {
			a.add([]string{"key"}, str(r.Key))
		}
		if o := r.Opts; o != nil {
			if o.Owner != "" {
				a.add([]string{"owner"}, str(o.Owner))
			}
			if o.Group != "" {
				a.add([]string{"group"}, str(o.Group))
			}
			if o.Mode != "" {
				a.add([]string{"mode"}, str(o.Mode))
			}
			if len(o.RestartUnits) > 0 {
				a.add([]string{"restartUnits"}, strList(o.RestartUnits))
			}
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
