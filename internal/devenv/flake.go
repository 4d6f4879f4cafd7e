package devenv

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// flakeInput is an input of a flake.nix with a literal url.
type flakeInput struct {
	Name string
	URL  string
	Pos  diag.Pos // of the url string
	// Start and End are the byte offsets of the url's string literal,
	// quotes included.
	Start, End int
}

// readFlake parses a flake.nix and returns its description and its
// inputs' literal urls (inputs.x.url = "...", inputs = { x.url = ...; },
// inputs.x = { url = ...; }; in source order). A flake.nix that is not an
// attribute set has neither.
func readFlake(name string, src []byte) (desc string, inputs []flakeInput, ds []diag.Diagnostic) {
	f, ds := syntax.Parse(name, src)
	if len(ds) > 0 || f.Expr == nil {
		return "", nil, ds
	}
	set, ok := syntax.Unparen(f.Expr).(*syntax.AttrSet)
	if !ok {
		return "", nil, []diag.Diagnostic{{Pos: f.NodePos(f.Expr), Code: "template", Message: "flake.nix is not an attribute set",
			Hints: []string{"a flake is { description = ...; inputs = ...; outputs = ...; }"}}}
	}
	for _, d := range f.Definitions(set) {
		switch {
		case len(d.Path) == 1 && d.Path[0] == "description":
			if s, ok := d.Value.(*syntax.String); ok {
				desc, _ = syntax.StringValue(s)
			}
		case len(d.Path) == 3 && d.Path[0] == "inputs" && d.Path[2] == "url" && !d.Dynamic:
			s, ok := d.Value.(*syntax.String)
			if !ok {
				continue
			}
			v, ok := syntax.StringValue(s)
			if !ok {
				continue
			}
			first, last := syntax.FirstToken(s), syntax.LastToken(s)
			inputs = append(inputs, flakeInput{Name: d.Path[1], URL: v, Pos: f.NodePos(s), Start: first.Off, End: last.End()})
		}
	}
	return desc, inputs, nil
}

// lockedInput is a root input of a flake.lock.
type lockedInput struct {
	// URL is the flake reference that names exactly the locked revision,
	// or "" when the input's type has none fleet can write.
	URL string
	Rev string
}

// readLock returns the locked root inputs of a flake.lock by name.
func readLock(data []byte) (map[string]lockedInput, error) {
	var lock struct {
		Nodes map[string]struct {
			Inputs map[string]json.RawMessage `json:"inputs"`
			Locked map[string]any             `json:"locked"`
		} `json:"nodes"`
		Root string `json:"root"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("flake.lock is not valid JSON: %w", err)
	}
	root, ok := lock.Nodes[lock.Root]
	if !ok {
		return nil, fmt.Errorf("flake.lock has no root node %q", lock.Root)
	}
	out := map[string]lockedInput{}
	for name, raw := range root.Inputs {
		var node string
		if json.Unmarshal(raw, &node) != nil {
			continue // a follows path: not locked here
		}
		n, ok := lock.Nodes[node]
		if !ok || n.Locked == nil {
			continue
		}
		out[name] = lockedInput{URL: lockedURL(n.Locked), Rev: str(n.Locked["rev"])}
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// lockedURL writes a locked reference as a flake URL pinned to its
// revision: github:owner/repo/rev and the like, git+url?rev=..., or the
// tarball's url.
func lockedURL(l map[string]any) string {
	typ, rev := str(l["type"]), str(l["rev"])
	switch typ {
	case "github", "gitlab", "sourcehut":
		owner, repo := str(l["owner"]), str(l["repo"])
		if owner == "" || repo == "" || rev == "" {
			return ""
		}
		u := typ + ":" + owner + "/" + repo + "/" + rev
		if host := str(l["host"]); host != "" {
			u += "?host=" + url.QueryEscape(host)
		}
		return u
	case "git":
		u := str(l["url"])
		if u == "" || rev == "" {
			return ""
		}
		q := url.Values{"rev": {rev}}
		if ref := str(l["ref"]); ref != "" {
			q.Set("ref", ref)
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		return "git+" + u + sep + q.Encode()
	case "tarball", "file":
		if u := str(l["url"]); u != "" {
			return u
		}
	}
	return ""
}
