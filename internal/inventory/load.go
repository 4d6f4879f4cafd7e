package inventory

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/parallel"
	"github.com/fleetdev/fleet/internal/readfile"
)

// layerKeys are the keys every layer file accepts.
var layerKeys = []string{"description", "modules", "packages", "home_modules", "home_packages", "toolsets", "settings", "home_settings", "nixos", "darwin", "home", "force", "containers", "container_backend"}

var forceKeys = []string{"settings", "home_settings", "nixos", "darwin", "home"}

var (
	hostKeys        = append(slices.Clone(layerKeys), "platform", "system", "state_version", "home_state_version", "profile", "roles", "users", "host_key", "age_key", "hardware", "deploy")
	profileKeys     = append(slices.Clone(layerKeys), "extends")
	roleKeys        = append(slices.Clone(layerKeys), "secrets", "requires", "docs", "deploy_order", "health")
	healthKeys      = []string{"units", "ports"}
	userKeys        = []string{"description", "uid", "shell", "groups", "admin", "ssh_keys", "age_key", "password_secret", "standalone", "home_modules", "home_packages", "toolsets", "home_settings", "home", "force"}
	standaloneKeys  = []string{"system", "state_version"}
	userForce       = []string{"home_settings", "home"}
	fleetKeys       = []string{"name", "description", "inputs", "admins", "deploy"}
	fleetDeployKeys = []string{"public_key", "signing_key"}
	hardwareKeys    = []string{"firmware", "boot_disk", "partition_table", "bios_boot_partition", "gpu", "memory_gb", "cpu"}
	deployKeys      = []string{"target", "build_on", "ssh_port", "order"}
	requiresKeys    = []string{"platform", "firmware", "gpu", "min_memory_gb"}
)

// Systems are the systems fleet knows, by platform.
var Systems = map[Platform][]string{
	NixOS:  {"x86_64-linux", "aarch64-linux"},
	Darwin: {"aarch64-darwin", "x86_64-darwin"},
}

var hostNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// IsName reports whether s is a name of letters, digits, '-', '_' and
// '.', not starting with one of the last three: [A-Za-z0-9][A-Za-z0-9_.-]*.
// (Every container instance of every host is checked: a loop costs a
// tenth of a regular expression.)
func IsName(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// Load reads the fleet at root. It never writes. Problems are returned as
// diagnostics; the inventory holds whatever could be read, so that callers
// can report every problem at once.
func Load(root string) (*Inventory, *diag.List) { return load(root, true) }

// LoadUnrecorded is Load without recording what was read: Inputs is nil
// and has no digest. It is for a caller that will take none (a check
// with no generated/fleet.sums to compare it with): hashing every file
// read would be wasted.
func LoadUnrecorded(root string) (*Inventory, *diag.List) { return load(root, false) }

func load(root string, record bool) (*Inventory, *diag.List) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		real = root
	}
	real, _ = filepath.Abs(real)
	l := &loader{root: root, real: real, diags: &diag.List{}}
	if record {
		l.in = newInputs()
	}
	inv := &Inventory{
		Root:      root,
		Inputs:    l.in,
		Profiles:  map[string]*Profile{},
		Roles:     map[string]*Role{},
		Users:     map[string]*User{},
		Modules:   map[string]map[string]*Module{},
		CommonNix: map[string]string{},
		Secrets:   map[string]string{},
		Toolsets:  map[string]*Toolset{},

		TemplateDefs: map[string]*Template{},
		Containers:   map[string]*Container{},
		secretValues: &sync.Map{},
	}
	inv.Fleet = l.loadFleet()
	if t := l.parse("common/common.toml", true); t != nil {
		inv.Common = l.layer(t, KindCommon, "common", "common/common.toml", "common.toml", layerKeys)
	}
	for _, class := range []string{"nixos", "darwin", "home"} {
		rel := "common/" + class + ".nix"
		if l.exists(rel) {
			inv.CommonNix[class] = rel
		}
	}
	for _, name := range l.tomlFiles("profiles") {
		rel := "profiles/" + name + ".toml"
		if t := l.parse(rel, false); t != nil {
			inv.Profiles[name] = l.profile(t, name, rel)
		}
	}
	for _, name := range l.tomlFiles("roles") {
		rel := "roles/" + name + ".toml"
		if t := l.parse(rel, false); t != nil {
			inv.Roles[name] = l.role(t, name, rel)
		}
	}
	for _, name := range l.subdirs("users") {
		rel := "users/" + name + "/user.toml"
		if !l.exists(rel) {
			l.diags.Errorf(diag.Pos{File: "users/" + name}, "missing-file", "users/%s has no user.toml", name).
				Hint("create %s, or remove the folder", rel)
			continue
		}
		if t := l.parse(rel, false); t != nil {
			u := l.user(t, name, rel)
			if home := "users/" + name + "/home.nix"; l.exists(home) {
				u.HomeNix = home
			}
			inv.Users[name] = u
		}
	}
	inv.Hosts = l.loadHosts()
	l.loadModules(inv)
	inv.Packages, inv.PackageFiles = l.packages()
	l.loadToolsets(inv)
	l.loadTemplates(inv)
	l.loadSecrets(inv)
	inv.secretNames = NewSecretNames(slices.Collect(maps.Keys(inv.Secrets)))
	l.loadContainers(inv)
	return inv, l.diags
}

type loader struct {
	root  string
	real  string // root with symbolic links resolved
	diags *diag.List
	in    *Inputs // what was read
	// links caches, by relative path, whether the path stays inside the
	// fleet when symbolic links are followed; base is the cache of the
	// loader a worker's loader was made from (read only while it works).
	links, base map[string]bool
	// listings holds folders listed ahead of readDir (see prelist).
	listings map[string][]fs.DirEntry
}

// sub returns a loader for one worker, with its own diagnostics.
func (l *loader) sub(diags *diag.List) *loader {
	return &loader{root: l.root, real: l.real, diags: diags, in: l.in, base: l.links}
}

func (l *loader) abs(rel string) string { return filepath.Join(l.root, filepath.FromSlash(rel)) }

func (l *loader) exists(rel string) bool {
	if !l.inside(rel) {
		return false
	}
	if dir, name := path.Split(rel); l.listings != nil {
		if es, ok := l.listings[strings.TrimSuffix(dir, "/")]; ok {
			i, found := slices.BinarySearchFunc(es, name, func(e fs.DirEntry, name string) int { return strings.Compare(e.Name(), name) })
			if !found || es[i].Type()&fs.ModeSymlink == 0 {
				l.in.Probe("exists "+rel, found)
				return found
			}
		}
	}
	_, err := os.Stat(l.abs(rel))
	l.in.Probe("exists "+rel, err == nil)
	return err == nil
}

// prelist lists dir, a folder inside the fleet that is no symbolic link,
// before readDir does: exists and inside then answer for its entries
// without asking the file system again. A folder that cannot be listed
// is left to readDir.
func (l *loader) prelist(dir string) {
	if ok, seen := l.links[dir]; seen && !ok {
		return
	}
	if ok, seen := l.base[dir]; !seen || !ok {
		return
	}
	es, err := os.ReadDir(l.abs(dir))
	if err != nil {
		return
	}
	if l.listings == nil {
		l.listings = map[string][]fs.DirEntry{}
	}
	l.listings[dir] = es
	l.known(dir, es)
}

// known notes that the entries of dir that are no symbolic links stay
// inside the fleet.
func (l *loader) known(dir string, es []fs.DirEntry) {
	if l.links == nil {
		l.links = map[string]bool{}
	}
	for _, e := range es {
		if e.Type()&fs.ModeSymlink == 0 {
			l.links[dir+"/"+e.Name()] = true
		}
	}
}

// inside reports whether rel stays inside the fleet when the symbolic
// links on its way are followed. A link that leads outside is an error,
// reported once: fleet reads and refers to nothing outside its folder.
func (l *loader) inside(rel string) bool {
	if l.links == nil {
		l.links = map[string]bool{}
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		ok, seen := l.links[p]
		if !seen {
			ok, seen = l.base[p]
		}
		if !seen {
			ok = true
			if fi, err := os.Lstat(l.abs(p)); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				ok = l.linkInside(p)
			}
			l.links[p] = ok
		}
		if !ok {
			l.in.Probe("outside "+rel, true)
			return false
		}
	}
	return true
}

func (l *loader) linkInside(p string) bool {
	target, err := filepath.EvalSymlinks(l.abs(p))
	if err != nil {
		return true // a dangling link: reading it reports the error
	}
	r, err := filepath.Rel(l.real, target)
	if err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r) {
		return true
	}
	dest, _ := os.Readlink(l.abs(p))
	l.diags.Errorf(diag.Pos{File: p}, "outside-fleet", "%s is a symbolic link to %s, outside the fleet", p, dest).
		Hint("fleet reads nothing outside the fleet's folder: copy what it points to into the fleet, or point the link inside it")
	return false
}

// parse reads and parses one TOML file. A missing optional file is nil
// without a diagnostic.
func (l *loader) parse(rel string, optional bool) *Value {
	if !l.inside(rel) {
		return nil
	}
	src, err := readfile.Read(l.abs(rel), maxTOML)
	l.in.File(rel, src, err)
	if tl := (*readfile.TooLargeError)(nil); errors.As(err, &tl) {
		l.diags.Errorf(diag.Pos{File: rel}, "read", "%s is %d bytes; fleet reads TOML files of at most %d", rel, tl.Size, maxTOML).
			Hint("keep large content in a file of the fleet and refer to it from Nix")
		return nil
	}
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		l.diags.Errorf(diag.Pos{File: rel}, "read", "cannot read %s: %v", rel, errors.Unwrap(err))
		return nil
	}
	t, ds := ParseTOML(rel, src)
	for _, d := range ds {
		l.diags.Add(d)
	}
	return t
}

// tomlFiles lists the names of dir/*.toml, sorted.
func (l *loader) tomlFiles(dir string) []string {
	var out []string
	for _, e := range l.readDir(dir) {
		name, ok := strings.CutSuffix(e.Name(), ".toml")
		if !ok || e.IsDir() {
			continue
		}
		if !l.checkName(dir+"/"+e.Name(), name, IsName, "a name of letters, digits, '-', '_' and '.'") {
			continue
		}
		out = append(out, name)
	}
	return out
}

// subdirs lists the directories in dir, sorted.
func (l *loader) subdirs(dir string) []string {
	var out []string
	for _, e := range l.readDir(dir) {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// packages lists packages/<name>/default.nix and packages/<name>.nix:
// the names, sorted, and the file of each (the .nix file wins).
func (l *loader) packages() ([]string, map[string]string) {
	const dir = "packages"
	files := map[string]string{}
	for _, e := range l.readDir(dir) {
		var name, rel string
		switch {
		case e.IsDir() && l.exists(dir+"/"+e.Name()+"/default.nix"):
			name, rel = e.Name(), dir+"/"+e.Name()+"/default.nix"
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".nix"):
			name, rel = strings.TrimSuffix(e.Name(), ".nix"), dir+"/"+e.Name()
		default:
			continue
		}
		if !l.checkName(rel, name, IsName, "a package name of letters, digits, '-', '_' and '.'") {
			continue
		}
		if _, ok := files[name]; !ok || strings.HasSuffix(rel, name+".nix") {
			files[name] = rel
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, files
}

// maxTOML bounds the size of a TOML file fleet reads.
const maxTOML = 8 << 20

// readDir lists dir. Entries that are symbolic links are followed when
// they stay inside the fleet (and listed as what they point to) and
// dropped with an error when they lead outside.
func (l *loader) readDir(dir string) []fs.DirEntry {
	if !l.inside(dir) {
		return nil
	}
	es, listed := l.listings[dir]
	if !listed {
		var err error
		es, err = os.ReadDir(l.abs(dir))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.diags.Errorf(diag.Pos{File: dir}, "read", "cannot read %s: %v", dir, errors.Unwrap(err))
		}
		l.known(dir, es)
	} else {
		// exists may still look at the listing: filter a copy.
		es = slices.Clone(es)
	}
	out := es[:0]
	for _, e := range es {
		if e.Type()&fs.ModeSymlink != 0 {
			rel := dir + "/" + e.Name()
			if !l.inside(rel) {
				continue
			}
			fi, err := os.Stat(l.abs(rel))
			if err != nil {
				continue // dangling
			}
			e = fs.FileInfoToDirEntry(fi)
		}
		out = append(out, e)
	}
	l.in.Listing(dir, out)
	return out
}

func (l *loader) checkName(rel, name string, valid func(string) bool, want string) bool {
	if valid(name) {
		return true
	}
	l.diags.Errorf(diag.Pos{File: rel}, "name", "%q is not a valid name: use %s", name, want).
		Hint("rename %s", rel)
	return false
}

func (l *loader) loadFleet() *Fleet {
	f := &Fleet{File: "fleet.toml"}
	t := l.parse("fleet.toml", false)
	if t == nil {
		return f
	}
	d := decoder{diags: l.diags}
	d.keys(t, "fleet.toml", fleetKeys...)
	f.Name = d.str(t, "name")
	f.Description = d.str(t, "description")
	for _, kv := range d.stringTable(t, "inputs", "a flake URL string") {
		f.Inputs = append(f.Inputs, Input{Name: kv[0], URL: kv[1]})
	}
	for _, kv := range d.stringTable(t, "admins", "an age recipient string (age1...)") {
		f.Admins = append(f.Admins, Admin{Name: kv[0], Recipient: kv[1]})
	}
	if dp := d.table(t, "deploy"); dp != nil {
		d.keys(dp, "[deploy] of fleet.toml", fleetDeployKeys...)
		f.Deploy = FleetDeploy{Pos: dp.Pos, PublicKey: d.str(dp, "public_key"), SigningKey: d.str(dp, "signing_key")}
		if k := f.Deploy.PublicKey; k.V != "" {
			if _, _, err := ParseNixPublicKey(k.V); err != nil {
				d.diags.Errorf(k.Pos, "value", "public_key is not a Nix signing public key: %v", err).
					Hint("write it as 'nix key convert-secret-to-public < SECRET-KEY' prints it: NAME:BASE64")
			}
		}
	}
	return f
}

// layer decodes the keys every layer shares. what names the file in
// messages; allowed are the keys the file kind accepts.
func (l *loader) layer(t *Value, kind LayerKind, name, rel, what string, allowed []string) *Layer {
	d := decoder{diags: l.diags}
	d.keys(t, what, allowed...)
	ly := &Layer{Kind: kind, Name: name, File: rel}
	ly.Description = d.str(t, "description")
	ly.Modules = d.strList(t, "modules")
	ly.Packages = d.strList(t, "packages")
	ly.HomeModules = d.strList(t, "home_modules")
	ly.HomePackages = d.strList(t, "home_packages")
	ly.Toolsets = d.strList(t, "toolsets")
	ly.Settings = d.tableOfTables(t, "settings")
	ly.HomeSettings = d.tableOfTables(t, "home_settings")
	ly.NixOS = d.table(t, "nixos")
	ly.Darwin = d.table(t, "darwin")
	ly.Home = d.table(t, "home")
	d.containersOf(ly, t)
	if ly.Containers != nil {
		for _, x := range ly.Containers.Entries() {
			l.checkConfigFiles(x)
		}
	}
	ly.ContainerBackend = d.oneOf(t, "container_backend", "podman", "docker")
	if f := d.table(t, "force"); f != nil {
		fk := forceKeys
		if kind == KindUser {
			fk = userForce
		}
		d.keys(f, "[force]", fk...)
		ly.Force.Settings = d.tableOfTables(f, "settings")
		ly.Force.HomeSettings = d.tableOfTables(f, "home_settings")
		ly.Force.NixOS = d.table(f, "nixos")
		ly.Force.Darwin = d.table(f, "darwin")
		ly.Force.Home = d.table(f, "home")
	}
	return ly
}

func (l *loader) profile(t *Value, name, rel string) *Profile {
	p := &Profile{Layer: *l.layer(t, KindProfile, name, rel, "a profile", profileKeys)}
	d := decoder{diags: l.diags}
	p.Extends = d.str(t, "extends")
	return p
}

func (l *loader) role(t *Value, name, rel string) *Role {
	r := &Role{Layer: *l.layer(t, KindRole, name, rel, "a role", roleKeys)}
	d := decoder{diags: l.diags}
	r.Secrets = d.strList(t, "secrets")
	r.Docs = d.str(t, "docs")
	r.DeployOrder = d.integer(t, "deploy_order")
	if hv := d.table(t, "health"); hv != nil {
		d.keys(hv, "[health]", healthKeys...)
		r.Health = Health{Pos: hv.Pos, Units: d.strList(hv, "units")}
		if pv := hv.Get("ports"); pv != nil {
			if pv.Kind != Array {
				d.wrongType(pv, "ports", "an array of port numbers and settings paths")
			} else {
				for _, e := range pv.List {
					switch {
					case e.Kind == Int && e.Int >= 1 && e.Int <= 65535:
						r.Health.Ports = append(r.Health.Ports, HealthPort{Port: int(e.Int), Pos: e.Pos})
					case e.Kind == Int:
						d.diags.Errorf(e.Pos, "value", "health port %d is not between 1 and 65535", e.Int)
					case e.Kind == String && strings.HasPrefix(e.Str, "settings."):
						r.Health.Ports = append(r.Health.Ports, HealthPort{Setting: e.Str, Pos: e.Pos})
					default:
						d.diags.Errorf(e.Pos, "type", "a health port is a port number or a settings path, such as \"settings.monitoring.grafanaPort\"").
							Hint("write ports = [3000, \"settings.monitoring.prometheusPort\"]")
					}
				}
			}
		}
	}
	if req := d.table(t, "requires"); req != nil {
		d.keys(req, "[requires]", requiresKeys...)
		r.Requires = Requires{
			Pos:         req.Pos,
			Platform:    d.oneOf(req, "platform", "nixos", "darwin"),
			Firmware:    d.oneOf(req, "firmware", "uefi", "bios"),
			GPU:         d.strList(req, "gpu"),
			MinMemoryGB: d.integer(req, "min_memory_gb"),
		}
		if m := r.Requires.MinMemoryGB; m.IsSet() && m.V < 0 {
			d.diags.Errorf(m.Pos, "value", "min_memory_gb must not be negative, not %d", m.V).
				Hint("write the least memory in GB the role needs, such as min_memory_gb = 8")
		}
		for _, g := range r.Requires.GPU {
			if !slices.Contains(gpus, g.V) {
				d.diags.Errorf(g.Pos, "value", "gpu must be one of %s, not %q", quoteAll(gpus), g.V)
			}
		}
	}
	return r
}

var gpus = []string{"none", "intel", "amd", "nvidia"}

func (l *loader) user(t *Value, name, rel string) *User {
	u := &User{Layer: *l.layer(t, KindUser, name, rel, "user.toml", userKeys)}
	d := decoder{diags: l.diags}
	u.UID = d.integer(t, "uid")
	u.Shell = d.oneOf(t, "shell", "bash", "zsh", "fish")
	u.Groups = d.strList(t, "groups")
	u.Admin = d.boolean(t, "admin")
	u.SSHKeys = d.strList(t, "ssh_keys")
	u.AgeKey = d.str(t, "age_key")
	u.PasswordSecret = d.str(t, "password_secret")
	if st := d.table(t, "standalone"); st != nil {
		d.keys(st, "[standalone]", standaloneKeys...)
		u.Standalone = &Standalone{Pos: st.KeyPos, System: d.str(st, "system"), StateVersion: d.str(st, "state_version")}
		all := append(slices.Clone(Systems[NixOS]), Systems[Darwin]...)
		if !u.Standalone.System.IsSet() {
			d.diags.Errorf(st.KeyPos, "missing-key", "[standalone] needs a system").Hint(`add system = "x86_64-linux" (or %s)`, strings.Join(all[1:], ", "))
		} else if !slices.Contains(all, u.Standalone.System.V) {
			d.diags.Errorf(u.Standalone.System.Pos, "value", "system must be one of %s, not %q", quoteAll(all), u.Standalone.System.V)
		}
		if !u.Standalone.StateVersion.IsSet() {
			d.diags.Errorf(st.KeyPos, "missing-key", "[standalone] needs a state_version").Hint(`add state_version = "<the home-manager release the home started with>", such as "24.05"`)
		}
	}
	if u.UID.IsSet() && (u.UID.V < 0 || u.UID.V > 65535) {
		d.diags.Errorf(u.UID.Pos, "value", "uid must be between 0 and 65535, not %d", u.UID.V)
	}
	return u
}

// loadHosts reads every hosts/<name>/host.toml, in parallel.
func (l *loader) loadHosts() []*Host {
	names := l.subdirs("hosts")
	hosts := make([]*Host, len(names))
	// Each worker keeps its own diagnostics; they are merged in order.
	lists := make([]diag.List, len(names))
	parallel.Each(len(names), func(i int) {
		hosts[i] = l.sub(&lists[i]).host(names[i])
	})
	var out []*Host
	seen := map[string]string{}
	for i, h := range hosts {
		l.diags.Append(&lists[i])
		if h == nil {
			continue
		}
		if prev, dup := seen[strings.ToLower(h.Name)]; dup {
			l.diags.Errorf(diag.Pos{File: h.File}, "duplicate-host", "host %q differs from host %q only in case", h.Name, prev).
				Hint("host names are DNS names and compare without case: rename one of them")
			continue
		}
		seen[strings.ToLower(h.Name)] = h.Name
		out = append(out, h)
	}
	return out
}

func (l *loader) host(name string) *Host {
	dir := "hosts/" + name
	rel := dir + "/host.toml"
	l.prelist(dir)
	if !l.exists(rel) {
		l.diags.Errorf(diag.Pos{File: dir}, "missing-file", "%s has no host.toml", dir).
			Hint("create %s with at least platform and system, or remove the folder", rel)
		return nil
	}
	if !l.checkName(dir, name, hostNameRE.MatchString, "a host name of lower-case letters, digits and '-' (at most 63)") {
		return nil
	}
	t := l.parse(rel, false)
	if t == nil {
		return nil
	}
	h := &Host{Layer: *l.layer(t, KindHost, name, rel, "host.toml", hostKeys)}
	d := decoder{diags: l.diags}
	h.Platform = d.oneOf(t, "platform", "nixos", "darwin")
	h.System = d.str(t, "system")
	if sv := t.Get("state_version"); sv != nil {
		if sv.Kind != String && sv.Kind != Int {
			d.wrongType(sv, "state_version", `a release string such as "24.05" (NixOS) or an integer such as 6 (darwin)`)
		}
		// Kept even when of the wrong type, so it is not also called missing.
		h.StateVersion = sv
	}
	h.HomeStateVersion = d.str(t, "home_state_version")
	h.Profile = d.str(t, "profile")
	h.Roles = d.strList(t, "roles")
	h.Users = d.strList(t, "users")
	h.HostKey = d.str(t, "host_key")
	h.AgeKey = d.str(t, "age_key")
	if hw := d.table(t, "hardware"); hw != nil {
		d.keys(hw, "[hardware]", hardwareKeys...)
		h.Hardware = Hardware{
			Pos:               hw.Pos,
			Firmware:          d.oneOf(hw, "firmware", "uefi", "bios"),
			BootDisk:          d.str(hw, "boot_disk"),
			PartitionTable:    d.oneOf(hw, "partition_table", "gpt", "mbr"),
			BIOSBootPartition: d.boolean(hw, "bios_boot_partition"),
			GPU:               d.oneOf(hw, "gpu", gpus...),
			MemoryGB:          d.integer(hw, "memory_gb"),
			CPU:               d.oneOf(hw, "cpu", "intel", "amd", "apple", "arm"),
		}
		if m := h.Hardware.MemoryGB; m.IsSet() && m.V < 0 {
			d.diags.Errorf(m.Pos, "value", "memory_gb must not be negative, not %d", m.V).
				Hint("write the machine's memory in GB, such as memory_gb = 16")
		}
	}
	if dp := d.table(t, "deploy"); dp != nil {
		d.keys(dp, "[deploy]", deployKeys...)
		h.Deploy = Deploy{
			Pos:     dp.Pos,
			Target:  d.str(dp, "target"),
			BuildOn: d.oneOf(dp, "build_on", "local", "target"),
			SSHPort: d.integer(dp, "ssh_port"),
			Order:   d.integer(dp, "order"),
		}
		if p := h.Deploy.SSHPort; p.IsSet() && (p.V < 1 || p.V > 65535) {
			d.diags.Errorf(p.Pos, "value", "ssh_port must be between 1 and 65535, not %d", p.V)
		}
	}
	top := diag.Pos{File: rel, Line: 1, Col: 1}
	if !h.Platform.IsSet() && t.Get("platform") == nil {
		d.diags.Errorf(top, "missing-key", "host %s has no platform", name).Hint(`add platform = "nixos" or platform = "darwin"`)
	}
	if !h.System.IsSet() && t.Get("system") == nil {
		d.diags.Errorf(top, "missing-key", "host %s has no system", name).Hint(`add system = "x86_64-linux" (or aarch64-linux, aarch64-darwin, x86_64-darwin)`)
	}
	if h.Platform.IsSet() && h.System.IsSet() {
		valid := Systems[Platform(h.Platform.V)]
		if !slices.Contains(valid, h.System.V) {
			e := d.diags.Errorf(h.System.Pos, "value", "system %q is not a %s system", h.System.V, h.Platform.V)
			e.Hint("use one of %s", quoteAll(valid))
		}
	}
	for _, e := range l.readDir(dir) {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".nix") {
			h.NixFiles = append(h.NixFiles, path.Join(dir, e.Name()))
		}
	}
	return h
}

// loadModules finds modules/<class>/<name>/default.nix (or <name>.nix).
func (l *loader) loadModules(inv *Inventory) {
	for _, class := range []string{"nixos", "darwin", "home"} {
		mods := map[string]*Module{}
		dir := "modules/" + class
		for _, e := range l.readDir(dir) {
			name := e.Name()
			var rel string
			switch {
			case e.IsDir():
				rel = dir + "/" + name + "/default.nix"
				if !l.exists(rel) {
					l.diags.Errorf(diag.Pos{File: dir + "/" + name}, "missing-file", "module folder %s/%s has no default.nix", dir, name).
						Hint("a module is %s/<name>/default.nix", dir)
					continue
				}
			case strings.HasSuffix(name, ".nix"):
				name = strings.TrimSuffix(name, ".nix")
				rel = dir + "/" + e.Name()
			default:
				continue
			}
			if !l.checkName(rel, name, IsName, "a name of letters, digits, '-', '_' and '.'") {
				continue
			}
			if prev, dup := mods[name]; dup {
				l.diags.Errorf(diag.Pos{File: rel}, "duplicate-module", "module %s is defined twice", name).
					Also(diag.Pos{File: prev.File}, "also defined here").Hint("keep one of the two files")
				continue
			}
			src, err := os.ReadFile(l.abs(rel))
			l.in.File(rel, src, err)
			if err != nil {
				l.diags.Errorf(diag.Pos{File: rel}, "read", "cannot read %s: %v", rel, errors.Unwrap(err))
				continue
			}
			mods[name] = &Module{Name: name, Platform: class, File: rel, Src: src}
		}
		inv.Modules[class] = mods
	}
}

// SecretExts are the extensions of secret files, by SOPS format.
var SecretExts = []string{".yaml", ".yml", ".json", ".env", ".bin", ".ini"}

// loadSecrets lists secrets/<category>/.../<name>.<ext> files.
func (l *loader) loadSecrets(inv *Inventory) {
	base := l.abs("secrets")
	if _, err := os.Stat(base); err != nil || !l.inside("secrets") {
		l.in.Probe("exists secrets", false)
		return
	}
	err := filepath.WalkDir(base, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		rel, _ := filepath.Rel(l.root, p)
		rel = filepath.ToSlash(rel)
		l.in.Probe("secret "+rel, true)
		if !l.inside(rel) {
			return nil
		}
		ext := path.Ext(rel)
		if !slices.Contains(SecretExts, ext) {
			if low := strings.ToLower(ext); low != ext && slices.Contains(SecretExts, low) {
				l.diags.Warnf(diag.Pos{File: rel}, "secret-layout", "secret %s is not read as %s: sops knows extensions in lower case only, so it reads this file as binary, and fleet leaves it out", rel, low).
					Hint("rename it: git mv %s %s", rel, strings.TrimSuffix(rel, ext)+low)
			}
			return nil
		}
		key := strings.TrimSuffix(strings.TrimPrefix(rel, "secrets/"), ext)
		if !strings.Contains(key, "/") {
			l.diags.Warnf(diag.Pos{File: rel}, "secret-layout", "secret %s is not in a category folder", rel).
				Hint("move it to secrets/<category>/%s", path.Base(rel))
		}
		if prev, dup := inv.Secrets[key]; dup {
			l.diags.Errorf(diag.Pos{File: rel}, "duplicate-secret", "secret %s exists as %s and %s", key, prev, rel).
				Hint("keep one file per secret name")
			return nil
		}
		inv.Secrets[key] = rel
		return nil
	})
	if err != nil {
		l.in.File("secrets", nil, err)
		l.diags.Errorf(diag.Pos{File: "secrets"}, "read", "cannot read secrets: %v", err)
	}
}
