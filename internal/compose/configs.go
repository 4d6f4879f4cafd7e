package compose

import (
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/inventory"
)

// composeConfig is a top-level config of the compose file: where its
// content comes from.
type composeConfig struct {
	at       *yaml.Node // its key
	file     string     // the file that holds it (file:), as written
	fileAt   *yaml.Node
	content  *string // or the content itself (content:)
	env      string  // or a variable (environment:)
	external bool    // or swarm's store (external: true)
	data     []byte  // read once
	read     bool
}

// configFile is a compose config a service mounts: a file of the fleet
// (containers/<definition>/<config>) under [config_files].
type configFile struct {
	target, file string
}

// topConfigs reads the top-level configs: where each one's content is.
func (r *reader) topConfigs(n *yaml.Node) {
	for _, e := range entries(n) {
		c := &composeConfig{at: e.k}
		for _, f := range entries(e.v) {
			switch f.key {
			case "file":
				c.file, _ = r.str(f.v, "configs."+e.key+".file")
				c.fileAt = f.v
			case "content":
				if s, ok := r.str(f.v, "configs."+e.key+".content"); ok {
					c.content = &s
				}
			case "environment":
				c.env, _ = r.str(f.v, "configs."+e.key+".environment")
			case "external":
				c.external = isTrue(f.v)
			case "name":
			default:
				r.warnf(f.k, "compose-ignored", "configs.%s.%s is not carried over", e.key, f.key).
					Hint("the config's content is what the container reads")
			}
		}
		r.configs[e.key] = c
	}
}

// serviceConfigs reads the configs a service mounts (short form: a name,
// at /<name>; long form: source, target). Each becomes a file of the
// fleet beside the definition, mounted read-only from the Nix store.
func (r *reader) serviceConfigs(d *definition, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		r.errf(n, "compose-type", "configs of service %s must be a list, not %s", d.service, kindName(n))
		return
	}
	for _, it := range n.Content {
		it = resolve(it)
		var source, target string
		switch it.Kind {
		case yaml.ScalarNode:
			source, _ = r.str(it, "configs of service "+d.service)
		case yaml.MappingNode:
			for _, f := range entries(it) {
				switch f.key {
				case "source":
					source, _ = r.str(f.v, "configs.source")
				case "target":
					target, _ = r.str(f.v, "configs.target")
				case "mode", "uid", "gid":
					r.warnf(f.k, "compose-ignored", "configs.%s of service %s is not carried over: the file is mounted from the Nix store, read-only and readable by everyone", f.key, d.service).
						Hint("a config the container's user must own is not a config: mount a host folder instead")
				default:
					r.warnf(f.k, "compose-ignored", "configs.%s of service %s is not carried over", f.key, d.service)
				}
			}
		default:
			r.errf(it, "compose-type", "a config of service %s must be a name or a mapping, not %s", d.service, kindName(it))
			continue
		}
		c := r.configs[source]
		switch {
		case source == "":
			r.errf(it, "compose-config", "a config of service %s names no source", d.service).Hint("write the name of a config declared under the top-level configs:")
			continue
		case c == nil:
			r.errf(it, "compose-config", "service %s mounts config %s, which the file does not declare", d.service, source).
				Hint("declare it under the top-level configs: with file:, content: or environment:")
			continue
		case !secretKeyRE.MatchString(source) || source == "." || source == "..":
			r.errf(it, "compose-config", "config %s of service %s is not a name a file of the fleet takes", source, d.service).
				Hint("rename the config with letters, digits, '_', '.' and '-'")
			continue
		}
		if target == "" {
			target = source
		}
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		if strings.Contains(target, ":") || slices.ContainsFunc(d.configFiles, func(f configFile) bool { return f.target == target }) {
			r.errf(it, "compose-config", "config %s of service %s cannot be mounted at %s: the path has ':' or another config is there", source, d.service, target).
				Hint("choose another target")
			continue
		}
		if c.external {
			r.warnf(it, "compose-config", "config %s of service %s is external (swarm's store): it is not carried over", source, d.service).
				Hint("keep the file in the fleet (containers/%s/%s) and under [config_files] write %s = %q", d.name, source, inventory.QuoteKey(target), "containers/"+d.name+"/"+source)
			continue
		}
		data, ok := r.configData(source, c)
		if !ok {
			continue
		}
		file := path.Join("containers", d.name, source)
		d.configFiles = append(d.configFiles, configFile{target: target, file: file})
		d.files = append(d.files, File{Name: file, Src: data})
	}
}

// configData reads a config's content once: its file's, the content
// written, or its variable's value.
func (r *reader) configData(name string, c *composeConfig) ([]byte, bool) {
	if c.read {
		return c.data, true
	}
	switch {
	case c.file != "":
		file := c.file
		if !path.IsAbs(file) {
			file = path.Join(r.o.Folder, file)
		}
		if r.o.ReadFile == nil {
			r.errf(c.fileAt, "compose-config", "config %s is in %s, which is not read here", name, c.file)
			return nil, false
		}
		data, err := r.o.ReadFile(file)
		if err != nil {
			r.errf(c.fileAt, "compose-config", "cannot read config %s: %v", name, err).
				Hint("import where the file is, or keep it in the fleet yourself and name it under [config_files]")
			return nil, false
		}
		c.data = data
	case c.content != nil:
		c.data = []byte(*c.content)
	case c.env != "":
		v, ok := r.o.Lookup(c.env)
		if !ok {
			r.errf(c.at, "compose-config", "config %s comes from variable %s, which is not set", name, c.env).
				Hint("set it in the environment of the import")
			return nil, false
		}
		c.data = []byte(v)
	default:
		r.errf(c.at, "compose-config", "config %s names neither a file, a content nor a variable", name).
			Hint("give it file: ./<file>, content: or environment: <VARIABLE>")
		return nil, false
	}
	c.read = true
	return c.data, true
}
