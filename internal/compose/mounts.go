package compose

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// source is a top-level secret or config of the compose files: where its
// content comes from.
type source struct {
	at       *yaml.Node // its key
	file     string     // the file that holds it (file:), as written
	fileAt   *yaml.Node
	content  *string // or the content itself (content:, configs only)
	env      string  // or a variable (environment:)
	external bool    // or swarm's store (external: true)
	data     []byte  // read once
	read     bool
	exec     bool // its file is executable
}

// mountKind is what a service's secrets or configs list mounts: the key
// ("secret" or "config"), the folder a relative target is below, the
// keys of a top-level one, and what to do with one that cannot be read.
type mountKind struct {
	name, dir string
	keys      []string
	keep      string // how to keep one fleet cannot read, for a hint
}

var (
	secretMounts = mountKind{"secret", "/run/secrets/", []string{"file", "environment", "external", "name"},
		"put its value in fleet's secrets yourself (fleet secrets set) and name it under [secret_files]"}
	configMounts = mountKind{"config", "/", []string{"file", "content", "environment", "external", "name"},
		"keep the file in the fleet yourself and name it under [config_files]"}
)

// sources lists the keys that say where a top-level one's content is:
// "file:, content: or environment:" (with or).
func (k mountKind) sources(or string) string {
	srcs := slices.DeleteFunc(slices.Clone(k.keys), func(key string) bool { return key == "external" || key == "name" })
	for i := range srcs {
		srcs[i] += ":"
	}
	return strings.Join(srcs[:len(srcs)-1], ", ") + or + srcs[len(srcs)-1]
}

// nameRE matches the names of compose secrets and configs that fleet
// takes: keys of a secret file, names of a file of the fleet.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// topSources reads the top-level secrets or configs: where each one's
// content is.
func (r *reader) topSources(n *yaml.Node, kind mountKind, into map[string]*source) {
	for _, e := range entries(n) {
		s := &source{at: e.k}
		for _, f := range entries(e.v) {
			what := kind.name + "s." + e.key + "." + f.key
			switch {
			case !slices.Contains(kind.keys, f.key):
				r.warnf(f.k, "compose-ignored", "%s is not carried over", what).
					Hint("the %s's content is what the container reads", kind.name)
			case f.key == "file":
				s.file, _ = r.str(f.v, what)
				s.fileAt = f.v
			case f.key == "content":
				if c, ok := r.str(f.v, what); ok {
					s.content = &c
				}
			case f.key == "environment":
				s.env, _ = r.str(f.v, what)
			case f.key == "external":
				s.external = isTrue(f.v)
			}
		}
		into[e.key] = s
	}
}

// mount is one entry of a service's secrets or configs list.
type mount struct {
	src    *source
	name   string     // the source's name
	target string     // absolute
	others []entry    // the long form's other keys
	at     *yaml.Node // the entry
}

// mounts reads a service's secrets or configs list (short form: a name;
// long form: source, target and more): the entries that name a declared
// source, each with its target (a relative one below kind.dir). What is
// wrong with an entry is reported, and the entry left out.
func (r *reader) mounts(d *definition, n *yaml.Node, kind mountKind, declared map[string]*source) []mount {
	if n.Kind != yaml.SequenceNode {
		r.errf(n, "compose-type", "%ss of service %s must be a list, not %s", kind.name, d.service, kindName(n))
		return nil
	}
	var out []mount
	for _, it := range n.Content {
		it = resolve(it)
		m := mount{at: it}
		switch it.Kind {
		case yaml.ScalarNode:
			m.name, _ = r.str(it, kind.name+"s of service "+d.service)
		case yaml.MappingNode:
			for _, f := range entries(it) {
				switch f.key {
				case "source":
					m.name, _ = r.str(f.v, kind.name+"s.source")
				case "target":
					m.target, _ = r.str(f.v, kind.name+"s.target")
				default:
					m.others = append(m.others, f)
				}
			}
		default:
			r.errf(it, "compose-type", "a %s of service %s must be a name or a mapping, not %s", kind.name, d.service, kindName(it))
			continue
		}
		m.src = declared[m.name]
		switch {
		case m.name == "":
			r.errf(it, "compose-"+kind.name, "a %s of service %s names no source", kind.name, d.service).
				Hint("write the name of a %s declared under the top-level %ss:", kind.name, kind.name)
			continue
		case m.src == nil:
			r.errf(it, "compose-"+kind.name, "service %s mounts %s %s, which the file does not declare", d.service, kind.name, m.name).
				Hint("declare it under the top-level %ss: with %s", kind.name, kind.sources(" or "))
			continue
		case !nameRE.MatchString(m.name) || m.name == "." || m.name == "..":
			r.errf(it, "compose-"+kind.name, "%s %s of service %s is not a name fleet takes", kind.name, m.name, d.service).
				Hint("rename the %s with letters, digits, '_', '.' and '-'", kind.name)
			continue
		}
		if m.target == "" {
			m.target = m.name
		}
		if !strings.HasPrefix(m.target, "/") {
			m.target = kind.dir + m.target
		}
		switch {
		case strings.Contains(m.target, ":"):
			r.errf(it, "compose-"+kind.name, "%s %s of service %s is mounted at %s: a path with ':' cannot be mounted", kind.name, m.name, d.service, m.target).
				Hint("choose a target without ':'")
			continue
		case slices.ContainsFunc(out, func(o mount) bool { return o.target == m.target }):
			r.errf(it, "compose-"+kind.name, "service %s mounts two %ss at %s", d.service, kind.name, m.target).
				Hint("give one of them another target")
			continue
		}
		out = append(out, m)
	}
	return out
}

// data reads a source's content once: its file's, the content written,
// or its variable's value.
func (r *reader) data(kind mountKind, name string, s *source) ([]byte, bool) {
	if s.read {
		return s.data, true
	}
	switch {
	case s.file != "":
		file := s.file
		if !path.IsAbs(file) {
			file = path.Join(r.o.Folder, file)
		}
		if r.o.ReadFile == nil {
			r.errf(s.fileAt, "compose-"+kind.name, "%s %s is in %s, which is not read here", kind.name, name, s.file)
			return nil, false
		}
		data, err := r.o.ReadFile(file)
		if err != nil {
			r.errf(s.fileAt, "compose-"+kind.name, "cannot read %s %s: %v", kind.name, name, err).
				Hint("import where the file is, or %s", kind.keep)
			return nil, false
		}
		s.data = data
		s.exec = r.o.Executable != nil && r.o.Executable(file)
	case s.content != nil:
		s.data = []byte(*s.content)
	case s.env != "":
		v, ok := r.o.Lookup(s.env)
		if !ok {
			r.errf(s.at, "compose-"+kind.name, "%s %s comes from variable %s, which is not set", kind.name, name, s.env).
				Hint("set it in the environment of the import")
			return nil, false
		}
		s.data = []byte(v)
	default:
		r.errf(s.at, "compose-"+kind.name, "%s %s names neither %s", kind.name, name, kind.sources(" nor ")).
			Hint("give it file: ./<file> or environment: <VARIABLE>")
		return nil, false
	}
	s.read = true
	return s.data, true
}
