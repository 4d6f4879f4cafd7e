package docs

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/deploy"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/secrets"
)

// Hand-written pages of a fleet's docs/ folder that are woven into the
// generated guides of the same name rather than shown on their own.
const (
	maintenanceFile     = "maintenance.md"
	troubleshootingFile = "troubleshooting.md"
)

// model is what the pages are made of: the loaded fleet, who reads which
// secret, the modules with their flattened options, and the hand-written
// Markdown found in the fleet.
type model struct {
	f      *fleet.Fleet
	inv    *inventory.Inventory
	ev     *eval.Fleet
	access *secrets.Access
	fsys   fs.FS

	name        string
	description string

	modules []*moduleDoc
	// optionIndex maps "class\x00fleet.<m>.<path>" to its declaration.
	optionIndex map[string]*options.Option

	guides []guide
	// maintenance and troubleshooting are the hand-written docs/
	// pages of those names, "" when absent.
	maintenance, troubleshooting string
	// readmes are hosts/<host>/README.md by host.
	readmes   map[string]string
	secretIDs []string
	// readBy maps a secret to the parties that may read it ("host web").
	readBy map[string][]string
	// hostSecrets maps a host to the secrets it may read, sorted.
	hostSecrets map[string][]string
	// roleSecrets maps a role to the existing secrets its secrets
	// patterns grant.
	roleSecrets map[string][]string
	// deploys is how fleet deploy would deploy each host (wave, health
	// checks), by host; hosts without a target have none.
	deploys map[string]*deploy.Target
}

// guide is a hand-written page of the fleet's docs/ folder.
type guide struct {
	name  string // file name without .md
	file  string // relative to the fleet root
	title string
	text  string
}

// moduleDoc is one fleet module and its options.
type moduleDoc struct {
	class, name string
	mod         *inventory.Module
	options     []flatOption
	summary     string // the enable option's description
	readme      string // modules/<class>/<name>/README.md
}

func (m *moduleDoc) id() string { return "modules/" + m.class + "/" + m.name }

// flatOption is a declared option with its full name; options of
// submodules appear below their parent as <name> (attribute sets) or *
// (lists), as nixosOptionsDoc names them.
type flatOption struct {
	name string
	loc  []string
	o    *options.Option
}

// newModel collects the model of a loaded fleet whose files fsys reads.
func newModel(f *fleet.Fleet, fsys fs.FS) *model {
	m := &model{f: f, inv: f.Inventory, ev: f.Eval, fsys: fsys, readmes: map[string]string{}, optionIndex: map[string]*options.Option{}}
	m.access, _ = f.Access()
	m.deploys = map[string]*deploy.Target{}
	plan, _ := deploy.Plan(f.Eval.Hosts, f.Containers, deploy.PlanOptions{Roles: f.Inventory.Roles})
	for _, t := range plan {
		m.deploys[t.Host] = t
	}
	m.name = path.Base(f.Dir)
	if fl := f.Inventory.Fleet; fl != nil {
		if fl.Name.V != "" {
			m.name = fl.Name.V
		}
		m.description = fl.Description.V
	}
	for id := range m.inv.Secrets {
		m.secretIDs = append(m.secretIDs, id)
	}
	sort.Strings(m.secretIDs)
	names := m.inv.SecretNames()
	m.roleSecrets = map[string][]string{}
	for rn, role := range m.inv.Roles {
		for _, s := range role.Secrets {
			p := inventory.ParseSecretPattern(s.V)
			names.Each(&p, func(id string) bool {
				m.roleSecrets[rn] = append(m.roleSecrets[rn], id)
				return true
			})
		}
	}
	m.readBy = map[string][]string{}
	m.hostSecrets = map[string][]string{}
	readers := m.access.Index()
	for _, id := range m.secretIDs {
		m.readBy[id] = readers.Readers(id)
		for _, r := range m.readBy[id] {
			if host, ok := strings.CutPrefix(r, "host "); ok {
				m.hostSecrets[host] = append(m.hostSecrets[host], id)
			}
		}
	}
	for _, class := range []string{"nixos", "darwin", "home"} {
		names := make([]string, 0, len(m.inv.Modules[class]))
		for n := range m.inv.Modules[class] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			md := &moduleDoc{class: class, name: n, mod: m.inv.Modules[class][n]}
			if om := m.ev.Options[class][n]; om != nil {
				for _, o := range om.Options {
					flatten(o, nil, &md.options)
				}
			}
			for _, fo := range md.options {
				m.optionIndex[class+"\x00"+fo.name] = fo.o
				if fo.name == "fleet."+n+".enable" {
					md.summary = fo.o.Description
				}
			}
			md.readme = readText(fsys, path.Join(path.Dir(md.mod.File), "README.md"))
			m.modules = append(m.modules, md)
		}
	}
	for _, h := range m.inv.Hosts {
		if t := readText(fsys, "hosts/"+h.Name+"/README.md"); t != "" {
			m.readmes[h.Name] = t
		}
	}
	entries, _ := fs.ReadDir(fsys, "docs")
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".md") {
			continue
		}
		text := readText(fsys, "docs/"+name)
		if strings.HasPrefix(text, MarkdownHeader) {
			continue // written by fleet docs --out docs
		}
		switch name {
		case maintenanceFile:
			m.maintenance = text
			continue
		case troubleshootingFile:
			m.troubleshooting = text
			continue
		}
		g := guide{name: strings.TrimSuffix(name, ".md"), file: "docs/" + name, text: text}
		g.title = firstHeading(text)
		if g.title == "" {
			g.title = g.name
		}
		m.guides = append(m.guides, g)
	}
	return m
}

// flatten appends an option and the options of its submodules.
func flatten(o *options.Option, prefix []string, out *[]flatOption) {
	loc := append(slices.Clone(prefix), o.Path...)
	*out = append(*out, flatOption{name: strings.Join(loc, "."), loc: loc, o: o})
	t := o.Type
	for t != nil {
		switch t.Kind {
		case options.Submodule:
			for _, so := range t.Options {
				flatten(so, loc, out)
			}
			return
		case options.AttrsOf:
			loc = append(loc, "<name>")
		case options.ListOf:
			loc = append(loc, "*")
		case options.NullOr:
		default:
			return
		}
		t = t.Elem
	}
}

func readText(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ""
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// option returns the declaration behind a settings path of a host's
// class ("monitoring.grafanaPort"), or nil.
func (m *model) option(class string, path []string) *options.Option {
	return m.optionIndex[class+"\x00fleet."+strings.Join(path, ".")]
}

// module returns the module doc of class and name, or nil.
func (m *model) module(class, name string) *moduleDoc {
	for _, md := range m.modules {
		if md.class == class && md.name == name {
			return md
		}
	}
	return nil
}

// containers returns the container instances of a host, or nil.
func (m *model) containers(host string) *containers.Host {
	if m.f.Containers == nil {
		return nil
	}
	return m.f.Containers.Host(host)
}

// hostsWithRole returns the evaluated hosts listing a role.
func (m *model) hostsWithRole(role string) []*eval.Host {
	var out []*eval.Host
	for _, h := range m.ev.Hosts {
		if slices.Contains(h.Roles, role) {
			out = append(out, h)
		}
	}
	return out
}

// hostsWithProfile returns the evaluated hosts whose profile chain holds
// the profile.
func (m *model) hostsWithProfile(p string) []*eval.Host {
	var out []*eval.Host
	for _, h := range m.ev.Hosts {
		if slices.Contains(h.ProfileChain, p) {
			out = append(out, h)
		}
	}
	return out
}

// hostsWithUser returns the evaluated hosts a user lives on.
func (m *model) hostsWithUser(u string) []*eval.Host {
	var out []*eval.Host
	for _, h := range m.ev.Hosts {
		for _, hu := range h.Users {
			if hu.Name == u {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// moduleUsers lists where a module is enabled: host names for system
// modules, host/user for home modules.
func (m *model) moduleUsers(md *moduleDoc) []string {
	var out []string
	for _, h := range m.ev.Hosts {
		if md.class == "home" {
			for _, hu := range h.Users {
				if slices.Contains(hu.HomeModules, md.name) {
					out = append(out, h.Name+"/"+hu.Name)
				}
			}
			continue
		}
		if string(h.Platform) == md.class && slices.Contains(h.Modules, md.name) {
			out = append(out, h.Name)
		}
	}
	return out
}

// layers returns every layer file in a fixed order: common, profiles,
// roles, users, hosts.
func (m *model) layers() []*inventory.Layer {
	out := m.inv.SharedLayers()
	for _, h := range m.inv.Hosts {
		out = append(out, &h.Layer)
	}
	return out
}

// readers returns who may read a secret, split by kind, each by name.
func (m *model) readers(id string) (admins, hosts, users []string) {
	for _, r := range m.readBy[id] {
		kind, name, _ := strings.Cut(r, " ")
		switch secrets.PartyKind(kind) {
		case secrets.KindAdmin:
			admins = append(admins, name)
		case secrets.KindHost:
			hosts = append(hosts, name)
		case secrets.KindUser:
			users = append(users, name)
		}
	}
	return admins, hosts, users
}

// hostReads returns the secrets a host may read.
func (m *model) hostReads(host string) []string { return m.hostSecrets[host] }

func sortedKeys[V any](mp map[string]V) []string {
	out := make([]string, 0, len(mp))
	for k := range mp {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
