package docs

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// page is one page of the site, rendered for a format by body.
type page struct {
	id    string
	title string
	// kind sorts pages for search: host, profile, role, user, module,
	// guide, or "" for the others.
	kind string
	// summary is one line for the search index.
	summary string
	body    func(lk linker) string
}

// graphMarker stands where the HTML site puts the fleet graph inline.
const graphMarker = "FLEET-GRAPH-FIGURE"

// pages lists every page, in a fixed order.
func (m *model) pages() []page {
	ps := []page{{id: "index", title: m.name, body: m.overview}}
	for _, h := range m.ev.Hosts {
		ps = append(ps, page{id: "hosts/" + h.Name, title: "Host " + h.Name, kind: "host", summary: h.Src.Description.V, body: m.hostPage(h)})
	}
	for _, n := range sortedKeys(m.inv.Profiles) {
		p := m.inv.Profiles[n]
		ps = append(ps, page{id: "profiles/" + n, title: "Profile " + n, kind: "profile", summary: p.Description.V, body: m.profilePage(p)})
	}
	for _, n := range sortedKeys(m.inv.Roles) {
		r := m.inv.Roles[n]
		ps = append(ps, page{id: "roles/" + n, title: "Role " + n, kind: "role", summary: r.Description.V, body: m.rolePage(r)})
	}
	for _, n := range sortedKeys(m.inv.Users) {
		u := m.inv.Users[n]
		ps = append(ps, page{id: "users/" + n, title: "User " + n, kind: "user", summary: u.Description.V, body: m.userPage(u)})
	}
	ps = append(ps, page{id: "modules", title: "Modules and options", body: m.modulesPage})
	for _, md := range m.modules {
		ps = append(ps, page{id: md.id(), title: "Module " + md.name + " (" + md.class + ")", kind: "module", summary: firstLine(md.summary), body: m.modulePage(md)})
	}
	ps = append(ps,
		page{id: "secrets", title: "Secrets", body: m.secretsPage},
		page{id: "maintenance", title: "Maintenance", body: m.maintenancePage},
		page{id: "troubleshooting", title: "Troubleshooting", body: m.troubleshootingPage},
	)
	return ps
}

// guidePages are the hand-written guides as pages of the HTML site.
func (m *model) guidePages() []page {
	var ps []page
	for _, g := range m.guides {
		ps = append(ps, page{id: "guides/" + g.name, title: g.title, kind: "guide", body: func(lk linker) string {
			text := g.text
			if firstHeading(text) == "" {
				text = "# " + g.title + "\n\n" + text
			}
			return handLinks(shiftHeadings(text, 1), g.file, "guides/"+g.name, lk)
		}})
	}
	return ps
}

// firstLine is the first paragraph of a Markdown description on one
// line.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(description(s)), "\n\n")
	return strings.Join(strings.Fields(s), " ")
}

// roleRe finds the roles of nixpkgs' documentation Markdown
// ({option}`services.foo.enable`), which forges do not know.
var roleRe = regexp.MustCompile("\\{(option|command|file|env|var|manpage)\\}`")

// description is an option description as Markdown forges render:
// nixpkgs roles become plain code spans.
func description(s string) string { return roleRe.ReplaceAllString(s, "`") }

// pageLink links to a page by a name shown as text.
func pageLink(lk linker, from, to, text string) string {
	return link(esc(text), lk.page(from, to, ""))
}

func (m *model) hostLinks(lk linker, from string, hosts []*eval.Host) string {
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = pageLink(lk, from, "hosts/"+h.Name, h.Name)
	}
	return strings.Join(parts, ", ")
}

func (m *model) namedLinks(lk linker, from, dir string, names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = pageLink(lk, from, dir+"/"+n, n)
	}
	return strings.Join(parts, ", ")
}

// posLink links to a fleet position, shown as file:line.
func posLink(lk linker, from string, pos diag.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	text := pos.File
	if pos.Line > 0 {
		text += ":" + strconv.Itoa(int(pos.Line))
	}
	return link(code(text), lk.source(from, pos))
}

// defLink says where a definition was written: its layer and position.
func defLink(lk linker, from string, d eval.Def) string {
	if !d.Pos.IsValid() {
		return esc(d.Layer)
	}
	return esc(d.Layer) + " " + posLink(lk, from, d.Pos)
}

// origin says where a resolved value came from: the deciding definition
// of a scalar, every contributing layer of a list.
func origin(lk linker, from string, n *eval.Node) string {
	if n.Kind != eval.List {
		return defLink(lk, from, n.Won())
	}
	var parts []string
	seen := map[string]bool{}
	for _, d := range n.Defs {
		if d.Layer == eval.LayerDefault || seen[d.Layer] {
			continue
		}
		seen[d.Layer] = true
		parts = append(parts, defLink(lk, from, d))
	}
	if len(parts) == 0 {
		return esc(eval.LayerDefault)
	}
	return strings.Join(parts, ", ")
}

// clip shortens a long value for a table cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (m *model) overview(lk linker) string {
	const from = "index"
	w := &mdWriter{}
	w.heading(1, esc(m.name))
	w.para(esc(m.description))
	if lk.html() {
		w.para(graphMarker)
	} else {
		w.para(link("Fleet graph: hosts, profiles, roles, modules, secrets, containers", "graph.svg"))
		w.para("![Fleet graph: hosts with their profiles, roles, modules, secrets and containers](graph.svg)")
	}
	w.heading(2, "Hosts")
	var rows [][]string
	for _, h := range m.ev.Hosts {
		rows = append(rows, []string{
			pageLink(lk, from, "hosts/"+h.Name, h.Name),
			esc(h.Src.Description.V),
			esc(string(h.Platform)), code(h.System),
			m.profileChainLinks(lk, from, h),
			m.namedLinks(lk, from, "roles", h.Roles),
			esc(hardwareSummary(h.Src.Hardware)),
			code(h.Src.Deploy.Target.V),
		})
	}
	w.table([]string{"host", "purpose", "platform", "system", "profile", "roles", "hardware", "deploy target"}, rows)
	w.heading(2, "Profiles")
	rows = nil
	for _, n := range sortedKeys(m.inv.Profiles) {
		p := m.inv.Profiles[n]
		ext := ""
		if p.Extends.V != "" && m.inv.Profiles[p.Extends.V] != nil {
			ext = pageLink(lk, from, "profiles/"+p.Extends.V, p.Extends.V)
		}
		rows = append(rows, []string{pageLink(lk, from, "profiles/"+n, n), ext, esc(p.Description.V), m.hostLinks(lk, from, m.hostsWithProfile(n))})
	}
	w.table([]string{"profile", "extends", "purpose", "hosts"}, rows)
	w.heading(2, "Roles")
	rows = nil
	for _, n := range sortedKeys(m.inv.Roles) {
		r := m.inv.Roles[n]
		rows = append(rows, []string{pageLink(lk, from, "roles/"+n, n), esc(r.Description.V), m.hostLinks(lk, from, m.hostsWithRole(n))})
	}
	w.table([]string{"role", "purpose", "hosts"}, rows)
	w.heading(2, "Users")
	rows = nil
	for _, n := range sortedKeys(m.inv.Users) {
		u := m.inv.Users[n]
		rows = append(rows, []string{pageLink(lk, from, "users/"+n, n), esc(u.Description.V), m.hostLinks(lk, from, m.hostsWithUser(n))})
	}
	w.table([]string{"user", "description", "hosts"}, rows)
	w.heading(2, "Reference and guides")
	nopts := 0
	for _, md := range m.modules {
		nopts += len(md.options)
	}
	items := []string{
		fmt.Sprintf("%s: %d modules declaring %d options (also as %s for option search front ends)", pageLink(lk, from, "modules", "Modules and options"), len(m.modules), nopts, link(code("options.json"), "options.json")),
		fmt.Sprintf("%s: who reads which of the %d secrets, and the procedures", pageLink(lk, from, "secrets", "Secrets"), len(m.secretIDs)),
		pageLink(lk, from, "maintenance", "Maintenance") + ": updating, deploying and rolling back each host",
		pageLink(lk, from, "troubleshooting", "Troubleshooting") + ": where to look when something fails",
	}
	for _, g := range m.guides {
		if href, ok := lk.file(from, g.file, ""); ok {
			items = append(items, link(esc(g.title), href)+" (hand-written)")
		}
	}
	w.list(items)
	return w.String()
}

func (m *model) profileChainLinks(lk linker, from string, h *eval.Host) string {
	chain := slices.Clone(h.ProfileChain)
	slices.Reverse(chain)
	return strings.Join(strings.Split(m.namedLinks(lk, from, "profiles", chain), ", "), " → ")
}

func hardwareSummary(hw inventory.Hardware) string {
	var parts []string
	if hw.CPU.V != "" {
		parts = append(parts, hw.CPU.V+" CPU")
	}
	if hw.MemoryGB.IsSet() {
		parts = append(parts, strconv.FormatInt(hw.MemoryGB.V, 10)+" GB")
	}
	if hw.GPU.V != "" && hw.GPU.V != "none" {
		parts = append(parts, hw.GPU.V+" GPU")
	}
	if hw.Firmware.V != "" {
		parts = append(parts, strings.ToUpper(hw.Firmware.V))
	}
	return strings.Join(parts, ", ")
}

// layerOrder lists the layers of a host, lowest first, as links.
func (m *model) layerOrder(lk linker, from string, h *eval.Host) []string {
	var out []string
	if m.inv.Common != nil {
		out = append(out, "common ("+posLink(lk, from, diag.Pos{File: m.inv.Common.File})+")")
	}
	for _, p := range h.ProfileChain {
		out = append(out, "profile "+pageLink(lk, from, "profiles/"+p, p))
	}
	for _, r := range h.Roles {
		if m.inv.Roles[r] != nil {
			out = append(out, "role "+pageLink(lk, from, "roles/"+r, r))
		}
	}
	for _, u := range h.Users {
		out = append(out, "user "+pageLink(lk, from, "users/"+u.Name, u.Name)+" (home settings)")
	}
	out = append(out, "host "+posLink(lk, from, diag.Pos{File: h.Src.File}))
	return out
}

func (m *model) hostPage(h *eval.Host) func(linker) string {
	return func(lk linker) string {
		from := "hosts/" + h.Name
		src := h.Src
		w := &mdWriter{}
		w.heading(1, esc(h.Name))
		w.para(esc(src.Description.V))
		facts := [][]string{
			{"platform", esc(string(h.Platform))},
			{"system", code(h.System)},
		}
		if sv := h.Tree.Get("state_version"); sv != nil {
			facts = append(facts, []string{"state version", code(sv.Describe())})
		}
		if len(h.ProfileChain) > 0 {
			facts = append(facts, []string{"profile", m.profileChainLinks(lk, from, h)})
		}
		facts = append(facts,
			[]string{"roles", m.namedLinks(lk, from, "roles", h.Roles)},
			[]string{"defined in", posLink(lk, from, diag.Pos{File: src.File})},
		)
		if len(src.NixFiles) > 0 {
			var files []string
			for _, f := range src.NixFiles {
				files = append(files, posLink(lk, from, diag.Pos{File: f}))
			}
			facts = append(facts, []string{"host-only modules", strings.Join(files, ", ")})
		}
		w.table([]string{"property", "value"}, facts)

		w.heading(2, "Hardware")
		var rows [][]string
		if hw := h.Tree.Get("hardware"); hw != nil {
			for _, k := range hw.Keys() {
				n := hw.Fields.At(k)
				rows = append(rows, []string{code(k), code(n.Describe()), posLink(lk, from, n.Won().Pos)})
			}
		}
		if len(rows) == 0 {
			w.para("No hardware facts are recorded in " + posLink(lk, from, diag.Pos{File: src.File}) + ".")
		}
		w.table([]string{"fact", "value", "written at"}, rows)

		w.heading(2, "Layers")
		w.para("Values are merged from these layers, lowest precedence first (module defaults come before them all):")
		items := m.layerOrder(lk, from, h)
		for i := range items {
			items[i] = strconv.Itoa(i+1) + ". " + items[i]
		}
		w.para(strings.Join(items, "\n"))

		w.heading(2, "Modules")
		rows = nil
		if mods := h.Tree.Get("modules"); mods != nil {
			for _, it := range mods.Items {
				md := m.module(string(h.Platform), it.Str)
				name := esc(it.Str)
				if md != nil {
					name = pageLink(lk, from, md.id(), it.Str)
				}
				summary := ""
				if md != nil {
					summary = firstLine(md.summary)
				}
				rows = append(rows, []string{name, summary, defLink(lk, from, it.Won())})
			}
		}
		if len(rows) == 0 {
			w.para("No fleet modules are enabled.")
		}
		w.table([]string{"module", "what it does", "enabled by"}, rows)

		w.heading(2, "Settings that differ from the defaults")
		w.para("Every value a layer sets, with the place that decided it; " + code("fleet explain "+h.Name+" PATH") + " tells the whole story of one.")
		rows = nil
		for _, key := range []string{"settings", string(h.Platform), "packages"} {
			n := h.Tree.Get(key)
			if n == nil {
				continue
			}
			for _, e := range eval.Flatten(n, []string{key}) {
				if e.Node.OnlyDefault() || (e.Node.Kind == eval.List && len(e.Node.Items) == 0) {
					continue
				}
				rows = append(rows, []string{code(e.Path), code(clip(e.Node.Describe(), 160)), origin(lk, from, e.Node)})
			}
		}
		if len(rows) == 0 {
			w.para("None: the host runs on module defaults.")
		}
		w.table([]string{"path", "value", "from"}, rows)

		m.portsSection(w, lk, from, h)
		m.containersSection(w, lk, from, h)

		w.heading(2, "Users")
		rows = nil
		for _, hu := range h.Users {
			var hm []string
			for _, n := range hu.HomeModules {
				if md := m.module("home", n); md != nil {
					hm = append(hm, pageLink(lk, from, md.id(), n))
				} else {
					hm = append(hm, esc(n))
				}
			}
			rows = append(rows, []string{pageLink(lk, from, "users/"+hu.Name, hu.Name), esc(hu.User.Description.V), strings.Join(hm, ", ")})
		}
		if len(rows) == 0 {
			w.para("No users are declared on this host.")
		}
		w.table([]string{"user", "description", "home modules"}, rows)

		w.heading(2, "Secrets")
		reads := m.hostReads(h.Name)
		w.para("The secrets this host can decrypt (never their values). It reads " + strings.Join(codes(h.Readable), ", ") + "; see " + pageLink(lk, from, "secrets", "who reads what") + ".")
		rows = nil
		for _, id := range reads {
			var uses []string
			for _, ref := range h.Secrets {
				if ref.Name == id {
					uses = append(uses, code(ref.Path)+" ("+posLink(lk, from, ref.Pos)+")")
				}
			}
			rows = append(rows, []string{link(esc(id), lk.page(from, "secrets", slug(id))), strings.Join(uses, ", ")})
		}
		for _, ref := range h.Secrets {
			if ref.File == "" {
				rows = append(rows, []string{code(ref.Name) + " (missing)", code(ref.Path) + " (" + posLink(lk, from, ref.Pos) + ")"})
			}
		}
		w.table([]string{"secret", "used at"}, rows)

		w.heading(2, "Deploy")
		dp := src.Deploy
		rows = nil
		for _, kv := range []struct {
			k string
			s inventory.Str
		}{{"target", dp.Target}, {"build on", dp.BuildOn}} {
			if kv.s.IsSet() {
				rows = append(rows, []string{kv.k, code(kv.s.V), posLink(lk, from, kv.s.Pos)})
			}
		}
		if dp.SSHPort.IsSet() {
			rows = append(rows, []string{"ssh port", code(strconv.FormatInt(dp.SSHPort.V, 10)), posLink(lk, from, dp.SSHPort.Pos)})
		}
		t := m.deploys[h.Name]
		if t != nil {
			switch {
			case dp.Order.IsSet():
				rows = append(rows, []string{"wave", code(strconv.Itoa(t.Wave)), posLink(lk, from, dp.Order.Pos)})
			case t.WaveFrom != "":
				role := strings.TrimPrefix(t.WaveFrom, "role ")
				where := ""
				if r := m.inv.Roles[role]; r != nil {
					where = posLink(lk, from, r.DeployOrder.Pos)
				}
				rows = append(rows, []string{"wave", code(strconv.Itoa(t.Wave)) + " (" + pageLink(lk, from, "roles/"+role, "role "+role) + ")", where})
			}
		}
		if len(rows) == 0 {
			w.para("No deploy target: the host is switched on the machine itself.")
		}
		w.table([]string{"property", "value", "written at"}, rows)
		if t != nil && len(t.Checks) > 0 {
			var checks []string
			for _, c := range t.Checks {
				checks = append(checks, string(c.Kind)+" "+code(c.Name)+" ("+esc(c.Why)+")")
			}
			w.para("After activating, fleet deploy checks that the host answers on a fresh SSH connection, that no unit failed that did not fail before, and: " + strings.Join(checks, ", ") + ". A failed check rolls the host back.")
		}
		w.fence("sh", deployCommand(h))
		w.para("Updating, rolling back and logs: " + pageLink(lk, "hosts/"+h.Name, "maintenance", "maintenance") + ".")

		if notes := m.readmes[h.Name]; notes != "" {
			w.heading(2, "Notes")
			w.para("From " + posLink(lk, from, diag.Pos{File: "hosts/" + h.Name + "/README.md"}) + ", written by hand:")
			w.para(handLinks(shiftHeadings(dropTitle(notes, h.Name), 3), "hosts/"+h.Name+"/README.md", from, lk))
		}
		return w.String()
	}
}

// dropTitle removes a hand-written page's first heading when it is a
// title naming the page's subject, which the generated page already has.
func dropTitle(text, subject string) string {
	t := firstHeading(text)
	if t != "" && strings.HasPrefix(strings.ToLower(t), strings.ToLower(subject)) {
		return dropFirstHeading(text)
	}
	return text
}

func codes(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return out
}

// portsSection lists the ports a host's settings declare (options of type
// port) and the ports its pass-through values open in the firewall.
func (m *model) portsSection(w *mdWriter, lk linker, from string, h *eval.Host) {
	var rows [][]string
	settings := h.Tree.Get("settings")
	if settings != nil {
		for _, e := range eval.Flatten(settings, nil) {
			keys, err := eval.ParsePath(e.Path)
			if err != nil {
				continue
			}
			o := m.option(string(h.Platform), keys)
			if o == nil || !isPort(o.Type) || e.Node.Kind != eval.Int {
				continue
			}
			rows = append(rows, []string{code(strconv.FormatInt(e.Node.Int, 10)), code("fleet." + e.Path), firstLine(o.Description), origin(lk, from, e.Node)})
		}
	}
	for _, proto := range []string{"TCP", "UDP"} {
		n := h.Tree.Lookup(string(h.Platform), "networking", "firewall", "allowed"+proto+"Ports")
		if n == nil || n.Kind != eval.List {
			continue
		}
		for _, it := range n.Items {
			rows = append(rows, []string{code(it.Describe()), code("networking.firewall.allowed" + proto + "Ports"), "opened in the firewall (" + proto + ")", origin(lk, from, it)})
		}
	}
	if ch := m.containers(h.Name); ch != nil {
		for _, i := range ch.Instances {
			for _, p := range i.Ports {
				if !p.V.Published() {
					continue
				}
				rows = append(rows, []string{code(p.V.HostRange() + "/" + p.V.Proto), code("containers." + i.Name), "published by the container", atLink(lk, from, p.Layer, p.Pos)})
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	w.heading(2, "Ports")
	w.para("Ports the host's settings name (options of type port), the firewall ports its values open, and the ports its containers publish.")
	w.table([]string{"port", "option", "what", "from"}, rows)
}

// containersSection lists the container instances a host runs, with the
// catalog definition, image, ports, volumes, unit and the layer that
// enabled each.
func (m *model) containersSection(w *mdWriter, lk linker, from string, h *eval.Host) {
	ch := m.containers(h.Name)
	if ch == nil || len(ch.Instances) == 0 {
		return
	}
	w.heading(2, "Containers")
	w.para("Run by " + code(string(ch.Backend.V)) + " (" + atLink(lk, from, ch.Backend.Layer, ch.Backend.Pos) + "); " + code("fleet containers list "+h.Name) + " lists them with every origin.")
	var rows [][]string
	for _, i := range ch.Instances {
		def := esc(i.Definition)
		if i.File != "" {
			def = link(esc(i.Definition), lk.source(from, diag.Pos{File: i.File}))
		}
		var ports, vols []string
		for _, p := range i.Ports {
			ports = append(ports, code(p.V.Describe()))
		}
		for _, v := range i.Volumes {
			vols = append(vols, code(v.V.Spec))
		}
		rows = append(rows, []string{code(i.Name), def, code(containers.ShortImage(i.Image.V)), strings.Join(ports, ", "), strings.Join(vols, ", "), code(ch.Unit(i)), atLink(lk, from, i.Enabled.Layer, i.Enabled.Pos)})
	}
	w.table([]string{"instance", "definition", "image", "ports", "volumes", "unit", "enabled by"}, rows)
}

// atLink says where a container value was decided.
func atLink(lk linker, from, layer string, pos diag.Pos) string {
	if !pos.IsValid() {
		return esc(layer)
	}
	return esc(layer) + " " + posLink(lk, from, pos)
}

func isPort(t *options.Type) bool {
	return t != nil && t.Kind == options.Int && (strings.HasSuffix(t.Name, "types.port") || t.Name == "port" ||
		(t.Min != nil && t.Max != nil && *t.Min == 0 && *t.Max == 65535))
}

// deployCommand is how the host is switched to its configuration: with
// fleet deploy when it has a target, and by hand.
func deployCommand(h *eval.Host) string {
	byHand := manualDeployCommand(h)
	if h.Src.Deploy.Target.V == "" {
		return byHand
	}
	return "fleet deploy " + h.Name + "   # build, copy, activate with a watchdog; rolls back if unhealthy\n# by hand, without the watchdog and the checks:\n" + byHand
}

// manualDeployCommand switches the host with the platform's own tool.
func manualDeployCommand(h *eval.Host) string {
	dp := h.Src.Deploy
	if h.Platform == inventory.Darwin {
		cmd := "sudo darwin-rebuild switch --flake .#" + h.Name
		if dp.Target.V != "" {
			return "# on " + h.Name + " (" + dp.Target.V + ")\n" + cmd
		}
		return cmd
	}
	cmd := "nixos-rebuild switch --flake .#" + h.Name
	if t := dp.Target.V; t != "" {
		if dp.SSHPort.IsSet() {
			cmd = "NIX_SSHOPTS='-p " + strconv.FormatInt(dp.SSHPort.V, 10) + "' " + cmd
		}
		cmd += " --target-host " + t
		if dp.BuildOn.V == "target" {
			cmd += " --build-host " + t
		}
		if user, _, ok := strings.Cut(t, "@"); !ok || user != "root" {
			cmd += " --sudo"
		}
	}
	return cmd
}

// rollbackCommand switches a host back to its previous generation.
func rollbackCommand(h *eval.Host) string {
	dp := h.Src.Deploy
	if h.Platform == inventory.Darwin {
		return "sudo darwin-rebuild --rollback"
	}
	if t := dp.Target.V; t != "" {
		return "ssh " + sshArgs(h) + " nixos-rebuild switch --rollback"
	}
	return "sudo nixos-rebuild switch --rollback"
}

func sshArgs(h *eval.Host) string {
	dp := h.Src.Deploy
	s := dp.Target.V
	if dp.SSHPort.IsSet() {
		s = "-p " + strconv.FormatInt(dp.SSHPort.V, 10) + " " + s
	}
	return s
}

// logsCommand shows a host's recent problems.
func logsCommand(h *eval.Host) string {
	if h.Platform == inventory.Darwin {
		return "log show --last 1h --predicate 'eventType == logEvent' --style compact\nsudo launchctl list | grep -v '^-\t0'"
	}
	pre := ""
	if h.Src.Deploy.Target.V != "" {
		pre = "ssh " + sshArgs(h) + " "
	}
	return pre + "systemctl --failed\n" + pre + "journalctl -b -p warning --no-pager | tail -n 50"
}

// layerValues lists what a layer file sets, with positions.
func layerValues(lk linker, from string, ly *inventory.Layer) [][]string {
	var rows [][]string
	add := func(prefix string, v *inventory.Value) {
		if v == nil {
			return
		}
		walkLeaves(v, []string{prefix}, func(p []string, leaf *inventory.Value) {
			rows = append(rows, []string{code(eval.JoinPath(p)), code(clip(leaf.Describe(), 160)), posLink(lk, from, leaf.Pos)})
		})
	}
	add("settings", ly.Settings)
	add("home_settings", ly.HomeSettings)
	add("nixos", ly.NixOS)
	add("darwin", ly.Darwin)
	add("home", ly.Home)
	add("force.settings", ly.Force.Settings)
	add("force.home_settings", ly.Force.HomeSettings)
	add("force.nixos", ly.Force.NixOS)
	add("force.darwin", ly.Force.Darwin)
	add("force.home", ly.Force.Home)
	for _, l := range []struct {
		key string
		ss  []inventory.Str
	}{{"packages", ly.Packages}, {"home_packages", ly.HomePackages}} {
		if len(l.ss) > 0 {
			rows = append(rows, []string{code(l.key), code(clip(describeStrs(l.ss), 160)), posLink(lk, from, l.ss[0].Pos)})
		}
	}
	return rows
}

func describeStrs(ss []inventory.Str) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s.V)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// walkLeaves calls f on every value below v that is not a plain table.
func walkLeaves(v *inventory.Value, p []string, f func([]string, *inventory.Value)) {
	if v.Kind == inventory.Table && !inventory.IsSpecial(v) {
		for k, x := range v.Entries() {
			walkLeaves(x, append(slices.Clone(p), k), f)
		}
		return
	}
	f(p, v)
}

// moduleList links the modules a layer enables.
func (m *model) moduleList(lk linker, from string, mods []inventory.Str, classes ...string) string {
	var parts []string
	for _, s := range mods {
		text := esc(s.V)
		for _, c := range classes {
			if md := m.module(c, s.V); md != nil {
				text = pageLink(lk, from, md.id(), s.V+" ("+c+")")
				parts = append(parts, text)
				text = ""
			}
		}
		if text != "" {
			parts = append(parts, text)
		}
	}
	return strings.Join(parts, ", ")
}

// layerSection writes what any layer page shows: modules and values.
func (m *model) layerSection(w *mdWriter, lk linker, from string, ly *inventory.Layer) {
	w.heading(2, "Modules")
	if len(ly.Modules) == 0 && len(ly.HomeModules) == 0 {
		w.para("It enables no modules itself.")
	} else {
		var items []string
		if len(ly.Modules) > 0 {
			items = append(items, "system: "+m.moduleList(lk, from, ly.Modules, "nixos", "darwin"))
		}
		if len(ly.HomeModules) > 0 {
			items = append(items, "home: "+m.moduleList(lk, from, ly.HomeModules, "home"))
		}
		w.list(items)
	}
	w.heading(2, "Values")
	rows := layerValues(lk, from, ly)
	if len(rows) == 0 {
		w.para("It sets no values itself.")
	}
	w.table([]string{"path", "value", "written at"}, rows)
}

func (m *model) profilePage(p *inventory.Profile) func(linker) string {
	return func(lk linker) string {
		from := "profiles/" + p.Name
		w := &mdWriter{}
		w.heading(1, "Profile "+esc(p.Name))
		w.para(esc(p.Description.V))
		facts := [][]string{{"defined in", posLink(lk, from, diag.Pos{File: p.File})}}
		if p.Extends.V != "" {
			ext := esc(p.Extends.V)
			if m.inv.Profiles[p.Extends.V] != nil {
				ext = pageLink(lk, from, "profiles/"+p.Extends.V, p.Extends.V)
			}
			facts = append(facts, []string{"extends", ext})
		}
		var children []string
		for _, n := range sortedKeys(m.inv.Profiles) {
			if m.inv.Profiles[n].Extends.V == p.Name {
				children = append(children, n)
			}
		}
		if len(children) > 0 {
			facts = append(facts, []string{"extended by", m.namedLinks(lk, from, "profiles", children)})
		}
		facts = append(facts, []string{"hosts", m.hostLinks(lk, from, m.hostsWithProfile(p.Name))})
		w.table([]string{"property", "value"}, facts)
		m.layerSection(w, lk, from, &p.Layer)
		return w.String()
	}
}

func (m *model) rolePage(r *inventory.Role) func(linker) string {
	return func(lk linker) string {
		from := "roles/" + r.Name
		w := &mdWriter{}
		w.heading(1, "Role "+esc(r.Name))
		w.para(esc(r.Description.V))
		facts := [][]string{
			{"defined in", posLink(lk, from, diag.Pos{File: r.File})},
			{"hosts", m.hostLinks(lk, from, m.hostsWithRole(r.Name))},
		}
		w.table([]string{"property", "value"}, facts)
		w.heading(2, "Requirements")
		req := r.Requires
		var rows [][]string
		if req.Platform.IsSet() {
			rows = append(rows, []string{"platform", code(req.Platform.V), posLink(lk, from, req.Platform.Pos)})
		}
		if req.Firmware.IsSet() {
			rows = append(rows, []string{"firmware", code(req.Firmware.V), posLink(lk, from, req.Firmware.Pos)})
		}
		if len(req.GPU) > 0 {
			rows = append(rows, []string{"GPU", code(describeStrs(req.GPU)), posLink(lk, from, req.GPU[0].Pos)})
		}
		if req.MinMemoryGB.IsSet() {
			rows = append(rows, []string{"memory", "at least " + strconv.FormatInt(req.MinMemoryGB.V, 10) + " GB", posLink(lk, from, req.MinMemoryGB.Pos)})
		}
		if len(rows) == 0 {
			w.para("None: any host may take this role.")
		}
		w.table([]string{"requirement", "value", "written at"}, rows)
		m.layerSection(w, lk, from, &r.Layer)
		w.heading(2, "Secrets")
		if len(r.Secrets) == 0 {
			w.para("The role grants no secrets.")
		} else {
			rows = nil
			for _, s := range r.Secrets {
				var match []string
				for _, id := range m.secretIDs {
					if inventory.MatchSecret(s.V, id) {
						match = append(match, code(id))
					}
				}
				rows = append(rows, []string{code(s.V), strings.Join(match, ", "), posLink(lk, from, s.Pos)})
			}
			w.para("Hosts with this role may read:")
			w.table([]string{"pattern", "secrets", "written at"}, rows)
		}
		if r.DeployOrder.IsSet() || len(r.Health.Units) > 0 || len(r.Health.Ports) > 0 {
			w.heading(2, "Deploy")
			rows = nil
			if o := r.DeployOrder; o.IsSet() {
				rows = append(rows, []string{"wave", code(strconv.FormatInt(o.V, 10)) + " (lower deploys first; a host's own order decides over it)", posLink(lk, from, o.Pos)})
			}
			for _, u := range r.Health.Units {
				rows = append(rows, []string{"health check", "unit " + code(u.V) + " active", posLink(lk, from, u.Pos)})
			}
			for _, p := range r.Health.Ports {
				what := code(strconv.Itoa(p.Port))
				if p.Setting != "" {
					what = "the port of " + code(p.Setting) + " on each host"
				}
				rows = append(rows, []string{"health check", "something listens on " + what, posLink(lk, from, p.Pos)})
			}
			w.para("What " + code("fleet deploy") + " does for hosts with this role:")
			w.table([]string{"property", "value", "written at"}, rows)
		}
		if r.Docs.V != "" {
			w.heading(2, "Notes")
			w.para(handLinks(shiftHeadings(r.Docs.V, 3), r.File, from, lk))
		}
		return w.String()
	}
}

func (m *model) userPage(u *inventory.User) func(linker) string {
	return func(lk linker) string {
		from := "users/" + u.Name
		w := &mdWriter{}
		w.heading(1, "User "+esc(u.Name))
		w.para(esc(u.Description.V))
		facts := [][]string{{"defined in", posLink(lk, from, diag.Pos{File: u.File})}}
		if u.UID.IsSet() {
			facts = append(facts, []string{"uid", code(strconv.FormatInt(u.UID.V, 10))})
		}
		if u.Shell.IsSet() {
			facts = append(facts, []string{"shell", code(u.Shell.V)})
		}
		if len(u.Groups) > 0 {
			facts = append(facts, []string{"groups", strings.Join(codes(inventory.Names(u.Groups)), ", ")})
		}
		if u.Admin.IsSet() {
			facts = append(facts, []string{"admin", code(strconv.FormatBool(u.Admin.V))})
		}
		facts = append(facts, []string{"ssh keys", strconv.Itoa(len(u.SSHKeys))})
		if u.AgeKey.IsSet() {
			facts = append(facts, []string{"age key", code(u.AgeKey.V) + " (reads " + code("secrets/users/"+u.Name+"/*") + ")"})
		}
		if u.HomeNix != "" {
			facts = append(facts, []string{"home.nix", posLink(lk, from, diag.Pos{File: u.HomeNix})})
		}
		if s := u.Standalone; s != nil {
			facts = append(facts, []string{"standalone home", code("homeConfigurations."+u.Name) + " for " + code(s.System.V)})
		}
		facts = append(facts, []string{"hosts", m.hostLinks(lk, from, m.hostsWithUser(u.Name))})
		w.table([]string{"property", "value"}, facts)
		if len(u.SSHKeys) > 0 {
			w.heading(2, "SSH keys")
			var items []string
			for _, k := range u.SSHKeys {
				f := strings.Fields(k.V)
				desc := f[0]
				if len(f) > 2 {
					desc += " " + strings.Join(f[2:], " ")
				}
				items = append(items, code(desc)+" ("+posLink(lk, from, k.Pos)+")")
			}
			w.list(items)
		}
		m.layerSection(w, lk, from, &u.Layer)
		return w.String()
	}
}

func (m *model) modulesPage(lk linker) string {
	const from = "modules"
	w := &mdWriter{}
	w.heading(1, "Modules and options")
	w.para("Every fleet module with the options it declares, read from its Nix source. The same reference is in " + link(code("options.json"), "options.json") + ", in the shape nixosOptionsDoc writes, for option search front ends.")
	for _, class := range []string{"nixos", "darwin", "home"} {
		var rows [][]string
		for _, md := range m.modules {
			if md.class != class {
				continue
			}
			rows = append(rows, []string{pageLink(lk, from, md.id(), md.name), firstLine(md.summary), strconv.Itoa(len(md.options)), strings.Join(m.moduleUsers(md), ", ")})
		}
		if len(rows) == 0 {
			continue
		}
		w.heading(2, map[string]string{"nixos": "NixOS modules", "darwin": "nix-darwin modules", "home": "home-manager modules"}[class])
		w.table([]string{"module", "what it does", "options", "enabled on"}, rows)
	}
	return w.String()
}

func (m *model) modulePage(mod *moduleDoc) func(linker) string {
	return func(lk linker) string {
		from := mod.id()
		w := &mdWriter{}
		w.heading(1, "Module "+esc(mod.name)+" ("+mod.class+")")
		w.para(description(mod.summary))
		var enabledBy []string
		for _, ly := range m.layers() {
			list := ly.Modules
			if mod.class == "home" {
				list = ly.HomeModules
			}
			for _, s := range list {
				if s.V == mod.name {
					enabledBy = append(enabledBy, esc(ly.Label())+" "+posLink(lk, from, s.Pos))
				}
			}
		}
		facts := [][]string{
			{"source", posLink(lk, from, diag.Pos{File: mod.mod.File})},
			{"enabled by", strings.Join(enabledBy, ", ")},
			{"enabled on", strings.Join(m.moduleUsers(mod), ", ")},
		}
		w.table([]string{"property", "value"}, facts)
		if mod.readme != "" {
			w.heading(2, "Notes")
			file := path.Join(path.Dir(mod.mod.File), "README.md")
			w.para(handLinks(shiftHeadings(dropTitle(mod.readme, mod.name), 3), file, from, lk))
		}
		w.heading(2, "Options")
		if len(mod.options) == 0 {
			w.para("The module declares no options fleet can read.")
		}
		for _, fo := range mod.options {
			o := fo.o
			w.heading(3, esc(fo.name))
			if o.Description != "" {
				w.para(description(o.Description))
			} else {
				w.para("*No description.*")
			}
			var items []string
			items = append(items, "Type: "+code(typeDescription(o.Type)))
			if o.Default != nil {
				items = append(items, "Default: "+code(o.Default.Source))
			}
			if o.Example != "" && !strings.Contains(o.Example, "\n") {
				items = append(items, "Example: "+code(o.Example))
			}
			items = append(items, "Declared in: "+posLink(lk, from, o.Pos))
			w.list(items)
			if strings.Contains(o.Example, "\n") {
				w.para("Example:")
				w.fence("nix", o.Example)
			}
		}
		return w.String()
	}
}

func (m *model) secretsPage(lk linker) string {
	const from = "secrets"
	w := &mdWriter{}
	w.heading(1, "Secrets")
	w.para("Who may decrypt which secret follows from the fleet, never from hand-kept lists: admins (" + posLink(lk, from, diag.Pos{File: "fleet.toml"}) + ") read everything; a host reads what its roles grant, what its values reference with " + code(`{ secret = "category/name" }`) + " and " + code("secrets/hosts/<host>/*") + "; a user with an age key reads " + code("secrets/users/<user>/*") + ". Values never appear here.")
	if len(m.secretIDs) == 0 {
		w.para("The fleet has no secrets yet.")
	} else {
		w.heading(2, "Access matrix")
		admins, hosts, users := m.parties()
		if n := len(admins) + len(hosts) + len(users); n <= 24 {
			head := []string{"secret"}
			for _, a := range admins {
				head = append(head, esc(a)+" (admin)")
			}
			for _, h := range hosts {
				head = append(head, pageLink(lk, from, "hosts/"+h, h))
			}
			for _, u := range users {
				head = append(head, pageLink(lk, from, "users/"+u, u)+" (user)")
			}
			var rows [][]string
			for _, id := range m.secretIDs {
				row := []string{link(code(id), "#"+slug(id))}
				for _, r := range append(append(prefixed("admin ", admins), prefixed("host ", hosts)...), prefixed("user ", users)...) {
					if slices.Contains(m.readBy[id], r) {
						row = append(row, "✓")
					} else {
						row = append(row, "")
					}
				}
				rows = append(rows, row)
			}
			w.table(head, rows)
		} else {
			var rows [][]string
			for _, id := range m.secretIDs {
				a, h, u := m.readers(id)
				hl := make([]string, len(h))
				for i, n := range h {
					hl[i] = pageLink(lk, from, "hosts/"+n, n)
				}
				rows = append(rows, []string{link(code(id), "#"+slug(id)), esc(strings.Join(a, ", ")), strings.Join(hl, ", "), esc(strings.Join(u, ", "))})
			}
			w.table([]string{"secret", "admins", "hosts", "users"}, rows)
		}
		w.heading(2, "Each secret")
		for _, id := range m.secretIDs {
			w.heading(3, esc(id))
			file := m.inv.Secrets[id]
			var items []string
			items = append(items, "File: "+code(file)+" ("+inventory.SecretFormat(file)+")")
			_, hosts, _ := m.readers(id)
			var grants []string
			for _, n := range sortedKeys(m.inv.Roles) {
				for _, s := range m.inv.Roles[n].Secrets {
					if inventory.MatchSecret(s.V, id) {
						grants = append(grants, "role "+pageLink(lk, from, "roles/"+n, n)+" ("+posLink(lk, from, s.Pos)+")")
					}
				}
			}
			if len(grants) > 0 {
				items = append(items, "Granted by: "+strings.Join(grants, ", "))
			}
			var uses []string
			for _, h := range m.ev.Hosts {
				for _, ref := range h.Secrets {
					if ref.Name == id {
						uses = append(uses, pageLink(lk, from, "hosts/"+h.Name, h.Name)+" "+code(ref.Path)+" ("+posLink(lk, from, ref.Pos)+")")
					}
				}
			}
			if len(uses) > 0 {
				items = append(items, "Used at: "+strings.Join(uses, "; "))
			}
			items = append(items, fmt.Sprintf("Readable by %d hosts", len(hosts)))
			w.list(items)
		}
	}
	w.heading(2, "Procedures")
	for _, g := range m.guides {
		if g.name == "secrets" {
			if href, ok := lk.file(from, g.file, ""); ok {
				w.para("The fleet's own procedures, written by hand: " + link(esc(g.title), href) + ".")
			}
		}
	}
	w.list([]string{
		"Add or change a secret: " + code("fleet secrets edit secrets/<category>/<name>.yaml") + ", then reference it with " + code(`{ secret = "<category>/<name>" }`) + " or grant it in a role's " + code("secrets") + ".",
		"After a change of who may read what (a host, role or admin added or removed): " + code("fleet generate") + " (updates " + code(".sops.yaml") + "), then " + code("fleet secrets rekey") + ".",
		"Rotate data keys after a key was exposed: " + code("fleet secrets rekey --rotate") + ", then change the secret values themselves.",
		"Check everything: " + code("fleet secrets audit") + "; list files and readers: " + code("fleet secrets list") + "; keys: " + code("fleet secrets keys") + ".",
		"Back up: " + code("fleet secrets backup OUT --to RECIPIENT") + "; restore: " + code("fleet secrets restore IN") + ".",
	})
	return w.String()
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// parties lists admins, hosts and users by name.
func (m *model) parties() (admins, hosts, users []string) {
	for _, k := range m.access.Keys() {
		switch k.Kind {
		case "admin":
			admins = append(admins, k.Name)
		case "host":
			hosts = append(hosts, k.Name)
		case "user":
			if k.Recipient != "" {
				users = append(users, k.Name)
			}
		}
	}
	return admins, hosts, users
}

// weave puts a hand-written guide under a generated page's title.
func weave(w *mdWriter, text, file, from string, lk linker) {
	if text == "" {
		return
	}
	w.para(handLinks(shiftHeadings(dropFirstHeadingIfTop(text), 2), file, from, lk))
}

// dropFirstHeadingIfTop drops the title of a woven page (the generated
// page has its own).
func dropFirstHeadingIfTop(text string) string {
	if strings.HasPrefix(strings.TrimLeft(text, "\n"), "# ") {
		return dropFirstHeading(text)
	}
	return text
}

func (m *model) maintenancePage(lk linker) string {
	const from = "maintenance"
	w := &mdWriter{}
	w.heading(1, "Maintenance")
	if m.maintenance == "" {
		w.para("How to update, deploy and roll back every host, generated from the fleet. The fleet's own routine (what only its people know) belongs in " + code("docs/"+maintenanceFile) + ", which is woven in here once it exists.")
	} else {
		w.para("How to update, deploy and roll back every host. The general part is written by hand in " + posLink(lk, from, diag.Pos{File: "docs/" + maintenanceFile}) + "; the sections per host and role are generated from the fleet.")
	}
	weave(w, m.maintenance, "docs/"+maintenanceFile, from, lk)
	w.heading(2, "Every change")
	w.fence("sh", "fleet check                 # evaluate and validate every host\nfleet generate              # write generated/ and .sops.yaml\nfleet docs                  # refresh this reference\ngit commit -am '...'        # review the generated diff first")
	w.para("Update the flake's inputs with " + code("nix flake update") + ", then deploy: " + code("fleet deploy") + " builds, copies and activates every host in waves, each guarded by a watchdog that rolls it back unless it comes back healthy; " + code("fleet deploy --plan") + " shows the waves first." + m.wavesText())
	w.heading(2, "Hosts")
	for _, h := range m.ev.Hosts {
		w.heading(3, esc(h.Name))
		var items []string
		items = append(items, pageLink(lk, from, "hosts/"+h.Name, "host page"))
		if len(h.Roles) > 0 {
			items = append(items, "roles: "+m.namedLinks(lk, from, "roles", h.Roles))
		}
		w.list(items)
		w.para("Deploy:")
		w.fence("sh", deployCommand(h))
		w.para("Roll back to the previous generation:")
		w.fence("sh", rollbackCommand(h))
		w.para("Logs and failed units:")
		w.fence("sh", logsCommand(h))
	}
	var withDocs []string
	for _, n := range sortedKeys(m.inv.Roles) {
		if m.inv.Roles[n].Docs.V != "" {
			withDocs = append(withDocs, n)
		}
	}
	if len(withDocs) > 0 {
		w.heading(2, "Roles")
		for _, n := range withDocs {
			r := m.inv.Roles[n]
			w.heading(3, esc(n))
			w.para("On " + m.hostLinks(lk, from, m.hostsWithRole(n)) + "; from " + pageLink(lk, from, "roles/"+n, "role "+n) + ":")
			w.para(handLinks(shiftHeadings(r.Docs.V, 4), r.File, from, lk))
		}
	}
	return w.String()
}

func (m *model) troubleshootingPage(lk linker) string {
	const from = "troubleshooting"
	w := &mdWriter{}
	w.heading(1, "Troubleshooting")
	if m.troubleshooting == "" {
		w.para("Where to look when something fails, generated from the fleet. The fleet's own known problems belong in " + code("docs/"+troubleshootingFile) + ", which is woven in here once it exists.")
	} else {
		w.para("Where to look when something fails. The fleet's own notes are written by hand in " + posLink(lk, from, diag.Pos{File: "docs/" + troubleshootingFile}) + "; the rest is generated.")
	}
	weave(w, m.troubleshooting, "docs/"+troubleshootingFile, from, lk)
	w.heading(2, "The fleet does not check")
	w.list([]string{
		code("fleet check") + " prints every problem as " + code("file:line:col") + " with a hint; fix the first, run it again.",
		code("fleet explain HOST PATH") + " shows every definition of one value and why one won: the answer to \"where does this come from\".",
		code("fleet diff HOST HOST") + " compares two hosts value by value.",
		code("fleet generate --check") + " shows the diff of stale generated files.",
	})
	w.heading(2, "A host cannot decrypt a secret")
	w.list([]string{
		code("fleet secrets list") + " shows, per file, who may read it and whether its recipients are out of date; " + code("fleet secrets rekey") + " fixes them.",
		"A host's age key comes from its SSH host key (" + code("host_key") + "); after a reinstall the key changes: put the new " + code("ssh-keyscan -t ed25519 HOST") + " line in its " + code("host.toml") + ", then " + code("fleet generate") + " and " + code("fleet secrets rekey") + ".",
		"On the host, sops-nix logs to the activation output and " + code("journalctl -u sops-install-secrets") + " (NixOS).",
	})
	w.heading(2, "Hosts")
	var rows [][]string
	for _, h := range m.ev.Hosts {
		reach := "on the machine"
		if h.Src.Deploy.Target.V != "" {
			reach = code("ssh " + sshArgs(h))
		}
		logs := code("journalctl -b -p warning")
		if h.Platform == inventory.Darwin {
			logs = code("log show --last 1h")
		}
		rows = append(rows, []string{pageLink(lk, from, "hosts/"+h.Name, h.Name), reach, logs, code(rollbackCommand(h)), pageLink(lk, from, "maintenance", "deploy and roll back")})
	}
	w.table([]string{"host", "reach", "logs", "roll back", "more"}, rows)
	return w.String()
}

// typeDescription describes a declared type as nixosOptionsDoc does.
func typeDescription(t *options.Type) string {
	if t == nil {
		return "unspecified"
	}
	switch t.Kind {
	case options.Bool:
		return "boolean"
	case options.Str:
		switch {
		case strings.HasSuffix(t.Name, "lines"):
			return `strings concatenated with "\n"`
		case strings.HasSuffix(t.Name, "nonEmptyStr"):
			return "non-empty string"
		case strings.HasSuffix(t.Name, "singleLineStr"):
			return "(optionally newline-terminated) single-line string"
		}
		return "string"
	case options.Int:
		switch {
		case isPort(t):
			return "16 bit unsigned integer; between 0 and 65535 (both inclusive)"
		case strings.HasSuffix(t.Name, "ints.positive"):
			return "positive integer, meaning >0"
		case strings.HasSuffix(t.Name, "ints.unsigned"):
			return "unsigned integer, meaning >=0"
		case t.Min != nil && t.Max != nil:
			return fmt.Sprintf("integer between %d and %d (both inclusive)", *t.Min, *t.Max)
		}
		return "signed integer"
	case options.Float:
		return "floating point number"
	case options.Number:
		return "signed integer or floating point number"
	case options.Path:
		return "absolute path"
	case options.Package:
		return "package"
	case options.Enum:
		vals := make([]string, len(t.Values))
		for i, v := range t.Values {
			switch v := v.(type) {
			case string:
				vals[i] = strconv.Quote(v)
			case nil:
				vals[i] = "null"
			default:
				vals[i] = fmt.Sprint(v)
			}
		}
		return "one of " + strings.Join(vals, ", ")
	case options.ListOf:
		return "list of " + typeDescription(t.Elem)
	case options.AttrsOf:
		return "attribute set of " + typeDescription(t.Elem)
	case options.Attrs:
		return "attribute set"
	case options.NullOr:
		return "null or " + typeDescription(t.Elem)
	case options.Either:
		alts := make([]string, len(t.Alts))
		for i, a := range t.Alts {
			alts[i] = typeDescription(a)
		}
		return strings.Join(alts, " or ")
	case options.Submodule:
		return "submodule"
	case options.Anything:
		return "anything"
	}
	if t.Name != "" {
		return t.Name
	}
	return "unspecified"
}

// wavesText says in which waves the hosts deploy, when there are several.
func (m *model) wavesText() string {
	byWave := map[int][]string{}
	for _, h := range m.ev.Hosts {
		if t := m.deploys[h.Name]; t != nil {
			byWave[t.Wave] = append(byWave[t.Wave], h.Name)
		}
	}
	if len(byWave) < 2 {
		return ""
	}
	var waves []int
	for w := range byWave {
		waves = append(waves, w)
	}
	slices.Sort(waves)
	var parts []string
	for _, w := range waves {
		parts = append(parts, strings.Join(byWave[w], ", "))
	}
	return " Here: " + strings.Join(parts, "; then ") + "."
}
