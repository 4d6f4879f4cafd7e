package docs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fleetdev/fleet/internal/fleet"
)

// chromium returns the path of a Chromium-family browser, or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts headless Chromium for a test. The flags keep it off the
// network: the site must need none.
func browser(t *testing.T) (context.Context, *pageProblems) {
	t.Helper()
	exe := chromium()
	if exe == "" {
		t.Skip("chromium is not installed: the docs site is checked in a real browser when it is (apt-get install chromium)")
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	probs := &pageProblems{}
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithListener(probs.listen))
	t.Cleanup(cancelBrowser)
	if _, err := chromedp.Call(bctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	if _, err := chromedp.Call(bctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return bctx, probs
}

// pageProblems collects what the browser reports as errors: uncaught
// exceptions, console.error calls and failed loads (a 404 of a script,
// a style sheet or an image).
type pageProblems struct {
	mu   sync.Mutex
	list []string
}

func (p *pageProblems) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			msg = string(ev.Entry.Level) + ": " + ev.Entry.Text + " " + ev.Entry.URL
		}
	}
	if msg != "" {
		p.mu.Lock()
		p.list = append(p.list, msg)
		p.mu.Unlock()
	}
}

// take returns the problems seen since the last call.
func (p *pageProblems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

// pageInfo is what a page says about itself, read in the browser.
type pageInfo struct {
	Title    string   `json:"title"`
	Headings []int    `json:"headings"`
	Links    []string `json:"links"`
	IDs      []string `json:"ids"`
	// Unlabelled lists form controls with no accessible name.
	Unlabelled []string `json:"unlabelled"`
	// Images lists images that did not render.
	Broken []string `json:"broken"`
	// Foreign lists what the page loaded from another origin: the site
	// needs no network.
	Foreign []string `json:"foreign"`
}

const pageInfoJS = `(() => {
  const named = (el) => (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.getAttribute("title");
  return {
    title: document.title,
    headings: Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6")).map(h => Number(h.tagName[1])),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => new URL(a.getAttribute("href"), document.baseURI).href),
    ids: Array.from(document.querySelectorAll("[id]")).map(e => e.id),
    unlabelled: Array.from(document.querySelectorAll("input,select,textarea,button")).filter(el => el.type !== "hidden" && !named(el) && !(el.tagName === "BUTTON" && el.textContent.trim() !== "")).map(el => el.outerHTML),
    broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
    foreign: performance.getEntriesByType("resource").map(e => e.name).filter(n => new URL(n).origin !== location.origin),
  };
})()`

// TestSiteInBrowser serves the example fleet's HTML site as fleet docs
// serve does and walks it in headless Chromium: every page reachable
// from the overview loads without a console error and without anything
// from another origin, has a title, one h1 first and headings that go
// down one level at a time, and labelled controls; every internal link
// resolves, fragments included; search finds a host, a role and an
// option; the graph draws every host; without JavaScript the search page
// lists everything.
func TestSiteInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("walks the whole site in a browser")
	}
	s := &Server{Dir: "../../examples/homelab", Log: io.Discard}
	if err := s.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	ctx, probs := browser(t)

	base, _ := url.Parse(ts.URL + "/")
	queue := []string{base.String()}
	seen := map[string]bool{base.String(): true}
	ids := map[string][]string{}   // page -> its element ids
	frags := map[string][]string{} // page -> fragments linked to it
	fragFrom := map[string]string{}
	pages := 0
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		info, err := chromedp.Run(ctx, chromedp.Evaluate[pageInfo](pageInfoJS))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		pages++
		rel := strings.TrimPrefix(u, ts.URL)
		for _, p := range probs.take() {
			t.Errorf("%s: %s", rel, p)
		}
		if strings.TrimSpace(info.Title) == "" {
			t.Errorf("%s: no title", rel)
		}
		checkHeadings(t, rel, info.Headings)
		for _, c := range info.Unlabelled {
			t.Errorf("%s: control without a label: %s", rel, c)
		}
		for _, b := range info.Broken {
			t.Errorf("%s: image does not render: %s", rel, b)
		}
		for _, f := range info.Foreign {
			t.Errorf("%s: loads %s from another origin", rel, f)
		}
		ids[u] = info.IDs
		for _, l := range info.Links {
			lu, err := url.Parse(l)
			if err != nil {
				t.Errorf("%s: bad link %q", rel, l)
				continue
			}
			if lu.Host != base.Host {
				continue // a service's address, a mail address: not the site's
			}
			frag := lu.Fragment
			lu.Fragment, lu.RawQuery = "", ""
			target := lu.String()
			if frag != "" {
				frags[target] = append(frags[target], frag)
				fragFrom[target+"#"+frag] = rel
			}
			if seen[target] {
				continue
			}
			seen[target] = true
			if ext := path.Ext(lu.Path); ext == ".html" || strings.HasSuffix(lu.Path, "/") {
				queue = append(queue, target)
				continue
			}
			// Not a page (graph.svg, options.json): it must be served.
			resp, err := http.Get(target)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: link to %s: %s", rel, strings.TrimPrefix(target, ts.URL), resp.Status)
			}
		}
	}
	for target, fs := range frags {
		have, ok := ids[target]
		if !ok {
			continue // not a page: no fragments to check
		}
		for _, f := range fs {
			if !slices.Contains(have, f) {
				t.Errorf("%s: link to %s#%s: no element has that id", fragFrom[target+"#"+f], strings.TrimPrefix(target, ts.URL), f)
			}
		}
	}
	if pages < 50 {
		t.Errorf("walked %d pages; the example's site has more: links are missing", pages)
	}
	t.Logf("walked %d pages and %d links", pages, len(seen))

	// The graph draws every host, each with a box on the canvas.
	fl, err := fleet.Load(context.Background(), s.Dir, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, h := range fl.Eval.Hosts {
		hosts = append(hosts, h.Name)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg.fleet-graph g.n-host")).filter(g => g.getBBox().width > 0).map(g => g.dataset.host)`))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(drawn)
	if !slices.Equal(drawn, hosts) {
		t.Errorf("graph draws hosts %v, want %v", drawn, hosts)
	}

	// Search, typed as a person does, finds a host, a role and an option.
	for _, q := range []struct{ query, kind, name, href string }{
		{"rich-evans", "host", "rich-evans", "hosts/rich-evans.html"},
		{"monitoring", "role", "monitoring", "roles/monitoring.html"},
		{"gcKeepDays", "option", "fleet.nix-settings.gcKeepDays", "modules/nixos/nix-settings.html#fleetnix-settingsgckeepdays"},
	} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/search.html"),
			chromedp.WaitVisible(chromedp.ID("q")),
			chromedp.SendKeys(chromedp.ID("q"), q.query),
		)
		if err != nil {
			t.Fatal(err)
		}
		status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("search-status")))
		if err != nil {
			t.Fatal(err)
		}
		hits, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](`Array.from(document.querySelectorAll("#search-results li")).filter(li => !li.hidden).map(li => ({kind: li.dataset.kind, name: li.querySelector("a").textContent, href: li.querySelector("a").getAttribute("href")}))`))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hits {
			if h["kind"] == q.kind && h["name"] == q.name && h["href"] == q.href {
				found = true
			}
		}
		if !found {
			t.Errorf("search %q: no %s %s linking to %s among %d results: %v", q.query, q.kind, q.name, q.href, len(hits), hits)
		}
		if !strings.Contains(status, fmt.Sprint(len(hits))) || !strings.Contains(status, q.query) {
			t.Errorf("search %q: status %q does not say %d results", q.query, status, len(hits))
		}
		for _, p := range probs.take() {
			t.Errorf("search %q: %s", q.query, p)
		}
	}

	// Without JavaScript the search page lists every entry, and a host
	// page is whole.
	const countAll = `document.querySelectorAll("#search-results li").length`
	const countShown = `Array.from(document.querySelectorAll("#search-results li")).filter(li => !li.hidden).length`
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/search.html")); err != nil {
		t.Fatal(err)
	}
	all, err := chromedp.Run(ctx, chromedp.Evaluate[int](countAll))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/search.html?q=zzz")); err != nil {
		t.Fatal(err)
	}
	filtered, err := chromedp.Run(ctx, chromedp.Evaluate[int](countShown))
	if err != nil {
		t.Fatal(err)
	}
	if filtered != 0 {
		t.Errorf("search for zzz from the address shows %d entries, want none", filtered)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/search.html?q=zzz")); err != nil {
		t.Fatal(err)
	}
	noJS, err := chromedp.Run(ctx, chromedp.Evaluate[int](countShown))
	if err != nil {
		t.Fatal(err)
	}
	if all == 0 || noJS != all {
		t.Errorf("without JavaScript the search page shows %d of %d entries, want all", noJS, all)
	}
}

// checkHeadings reports a page whose headings do not start with its one
// h1 or skip a level going down.
func checkHeadings(t *testing.T, page string, levels []int) {
	t.Helper()
	if len(levels) == 0 || levels[0] != 1 {
		t.Errorf("%s: the first heading is not an h1: %v", page, levels)
		return
	}
	for i := 1; i < len(levels); i++ {
		if levels[i] == 1 {
			t.Errorf("%s: a second h1", page)
		}
		if levels[i] > levels[i-1]+1 {
			t.Errorf("%s: heading h%d follows h%d", page, levels[i], levels[i-1])
		}
	}
}
