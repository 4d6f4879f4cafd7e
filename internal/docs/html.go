package docs

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"github.com/fleetdev/fleet/internal/fleet"
)

//go:embed assets/style.css
var styleCSS []byte

//go:embed assets/search.js
var searchJS []byte

// renderPages renders the pages' Markdown in parallel; lk gives the
// linker of page i.
func renderPages(pages []page, lk func(i int) linker) []string {
	out := make([]string, len(pages))
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = pages[i].body(lk(i))
			}
		}()
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

// HTML renders the static HTML site of a loaded fleet: every page of the
// Markdown reference, the hand-written guides, a page per fleet file a
// page links to (with line anchors), a search page, the graph,
// options.json, a style sheet and the search script. It needs no network
// and reads without JavaScript.
func HTML(f *fleet.Fleet) (Site, error) {
	fsys := os.DirFS(f.Dir)
	m := newModel(f, fsys)
	pageOf := map[string]string{}
	for _, g := range m.guides {
		pageOf[g.file] = "guides/" + g.name
	}
	for h := range m.readmes {
		pageOf["hosts/"+h+"/README.md"] = "hosts/" + h
	}
	pageOf["docs/"+maintenanceFile] = "maintenance"
	pageOf["docs/"+troubleshootingFile] = "troubleshooting"
	pages := append(m.pages(), m.guidePages()...)
	linkers := make([]*htmlLinker, len(pages))
	for i := range linkers {
		linkers[i] = &htmlLinker{fsys: fsys, pageOf: pageOf, sources: map[string]bool{}}
	}
	bodies := renderPages(pages, func(i int) linker { return linkers[i] })
	sources := map[string]bool{}
	for _, l := range linkers {
		for s := range l.sources {
			sources[s] = true
		}
	}
	site := Site{}
	graphLk := &htmlLinker{fsys: fsys, pageOf: pageOf, sources: map[string]bool{}}
	graph := m.graph(graphLk, "index")
	htmls := make([]string, len(pages))
	var wg sync.WaitGroup
	work := make(chan int)
	errs := make([]error, len(pages))
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				htmls[i], errs[i] = toHTML(bodies[i])
			}
		}()
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, p := range pages {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", p.id, errs[i])
		}
		content := htmls[i]
		if p.id == "index" {
			content = strings.Replace(content, "<p>"+graphMarker+"</p>", `<figure class="graph">`+graph+`<figcaption>Hosts with their profiles, roles, modules, secrets and containers; every box links to its page or file.</figcaption></figure>`, 1)
		}
		site[htmlFile(p.id)] = m.layout(p.id, p.title, template.HTML(content), false)
	}
	for file := range sources {
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			continue
		}
		id := sourceID(file)
		site[htmlFile(id)] = m.layout(id, file, sourceHTML(file, src), false)
	}
	site["search.html"] = m.layout("search", "Search", m.searchHTML(pages), true)
	site["graph.svg"] = []byte(graph)
	site["options.json"] = m.optionsJSON()
	site["style.css"] = styleCSS
	site["search.js"] = searchJS
	return site, nil
}

// githubIDs gives headings the anchors a forge gives them, so that links
// written for the Markdown tree work in the HTML site too.
type githubIDs struct{ used map[string]bool }

func (g *githubIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	base := slug(string(value))
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; g.used[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	g.used[id] = true
	return []byte(id)
}

func (g *githubIDs) Put(value []byte) { g.used[string(value)] = true }

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// toHTML renders Markdown; raw HTML in it is left out.
func toHTML(src string) (string, error) {
	var b bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(&githubIDs{used: map[string]bool{}}))
	if err := markdown.Convert([]byte(src), &b, parser.WithContext(ctx)); err != nil {
		return "", err
	}
	return b.String(), nil
}

var layoutTmpl = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fleet docs">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Root}}style.css">
</head>
<body>
<header>
<nav aria-label="Site">
<a href="{{.Root}}index.html">{{.Fleet}}</a>
<a href="{{.Root}}modules.html">Modules</a>
<a href="{{.Root}}secrets.html">Secrets</a>
<a href="{{.Root}}maintenance.html">Maintenance</a>
<a href="{{.Root}}troubleshooting.html">Troubleshooting</a>
<a href="{{.Root}}search.html">All pages</a>
</nav>
<form role="search" action="{{.Root}}search.html" method="get">
<label for="q">Search hosts, roles, modules and options</label>
<input id="q" name="q" type="search" autocomplete="off">
<button type="submit">Search</button>
</form>
</header>
<main>
{{.Content}}
</main>
<footer><p>Generated by <code>fleet docs</code> from the fleet's files; edit those, not this page.</p></footer>
{{if .Script}}<script src="{{.Root}}search.js"></script>
{{end}}</body>
</html>
`))

func (m *model) layout(id, title string, content template.HTML, script bool) []byte {
	full := title + " · " + m.name
	if id == "index" {
		full = m.name + " · fleet documentation"
	}
	var b bytes.Buffer
	err := layoutTmpl.Execute(&b, struct {
		Title, Root, Fleet string
		Content            template.HTML
		Script             bool
	}{full, strings.Repeat("../", depth(id)), m.name, content, script})
	if err != nil {
		panic(err) // the template and its data are fixed
	}
	return b.Bytes()
}

// sourceHTML shows a fleet file with an anchor per line (#L12).
func sourceHTML(file string, src []byte) template.HTML {
	var b strings.Builder
	b.WriteString("<h1>" + html.EscapeString(file) + "</h1>\n")
	b.WriteString(`<pre class="source"><code>`)
	lines := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
	for i, l := range lines {
		fmt.Fprintf(&b, `<span class="line" id="L%d"><span class="ln" aria-hidden="true">%d</span>%s</span>`+"\n", i+1, i+1, html.EscapeString(l))
	}
	b.WriteString("</code></pre>\n")
	return template.HTML(b.String())
}

// searchHTML is the search page: every host, profile, role, user, module,
// option and guide as a list, readable without JavaScript; search.js
// filters it by the query.
func (m *model) searchHTML(pages []page) template.HTML {
	var b strings.Builder
	b.WriteString("<h1>Search</h1>\n")
	n := 0
	var items strings.Builder
	item := func(kind, name, href, summary string) {
		n++
		text := strings.ToLower(kind + " " + name + " " + summary)
		fmt.Fprintf(&items, `<li data-kind="%s" data-name="%s" data-text="%s"><a href="%s">%s</a> <span class="kind">%s</span>`,
			html.EscapeString(kind), html.EscapeString(strings.ToLower(name)), html.EscapeString(text), html.EscapeString(href), html.EscapeString(name), html.EscapeString(kind))
		if summary != "" {
			items.WriteString(" " + html.EscapeString(clip(summary, 140)))
		}
		items.WriteString("</li>\n")
	}
	for _, p := range pages {
		if p.kind == "" {
			continue
		}
		name := path.Base(p.id)
		if p.kind == "module" {
			name = strings.TrimPrefix(p.id, "modules/")
		}
		if p.kind == "guide" {
			name = p.title
		}
		item(p.kind, name, htmlFile(p.id), p.summary)
		if p.kind == "module" {
			for _, mod := range m.modules {
				if mod.id() != p.id {
					continue
				}
				for _, fo := range mod.options {
					item("option", fo.name, htmlFile(p.id)+"#"+slug(fo.name), firstLine(fo.o.Description))
				}
			}
		}
	}
	fmt.Fprintf(&b, `<p id="search-status" role="status" aria-live="polite">All %d entries: hosts, profiles, roles, users, modules, options and guides. Type in the search box to narrow them.</p>`+"\n", n)
	b.WriteString(`<ul id="search-results">` + "\n" + items.String() + "</ul>\n")
	return template.HTML(b.String())
}
