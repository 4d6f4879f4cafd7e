package docs

import (
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// The fleet graph is drawn in columns, left to right: profiles, hosts,
// roles, modules, secrets, containers. Edges say "uses": a host its
// profile (and a profile the one it extends), a host its roles, a role or
// host the modules it enables, a role or host the secrets it may read, a
// host the container definitions it runs.

type graphNode struct {
	kind  string // profile, host, role, module, secret
	name  string
	label string
	page  string // page id, or "" when the node has no page
	file  string // the fleet file a node without a page links to
	title string // tooltip
	x, y  int
	w     int
}

type graphEdge struct {
	from, to *graphNode
	kind     string
}

const (
	nodeH   = 22
	nodeGap = 6
	colGap  = 110
	charW   = 7
	top     = 40
)

// graph renders the fleet graph as SVG. from is the page the SVG's links
// are relative to.
func (m *model) graph(lk linker, from string) string {
	cols := map[string][]*graphNode{}
	byKey := map[string]*graphNode{}
	add := func(kind, name, label, page, title string) *graphNode {
		key := kind + "\x00" + name
		if n := byKey[key]; n != nil {
			return n
		}
		n := &graphNode{kind: kind, name: name, label: label, page: page, title: title}
		byKey[key] = n
		cols[kind] = append(cols[kind], n)
		return n
	}
	var edges []graphEdge
	edge := func(a, b *graphNode, kind string) {
		if a != nil && b != nil {
			edges = append(edges, graphEdge{a, b, kind})
		}
	}
	for _, n := range sortedKeys(m.inv.Profiles) {
		add("profile", n, n, "profiles/"+n, "profile "+n+": "+m.inv.Profiles[n].Description.V)
	}
	for _, n := range sortedKeys(m.inv.Profiles) {
		if p := m.inv.Profiles[n]; p.Extends.V != "" {
			edge(byKey["profile\x00"+n], byKey["profile\x00"+p.Extends.V], "extends")
		}
	}
	for _, h := range m.ev.Hosts {
		add("host", h.Name, h.Name, "hosts/"+h.Name, "host "+h.Name+" ("+string(h.Platform)+"): "+h.Src.Description.V)
	}
	for _, n := range sortedKeys(m.inv.Roles) {
		add("role", n, n, "roles/"+n, "role "+n+": "+m.inv.Roles[n].Description.V)
	}
	moduleNode := func(class, name string) *graphNode {
		md := m.module(class, name)
		if md == nil {
			return nil
		}
		key := name
		label := name
		if class == "home" {
			key, label = "home:"+name, name+" (home)"
		}
		return add("module", key, label, md.id(), "module "+name+" ("+class+"): "+firstLine(md.summary))
	}
	for _, id := range m.secretIDs {
		add("secret", id, id, "secrets", "secret "+id)
	}
	for _, h := range m.ev.Hosts {
		hn := byKey["host\x00"+h.Name]
		if h.Profile != "" {
			edge(hn, byKey["profile\x00"+h.Profile], "profile")
		}
		viaRole := map[string]bool{}
		granted := map[string]bool{}
		for _, r := range h.Roles {
			role := m.inv.Roles[r]
			if role == nil {
				continue
			}
			edge(hn, byKey["role\x00"+r], "role")
			for _, s := range role.Modules {
				viaRole[s.V] = true
			}
			for _, id := range m.roleSecrets[r] {
				granted[id] = true
			}
		}
		for _, mod := range h.Modules {
			if !viaRole[mod] {
				edge(hn, moduleNode(string(h.Platform), mod), "module")
			}
		}
		homeMods := map[string]bool{}
		for _, hu := range h.Users {
			for _, mod := range hu.HomeModules {
				homeMods[mod] = true
			}
		}
		for _, mod := range sortedKeys(homeMods) {
			edge(hn, moduleNode("home", mod), "module")
		}
		for _, id := range m.hostReads(h.Name) {
			if !granted[id] {
				edge(hn, byKey["secret\x00"+id], "secret")
			}
		}
		if ch := m.containers(h.Name); ch != nil {
			for _, i := range ch.Instances {
				cn := add("container", i.Definition, i.Definition, "", "container "+i.Definition+": "+containers.ShortImage(i.Image.V))
				if cn.file == "" {
					cn.file = i.File
				}
				edge(hn, cn, "container")
			}
		}
	}
	for _, n := range sortedKeys(m.inv.Roles) {
		r := m.inv.Roles[n]
		rn := byKey["role\x00"+n]
		platform := "nixos"
		if r.Requires.Platform.V == "darwin" {
			platform = "darwin"
		}
		for _, s := range r.Modules {
			mn := moduleNode(platform, s.V)
			if mn == nil {
				mn = moduleNode(otherClass(platform), s.V)
			}
			edge(rn, mn, "module")
		}
		for _, s := range r.HomeModules {
			edge(rn, moduleNode("home", s.V), "module")
		}
		for _, id := range m.secretIDs {
			for _, p := range r.Secrets {
				if inventory.MatchSecret(p.V, id) {
					edge(rn, byKey["secret\x00"+id], "secret")
					break
				}
			}
		}
	}
	slices.SortStableFunc(cols["module"], func(a, b *graphNode) int { return strings.Compare(a.label, b.label) })

	slices.SortStableFunc(cols["container"], func(a, b *graphNode) int { return strings.Compare(a.label, b.label) })
	order := []string{"profile", "host", "role", "module", "secret", "container"}
	heads := map[string]string{"profile": "profiles", "host": "hosts", "role": "roles", "module": "modules", "secret": "secrets", "container": "containers"}
	colX := map[string]int{}
	x, height := 10, top
	for _, kind := range order {
		w := len(heads[kind]) * charW
		for _, n := range cols[kind] {
			w = max(w, len(n.label)*charW+16)
		}
		for i, n := range cols[kind] {
			n.x, n.y, n.w = x, top+i*(nodeH+nodeGap), w
			height = max(height, n.y+nodeH+10)
		}
		colX[kind] = x
		x += w + colGap
	}
	width := x - colGap + 10

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="fleet-graph" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="fleet-graph-title">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<title id="fleet-graph-title">Fleet graph of %s: %d hosts with their profiles, roles, modules, secrets and containers</title>`+"\n", html.EscapeString(m.name), len(m.ev.Hosts))
	b.WriteString(`<style>.fleet-graph text{font:12px sans-serif;fill:#111}.fleet-graph .head{font-weight:bold}.fleet-graph path{fill:none;stroke-opacity:.45}` +
		`.fleet-graph .e-profile,.fleet-graph .e-extends{stroke:#6a3d9a}.fleet-graph .e-role{stroke:#1f78b4}.fleet-graph .e-module{stroke:#33a02c}.fleet-graph .e-secret{stroke:#e31a1c}` +
		`.fleet-graph .n-profile rect{fill:#e8dff5}.fleet-graph .n-host rect{fill:#fff3c4}.fleet-graph .n-role rect{fill:#dcebf7}.fleet-graph .n-module rect{fill:#e1f3dc}.fleet-graph .n-secret rect{fill:#fbe0e0}` +
		`.fleet-graph .e-container{stroke:#b15928}.fleet-graph .n-container rect{fill:#fdebd0}.fleet-graph rect{stroke:#555;rx:4}</style>` + "\n")
	for _, kind := range order {
		fmt.Fprintf(&b, `<text class="head" x="%d" y="%d">%s</text>`+"\n", colX[kind], top-14, heads[kind])
	}
	for _, e := range edges {
		a, z := e.from, e.to
		var x1, y1, x2, y2 int
		y1, y2 = a.y+nodeH/2, z.y+nodeH/2
		switch {
		case a.x == z.x: // extends: a loop on the left
			x1, x2 = a.x, z.x
			fmt.Fprintf(&b, `<path class="e-%s" d="M%d %d C%d %d %d %d %d %d"/>`+"\n", e.kind, x1, y1, x1-30, y1, x2-30, y2, x2, y2)
			continue
		case a.x < z.x:
			x1, x2 = a.x+a.w, z.x
		default:
			x1, x2 = a.x, z.x+z.w
		}
		mid := (x1 + x2) / 2
		fmt.Fprintf(&b, `<path class="e-%s" d="M%d %d C%d %d %d %d %d %d"/>`+"\n", e.kind, x1, y1, mid, y1, mid, y2, x2, y2)
	}
	for _, kind := range order {
		for _, n := range cols[kind] {
			href := ""
			switch {
			case n.page != "":
				href = lk.page(from, n.page, nodeFrag(n))
			case n.file != "":
				href = lk.source(from, diag.Pos{File: n.file})
			}
			fmt.Fprintf(&b, `<a href="%s"><g class="n-%s" data-%s="%s"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d"/><text x="%d" y="%d">%s</text></g></a>`+"\n",
				html.EscapeString(href), n.kind, n.kind, html.EscapeString(n.name), html.EscapeString(strings.TrimRight(n.title, ": ")),
				n.x, n.y, n.w, nodeH, n.x+8, n.y+15, html.EscapeString(n.label))
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// nodeFrag is the anchor of a node on its page: secrets share one page.
func nodeFrag(n *graphNode) string {
	if n.kind == "secret" {
		return slug(n.name)
	}
	return ""
}

func otherClass(c string) string {
	if c == "nixos" {
		return "darwin"
	}
	return "nixos"
}
