package compose

import (
	"errors"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/diag"
)

// files knows which compose file each node was read from, for positions
// once several files are merged. A node merge makes counts as its base's.
type files map[*yaml.Node]string

// add records every node below n as read from file.
func (f files) add(n *yaml.Node, file string, depth int) {
	if n == nil || depth > maxDepth*4 {
		return
	}
	if _, ok := f[n]; ok {
		return
	}
	f[n] = file
	for _, c := range n.Content {
		f.add(c, file, depth+1)
	}
}

// like makes n come from the file like came from.
func (f files) like(n, like *yaml.Node) *yaml.Node {
	if file, ok := f[like]; ok {
		f[n] = file
	}
	return n
}

// merge puts compose file over (an override, or the service a service
// extends) over base, as compose merges files: mappings key by key, a
// scalar replaced; of a service's lists, ports, expose, dns, cap_add and
// the like are appended to, volumes and devices replace the mount with the
// same target, secrets and configs the one with the same source,
// environment, labels, extra_hosts, sysctls, annotations,
// networks and depends_on replace the entry with the same name, and
// command, entrypoint and any other list are replaced. path is where base
// and over are (nil for the files, {"services", name} for a service).
// Where the two meet the result is new; neither input is changed.
func (f files) merge(path []string, base, over *yaml.Node, depth int) *yaml.Node {
	base, over = resolve(base), resolve(over)
	switch {
	case base == nil:
		return over
	case over == nil, depth > maxDepth:
		return base
	}
	if base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := f.like(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line, Column: base.Column}, base)
	index := map[string]int{}
	for _, e := range entries(base) {
		index[e.key] = len(out.Content) + 1
		out.Content = append(out.Content, e.k, e.v)
	}
	for _, e := range entries(over) {
		i, ok := index[e.key]
		if !ok {
			index[e.key] = len(out.Content) + 1
			out.Content = append(out.Content, e.k, e.v)
			continue
		}
		p := append(path[:len(path):len(path)], e.key)
		out.Content[i] = f.field(p, out.Content[i], e.v, depth+1)
	}
	return out
}

// field merges the value at path: a service's lists by compose's rules,
// anything else as merge does.
func (f files) field(path []string, base, over *yaml.Node, depth int) *yaml.Node {
	base, over = resolve(base), resolve(over)
	if len(path) != 3 || path[0] != "services" || base == nil || over == nil {
		return f.merge(path, base, over, depth)
	}
	switch path[2] {
	case "ports", "expose", "dns", "dns_search", "dns_opt", "tmpfs", "cap_add", "cap_drop", "security_opt", "group_add", "env_file", "external_links", "links":
		return f.appendLists(base, over)
	case "volumes", "devices":
		return f.byKey(base, over, mountTarget)
	case "secrets", "configs":
		return f.byKey(base, over, mountSource)
	case "environment", "labels", "extra_hosts", "sysctls", "annotations", "networks", "depends_on":
		b, o := f.asMapping(base, path[2] == "extra_hosts"), f.asMapping(over, path[2] == "extra_hosts")
		if b == nil || o == nil {
			return over
		}
		return f.merge(nil, b, o, depth)
	case "command", "entrypoint":
		return over
	}
	return f.merge(path, base, over, depth)
}

// appendLists is base's elements, then over's (a scalar counts as a list
// of one).
func (f files) appendLists(base, over *yaml.Node) *yaml.Node {
	out := f.like(&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: base.Line, Column: base.Column}, base)
	for _, n := range []*yaml.Node{base, over} {
		if n.Kind == yaml.SequenceNode {
			out.Content = append(out.Content, items(n)...)
		} else if !isNull(n) {
			out.Content = append(out.Content, n)
		}
	}
	return out
}

// byKey is base's items with those over has an item of the same key
// for (key: a mount's container path, a secret's or config's source)
// replaced, then over's others.
func (f files) byKey(base, over *yaml.Node, key func(*yaml.Node) string) *yaml.Node {
	if base.Kind != yaml.SequenceNode || over.Kind != yaml.SequenceNode {
		return over
	}
	out := f.like(&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: base.Line, Column: base.Column}, base)
	at := map[string]int{}
	for _, n := range items(base) {
		at[key(n)] = len(out.Content)
		out.Content = append(out.Content, n)
	}
	for _, n := range items(over) {
		if i, ok := at[key(n)]; ok && key(n) != "" {
			out.Content[i] = n
			continue
		}
		out.Content = append(out.Content, n)
	}
	return out
}

// mountTarget is the container path of a volume or device, short or long
// form.
func mountTarget(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		return longField(n, "target")
	}
	parts := strings.Split(n.Value, ":")
	if len(parts) == 1 {
		return parts[0]
	}
	return parts[1]
}

// mountSource is the source a service's secret or config names, short
// or long form.
func mountSource(n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		return longField(n, "source")
	}
	return n.Value
}

// longField is the scalar at key of a long-form list item, or "".
func longField(n *yaml.Node, key string) string {
	for _, e := range entries(n) {
		if e.key == key {
			return e.v.Value
		}
	}
	return ""
}

// asMapping turns a list of NAME=value and NAME items (host:ip too, with
// hosts) into a mapping with the items' positions; a mapping is returned
// as it is, anything else as nil.
func (f files) asMapping(n *yaml.Node, hosts bool) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		return n
	case yaml.SequenceNode:
	default:
		return nil
	}
	out := f.like(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}, n)
	for _, it := range items(n) {
		if it.Kind != yaml.ScalarNode {
			return nil
		}
		k, v, ok := strings.Cut(it.Value, "=")
		if !ok && hosts {
			k, v, ok = strings.Cut(it.Value, ":")
		}
		key := f.like(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: it.Line, Column: it.Column}, it)
		val := f.like(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: it.Line, Column: it.Column}, it)
		if ok {
			val.Tag, val.Value = "!!str", v
		}
		out.Content = append(out.Content, key, val)
	}
	return out
}

// extendAll returns root with each of its services merged over the
// service it extends.
func (r *reader) extendAll(root *yaml.Node) *yaml.Node {
	var svcs []entry
	var at int
	for i, e := range entries(root) {
		if e.key == "services" {
			svcs, at = entries(e.v), i
		}
	}
	if !slices.ContainsFunc(svcs, func(s entry) bool {
		return slices.ContainsFunc(entries(s.v), func(e entry) bool { return e.key == "extends" })
	}) {
		return root
	}
	for i := range svcs {
		svcs[i].v = r.extend(svcs[i], svcs, "", nil)
	}
	services := r.files.like(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, root)
	for _, s := range svcs {
		services.Content = append(services.Content, s.k, s.v)
	}
	out := r.files.like(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line, Column: root.Column}, root)
	for i, e := range entries(root) {
		v := e.v
		if i == at {
			services.Line, services.Column = v.Line, v.Column
			v = services
		}
		out.Content = append(out.Content, e.k, v)
	}
	return out
}

// extend returns service s's mapping merged over the service it extends
// (extends: name, or extends: { service: name, file: other.yaml }), which
// is itself extended first; svcs are the services of s's file, from is
// that file ("" for the files being read), chain the services extending
// s.
func (r *reader) extend(s entry, svcs []entry, from string, chain []string) *yaml.Node {
	v := resolve(s.v)
	if v == nil || v.Kind != yaml.MappingNode {
		return v
	}
	var ext *entry
	own := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
	r.files.like(own, v)
	for _, e := range entries(v) {
		if e.key == "extends" {
			ext = &e
			continue
		}
		own.Content = append(own.Content, e.k, e.v)
	}
	if ext == nil {
		return v
	}
	here := from + "\x00" + s.key
	if len(chain) > maxDepth || slices.Contains(chain, here) {
		r.errf(ext.k, "compose-extends", "service %s extends itself through %d services", s.key, len(chain))
		return own
	}
	name, file := "", ""
	switch ext.v.Kind {
	case yaml.ScalarNode:
		name = ext.v.Value
	case yaml.MappingNode:
		for _, e := range entries(ext.v) {
			switch e.key {
			case "service":
				name, _ = r.str(e.v, "extends.service")
			case "file":
				file, _ = r.str(e.v, "extends.file")
			}
		}
	}
	if name == "" {
		r.errf(ext.v, "compose-extends", "extends of service %s names no service", s.key).Hint("write extends: { service: <name>, file: <other compose file> }")
		return own
	}
	if file != "" {
		other := r.readOther(file, ext.v)
		if other == nil {
			return own
		}
		svcs, from = entries(other), file
		for _, e := range entries(resolve(other)) {
			if e.key == "services" {
				svcs = entries(e.v)
			}
		}
	}
	i := slices.IndexFunc(svcs, func(e entry) bool { return e.key == name })
	if i < 0 {
		where := "the file"
		if file != "" {
			where = file
		}
		r.errf(ext.v, "compose-extends", "service %s extends %s, which %s does not define", s.key, name, where)
		return own
	}
	base := r.extend(svcs[i], svcs, from, append(chain, here))
	return r.files.merge([]string{"services", s.key}, base, own, 0)
}

// readOther reads the compose file an extends names (below the compose
// file's folder), at.
func (r *reader) readOther(file string, at *yaml.Node) *yaml.Node {
	name := file
	if !path.IsAbs(name) {
		name = path.Join(r.o.Folder, name)
	}
	if r.o.ReadFile == nil {
		r.errf(at, "compose-extends", "cannot read %s: %v", file, errNoFiles)
		return nil
	}
	src, err := r.o.ReadFile(name)
	if err != nil {
		r.errf(at, "compose-extends", "cannot read %s: %v", file, unwrapPath(err))
		return nil
	}
	dl := &diag.List{}
	root := parseFile(file, src, dl)
	r.dl.Append(dl)
	if root != nil {
		r.files.add(root, file, 0)
	}
	return root
}

// unwrapPath drops the path a file system error repeats.
func unwrapPath(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
