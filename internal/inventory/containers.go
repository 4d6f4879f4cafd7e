package inventory

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Container is containers/<name>.toml: one OCI container definition of the
// fleet's catalog. Hosts run instances of it; the values are read, merged
// and judged by packages eval and containers.
type Container struct {
	Name string
	File string // relative to the fleet root
	// Body is the whole file, its keys and types checked.
	Body        *Value
	Description Str
	Image       Str
}

// ContainerKeys are the keys of a container definition.
var ContainerKeys = []string{
	"description", "image", "cmd", "entrypoint", "user", "workdir", "hostname",
	"ports", "volumes", "environment", "networks", "depends_on", "labels",
	"health_check", "resources", "devices", "auto_update", "auto_start", "pull",
	"open_firewall", "extra_options", "secret_files", "config_files",
}

// InstanceKeys are the keys of an instance table ([containers.<name>] in a
// profile, role or host): the definition's keys, plus from (the definition
// when it is not the instance's name) and enable.
var InstanceKeys = append(slices.Clone(ContainerKeys), "from", "enable")

var (
	healthCheckKeys = []string{"command", "interval", "timeout", "start_period", "retries"}
	resourceKeys    = []string{"memory", "cpus", "pids"}
)

// AutoUpdatePolicies are the values of auto_update.
var AutoUpdatePolicies = []string{"none", "registry", "local"}

// PullPolicies are the values of pull.
var PullPolicies = []string{"always", "missing", "never", "newer"}

// loadContainers reads containers/*.toml.
func (l *loader) loadContainers(inv *Inventory) {
	for _, name := range l.tomlFiles("containers") {
		rel := "containers/" + name + ".toml"
		t := l.parse(rel, false)
		if t == nil {
			continue
		}
		inv.Containers[name] = l.container(t, name, rel)
	}
}

// container decodes one definition file.
func (l *loader) container(t *Value, name, rel string) *Container {
	d := decoder{diags: l.diags}
	hadImage := t.Get("image") != nil
	d.containerBody(t, func() string { return "a container definition" }, false)
	l.checkConfigFiles(t)
	c := &Container{Name: name, File: rel, Body: t, Description: strOf(t.Get("description")), Image: strOf(t.Get("image"))}
	if !hadImage {
		d.diags.Errorf(diag.Pos{File: rel, Line: 1, Col: 1}, "missing-key", "container %s has no image", name).
			Hint(`add image = "registry/name:tag@sha256:<digest>"`)
	}
	return c
}

// ParseContainer reads one container definition from source, as the
// loader does: for tests and fuzzing.
func ParseContainer(rel string, src []byte) (*Container, []diag.Diagnostic) {
	l := &loader{diags: &diag.List{}}
	t, ds := ParseTOML(rel, src)
	if t == nil {
		return nil, ds
	}
	for _, d := range ds {
		l.diags.Add(d)
	}
	c := l.container(t, strings.TrimSuffix(path.Base(rel), ".toml"), rel)
	return c, l.diags.Items()
}

// containerBody checks the keys and value types of a definition or an
// instance table. Values of the wrong type are reported and dropped from
// t, so that what evaluation merges is well typed.
func (d *decoder) containerBody(t *Value, what func() string, instance bool) {
	allowed := ContainerKeys
	if instance {
		allowed = InstanceKeys
	}
	// (what, which names the table, is made only to report a key: every
	// host's instances are read here.)
	for k := range t.Entries() {
		if !slices.Contains(allowed, k) {
			d.keys(t, what(), allowed...)
			break
		}
	}
	// (A copy of the keys, which drop changes: on the stack for a table
	// of a few keys, as every host's instances are.)
	var buf [8]string
	for _, k := range t.appendKeys(buf[:0]) {
		if !slices.Contains(allowed, k) || !d.containerValue(t, k) {
			t.drop(k)
		}
	}
}

// containerValue checks one key of a container table.
func (d *decoder) containerValue(t *Value, k string) bool {
	v := t.Get(k)
	switch k {
	case "description", "image", "entrypoint", "user", "workdir", "hostname", "from":
		return d.str(t, k).IsSet()
	case "auto_update":
		return d.oneOf(t, k, AutoUpdatePolicies...).IsSet()
	case "pull":
		return d.oneOf(t, k, PullPolicies...).IsSet()
	case "auto_start", "open_firewall", "enable":
		return d.boolean(t, k).IsSet()
	case "cmd", "ports", "volumes", "networks", "depends_on", "devices", "extra_options":
		if v.Kind != Array {
			d.wrongType(v, k, "an array of strings")
			return false
		}
		ok := true
		for _, e := range v.List {
			if e.Kind != String {
				d.wrongType(e, k+" element", "a string")
				ok = false
			}
		}
		return ok
	case "labels", "environment":
		tbl := d.table(t, k)
		if tbl == nil {
			return false
		}
		for _, name := range tbl.Keys() {
			f := tbl.Get(name)
			if f.Kind == String || (k == "environment" && SpecialKind(f) == "secret") {
				continue
			}
			want := "a string"
			if k == "environment" {
				want = `a string or { secret = "category/name" }`
			}
			d.wrongType(f, k+"."+QuoteKey(name), want)
			tbl.drop(name)
		}
		return true
	case "config_files":
		return d.mounts(t, k, `"/etc/<app>/<file>" = "containers/<name>/<file>"`, func(name string, f *Value) bool {
			switch {
			case f.Kind != String:
				d.wrongType(f, name, "a path in the fleet, such as \"containers/<name>/<file>\"")
			case !fleetPath(f.Str):
				d.diags.Errorf(f.Pos, "value", "%s must name a file in the fleet, relative to its root: %q is not one", name, f.Str).
					Hint(`keep the file in the fleet, such as "containers/<name>/<file>", and name it without ".." or a leading "/"`)
			default:
				return true
			}
			return false
		})
	case "secret_files":
		return d.mounts(t, k, `"/run/secrets/<name>" = { secret = "category/name" }`, func(name string, f *Value) bool {
			if SpecialKind(f) != "secret" {
				d.wrongType(f, name, `{ secret = "category/name" }`)
				return false
			}
			return true
		})
	case "health_check":
		hc := d.table(t, k)
		if hc == nil {
			return false
		}
		d.keys(hc, "[health_check]", healthCheckKeys...)
		ok := true
		for _, name := range hc.Keys() {
			switch name {
			case "retries":
				ok = d.integer(hc, name).IsSet() && ok
			case "command", "interval", "timeout", "start_period":
				ok = d.str(hc, name).IsSet() && ok
			default:
				hc.drop(name)
			}
		}
		if hc.Get("command") == nil {
			d.diags.Errorf(hc.KeyPos, "missing-key", "[health_check] needs a command").
				Hint(`add command = "curl -fsS http://localhost:8080/health || exit 1"`)
			ok = false
		}
		return ok
	case "resources":
		rs := d.table(t, k)
		if rs == nil {
			return false
		}
		d.keys(rs, "[resources]", resourceKeys...)
		ok := true
		for _, name := range rs.Keys() {
			f := rs.Get(name)
			switch name {
			case "memory":
				ok = d.str(rs, name).IsSet() && ok
			case "cpus":
				if f.Kind != Int && f.Kind != Float {
					d.wrongType(f, "cpus", "a number such as 1.5")
					ok = false
				}
			case "pids":
				ok = d.integer(rs, name).IsSet() && ok
			default:
				rs.drop(name)
			}
		}
		return ok
	}
	return false
}

// mounts checks a table of mounts (config_files, secret_files): each key
// an absolute path in the container (example shows one entry), each value
// one ok accepts (given the entry's name, such as secret_files."/x"). The
// entries that are neither are reported and dropped.
func (d *decoder) mounts(t *Value, k, example string, ok func(name string, f *Value) bool) bool {
	tbl := d.table(t, k)
	if tbl == nil {
		return false
	}
	for _, target := range tbl.Keys() {
		f := tbl.Get(target)
		if !strings.HasPrefix(target, "/") || strings.Contains(target, ":") {
			d.diags.Errorf(f.KeyPos, "value", "%s.%s must be an absolute path in the container, without ':'", k, QuoteKey(target)).
				Hint("write %s", example)
			tbl.drop(target)
		} else if !ok(k+"."+QuoteKey(target), f) {
			tbl.drop(target)
		}
	}
	return true
}

// containersOf reads a layer's containers key: a list of definition names
// (containers = ["uptime-kuma"]) or a table of instances
// ([containers.jellyfin] with overrides).
func (d *decoder) containersOf(ly *Layer, t *Value) {
	v := t.Get("containers")
	if v == nil {
		return
	}
	switch v.Kind {
	case Array:
		ly.ContainerList = d.strList(t, "containers")
	case Table:
		if IsSpecial(v) {
			d.wrongType(v, "containers", "a list of container names or [containers.<name>] tables")
			return
		}
		var buf [8]string // a copy of the keys, which drop changes
		for _, name := range v.appendKeys(buf[:0]) {
			f := v.Get(name)
			if f.Kind != Table || IsSpecial(f) {
				d.diags.Errorf(f.Pos, "type", "containers.%s must be a table of container values, not %s", QuoteKey(name), f.Describe()).
					Hint("write [containers.%s] with the values that differ from the definition below it (an empty table runs it as defined)", QuoteKey(name))
				v.drop(name)
				continue
			}
			if !IsName(name) {
				d.diags.Errorf(f.KeyPos, "name", "%q is not a valid container name: use letters, digits, '-', '_' and '.'", name).
					Hint("rename the instance")
				v.drop(name)
				continue
			}
			d.containerBody(f, func() string { return "[containers." + QuoteKey(name) + "]" }, true)
		}
		ly.Containers = v
	default:
		d.wrongType(v, "containers", "a list of container names or [containers.<name>] tables")
	}
}

// fleetPath reports whether p names a path inside the fleet, relative to
// its root, in clean form without ':' (a mount's separator).
func fleetPath(p string) bool {
	return p != "" && p == path.Clean(p) && !path.IsAbs(p) && p != "." && p != ".." && !strings.HasPrefix(p, "../") && !strings.Contains(p, ":")
}

// checkConfigFiles reports the config_files of a container table that
// name no file or folder in the fleet, and drops them. (A loader without
// a folder, ParseContainer's, checks none.)
func (l *loader) checkConfigFiles(t *Value) {
	cf := t.Get("config_files")
	if cf == nil || l.root == "" {
		return
	}
	for _, target := range cf.Keys() {
		f := cf.Get(target)
		switch {
		case !l.exists(f.Str):
			l.diags.Errorf(f.Pos, "missing-file", "config file %s (for %s) is not in the fleet", f.Str, target).
				Hint("add the file at %s (fleet generate copies it into the Nix store and the container mounts it read-only), or correct the path", f.Str)
		case l.isLink(f.Str):
			l.diags.Errorf(f.Pos, "value", "config file %s (for %s) is a symbolic link: the Nix store would hold the link, not the file", f.Str, target).
				Hint("name the file the link points to")
		default:
			continue
		}
		cf.drop(target)
	}
}

// isLink reports whether the fleet's path rel is itself a symbolic link.
func (l *loader) isLink(rel string) bool {
	fi, err := os.Lstat(l.abs(rel))
	link := err == nil && fi.Mode()&fs.ModeSymlink != 0
	l.in.Probe("link "+rel, link)
	return link
}

// strOf is a checked string value, or unset.
func strOf(v *Value) Str {
	if v == nil || v.Kind != String {
		return Str{}
	}
	return Str{V: v.Str, Pos: v.Pos}
}
