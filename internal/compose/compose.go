// Package compose reads a Docker Compose file and turns each of its
// services into a container definition of fleet's catalog
// (containers/<name>.toml): what `fleet containers import` writes. It owns
// compose's reading rules that matter for that: interpolation from the
// environment and a .env file, merge keys and anchors, the short and long
// forms of ports, volumes, environment, labels, networks and
// dependencies, and the project's names for networks and volumes.
//
// Every definition Read returns loads in fleet without a finding (the fuzz
// target checks it). What a definition cannot say is a warning at the
// compose file's line and column, and so is a variable that is not set
// (compose makes it empty); what cannot be carried over at all (a service
// without an image, a ${VAR:?} that is not set) is an error, and Read's
// caller writes nothing.
package compose

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mattn/go-shellwords"
	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
)

// Options say how Read turns services into definitions.
type Options struct {
	// Lookup gives the variables compose would interpolate (the shell's,
	// then the .env file's); nil for none.
	Lookup Lookup
	// Project names the project, which names its networks and volumes
	// (<project>_<name>, as compose does). Empty: COMPOSE_PROJECT_NAME
	// (through Lookup), else the file's name key, else Folder's last
	// element.
	Project string
	// Folder is the absolute folder of the compose file: relative host
	// paths (./data) are below it, and env_file names are read from it.
	Folder string
	// DataDir replaces Folder for relative host paths, when set.
	DataDir string
	// ReadFile reads an env_file, or a secret's or config's file (a path
	// joined to Folder).
	ReadFile func(name string) ([]byte, error)
	// Executable reports whether a config's file is executable, which the
	// file of the fleet it becomes is then too (nil: none is).
	Executable func(name string) bool
	// Secrets moves the values of variables that look like secrets
	// (PASSWORD, TOKEN, SECRET_KEY, ...) out of the definition: it reads
	// each from secrets/containers/<name>.yaml (Definition.Secrets holds
	// what to store there). Without it they stay in the definition, with a
	// warning.
	Secrets bool
	// Profiles are the compose profiles that are active (docker compose
	// --profile); nil: those COMPOSE_PROFILES names (through Lookup),
	// comma-separated. "*" activates all. A service in profiles none of
	// which is active gets a definition, and no layer runs it.
	Profiles []string
	// Prefix goes before each service's name ("paperless-" makes db
	// paperless-db): the services keep their names on the network as
	// aliases, so they reach each other as before.
	Prefix string
}

// Definition is one service, as a catalog definition.
type Definition struct {
	Name string
	Pos  diag.Pos // the service's key in the compose file
	TOML []byte   // containers/<Name>.toml
	// Run is false for a service whose compose profiles are not active:
	// no layer runs it.
	Run bool
	// Secrets are the variables (name and value) whose values go to
	// secrets/containers/<Name>.yaml, each under its name, with
	// Options.Secrets; the definition reads them from there.
	Secrets [][2]string
	// Files are the compose configs the definition mounts: files of the
	// fleet (Name relative to its root: containers/<Name>/<config>).
	Files []File
}

// SecretFile is the secret file of a definition's Secrets, relative to the
// fleet's root.
func (d *Definition) SecretFile() string { return "secrets/" + d.SecretName() + ".yaml" }

// SecretName is the name definitions use for it: containers/<Name>.
func (d *Definition) SecretName() string { return secretOf(d.Name) }

// secretOf is the secret that holds definition name's secret values.
func secretOf(name string) string { return "containers/" + name }

// SecretPlaintext is the YAML plaintext of the secret file: each of
// Secrets a string under its name.
func (d *Definition) SecretPlaintext() ([]byte, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, v := range d.Secrets {
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v[0]},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v[1], Style: yaml.DoubleQuotedStyle})
	}
	return yaml.Marshal(m)
}

// OverrideOf is the override file docker compose merges over file when it
// finds file by its default name (compose.override.yaml beside
// compose.yaml, for instance), or "" when there is none.
func OverrideOf(file string) string {
	base := filepath.Base(file)
	for _, stem := range []string{"compose", "docker-compose"} {
		if base != stem+".yaml" && base != stem+".yml" {
			continue
		}
		for _, ext := range []string{".yaml", ".yml"} {
			o := filepath.Join(filepath.Dir(file), stem+".override"+ext)
			if _, err := os.Stat(o); err == nil {
				return o
			}
		}
	}
	return ""
}

// Result is what Read made of a compose file.
type Result struct {
	Project     string
	Definitions []Definition // in the file's order
}

// File is a compose file: its name in messages, and its content; or a
// file an import writes into the fleet, with its content and whether it
// is executable.
type File struct {
	Name string
	Src  []byte
	Exec bool
}

// Read reads compose file file (its name in messages) and returns a
// definition for each service. The result is nil when the list holds an
// error.
func Read(file string, src []byte, o Options) (*Result, *diag.List) {
	return ReadFiles([]File{{Name: file, Src: src}}, o)
}

// ReadFiles reads compose files as compose reads several (-f a -f b, or
// compose.yaml with compose.override.yaml): each later one merged over
// those before it. A service that extends another (extends: base, or
// extends: { service: base, file: other.yaml }) is merged over it the same
// way.
func ReadFiles(fs []File, o Options) (*Result, *diag.List) {
	dl := &diag.List{}
	if o.Lookup == nil {
		o.Lookup = func(string) (string, bool) { return "", false }
	}
	if len(fs) == 0 {
		dl.Errorf(diag.Pos{}, "compose-yaml", "no compose file")
		return nil, dl
	}
	seen := files{}
	file := fs[0].Name
	r := &reader{file: file, files: seen, o: o, dl: dl, networks: map[string]string{}, volumes: map[string]string{}, secrets: map[string]*source{}, configs: map[string]*source{}}
	var root *yaml.Node
	for _, f := range fs {
		n := parseFile(f.Name, f.Src, dl)
		if n == nil {
			return nil, dl
		}
		seen.add(n, f.Name, 0)
		// As compose does, a file's services extend the services of that
		// file (or of the file they name) before the files merge.
		root = seen.merge(nil, root, r.extendAll(n), 0)
	}
	if dl.HasErrors() {
		return nil, dl
	}
	var services *yaml.Node
	var servicesKey *yaml.Node
	top := entries(root)
	if v, ok := o.Lookup("COMPOSE_PROJECT_NAME"); ok && o.Project == "" {
		o.Project = v
	}
	for _, e := range top {
		if e.key == "name" {
			if s, ok := r.str(e.v, "name"); ok && o.Project == "" {
				o.Project = s
			}
		}
	}
	if o.Profiles == nil {
		if v, ok := o.Lookup("COMPOSE_PROFILES"); ok {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					o.Profiles = append(o.Profiles, p)
				}
			}
		}
	}
	r.o.Profiles = o.Profiles
	r.project = projectName(o.Project, o.Folder)
	if r.project == "" {
		dl.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "compose-project", "no project name: the file has no name key and its folder gives none").
			Hint("give one with --project")
		return nil, dl
	}
	for _, e := range top {
		switch {
		case e.key == "services":
			services, servicesKey = e.v, e.k
		case e.key == "networks":
			r.topNetworks(e.v)
		case e.key == "volumes":
			r.topVolumes(e.v)
		case e.key == "secrets":
			r.topSources(e.v, secretMounts, r.secrets)
		case e.key == "configs":
			r.topSources(e.v, configMounts, r.configs)
		case e.key == "version", e.key == "name", strings.HasPrefix(e.key, "x-"):
		case e.key == "include":
			dl.Errorf(r.pos(e.k), "compose-include", "include is not read: its services would be missing").
				Hint("import each included compose file on its own")
		default:
			dl.Warnf(r.pos(e.k), "compose-ignored", "top-level %s is not carried over", e.key).
				Hint("%s", ignoredHint(e.key))
		}
	}
	svcs := entries(services)
	if len(svcs) == 0 {
		at := diag.Pos{File: file, Line: 1, Col: 1}
		if servicesKey != nil {
			at = r.pos(servicesKey)
		}
		dl.Errorf(at, "compose-services", "%s defines no services", file).Hint("a compose file lists its containers under services:")
		return nil, dl
	}
	r.services = make(map[string]bool, len(svcs))
	for _, s := range svcs {
		r.services[s.key] = true
	}

	res := &Result{Project: r.project}
	var defs []*definition
	for _, s := range svcs {
		if d := r.service(s); d != nil {
			res.Definitions = append(res.Definitions, Definition{Name: r.name(s.key), Pos: r.pos(s.k), Secrets: d.secrets})
			defs = append(defs, d)
		}
	}
	startDependencies(defs)
	r.sharedPaths(defs)
	for i, d := range defs {
		res.Definitions[i].TOML = d.render()
		for _, f := range d.configFiles {
			res.Definitions[i].Files = append(res.Definitions[i].Files, f.file)
		}
		res.Definitions[i].Run = !d.inactive
		if d.inactive {
			r.warnf(d.profilesAt, "compose-profile", "service %s is in compose profile %s, which is not active: its definition %s is written, and no layer runs it", d.service, strings.Join(d.profiles, ", "), d.name).
				Hint("activate it with --compose-profile %s (or COMPOSE_PROFILES), as docker compose --profile does", d.profiles[0])
		}
	}
	if dl.HasErrors() {
		return nil, dl
	}
	return res, dl
}

// startDependencies makes the services a running service depends on run
// too, whatever their profiles, as compose starts them.
func startDependencies(defs []*definition) {
	byName := make(map[string]*definition, len(defs))
	for _, d := range defs {
		byName[d.name] = d
	}
	var start func(d *definition)
	start = func(d *definition) {
		for _, dep := range slices.Concat(d.dependsOn, d.joins) {
			if o := byName[dep]; o != nil && o.inactive {
				o.inactive = false
				start(o)
			}
		}
	}
	for _, d := range defs {
		if !d.inactive {
			start(d)
		}
	}
}

// sharedPaths marks the mounts of a host path two services write shared
// (z: content shared among containers), as fleet check wants them where
// several containers write one folder; compose lets them without. Each
// marked mount is a warning at its line. A mount relabelled private (Z)
// is left as it is, and fleet check reports it.
func (r *reader) sharedPaths(defs []*definition) {
	type write struct {
		def *definition
		i   int // the index of the mount in def's volumes
		v   containers.Volume
	}
	var writes []write
	for _, d := range defs {
		for i, spec := range d.volumes {
			v, err := containers.ParseVolume(spec)
			if err != nil || !v.HostPath || v.ReadOnly {
				continue
			}
			writes = append(writes, write{d, i, v})
		}
	}
	// with names, for each mount to mark, the services it shares with.
	with := make(map[*write][]string)
	for a := range writes {
		for b := range writes[:a] {
			w, o := &writes[a], &writes[b]
			if w.def == o.def || !containers.NestedPaths(w.v.Source, o.v.Source) {
				continue
			}
			if slices.Contains(w.v.Options, "Z") || slices.Contains(o.v.Options, "Z") {
				r.warnf(w.def.volumeAt[w.i], "compose-shared-path", "services %s and %s both write host path %s, and a mount relabels it private (Z): fleet check reports it", o.def.name, w.def.name, w.v.Source).
					Also(r.pos(o.def.volumeAt[o.i]), "%s mounts it here", o.def.name).
					Hint("mount it with z instead of Z where both write it, read-only (:ro) where a service only reads it, or give each its own folder")
				continue
			}
			with[w] = append(with[w], o.def.name)
			with[o] = append(with[o], w.def.name)
		}
	}
	for k := range writes {
		x := &writes[k]
		if with[x] == nil || x.v.Shared {
			continue
		}
		x.def.volumes[x.i] = containers.WithOption(x.def.volumes[x.i], "z")
		r.warnf(x.def.volumeAt[x.i], "compose-shared-path", "service %s writes host path %s, as %s does: the mount is marked shared (%q), which fleet check wants where several containers write one folder", x.def.name, x.v.Source, strings.Join(slices.Compact(with[x]), " and "), x.def.volumes[x.i]).
			Hint("mount it read-only (:ro) instead if %s only reads it", x.def.name)
	}
}

// parseFile reads one compose file into its top-level mapping, or
// reports why it is none.
func parseFile(file string, src []byte, dl *diag.List) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		dl.Errorf(yamlErrPos(file, err), "compose-yaml", "%s is not YAML compose can read: %s", file, yamlErrMsg(err)).
			Hint("fix the file so that docker compose config reads it")
		return nil
	}
	root := resolve(&doc)
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = resolve(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		dl.Errorf(diag.Pos{File: file, Line: 1, Col: 1}, "compose-yaml", "%s is not a compose file: it holds no mapping of services", file).
			Hint("name the compose file (compose.yaml, docker-compose.yml)")
		return nil
	}
	if duplicateKeys(file, root, dl, 0) {
		return nil
	}
	return root
}

// duplicateKeys reports each key a mapping at or below n has twice, as
// compose refuses them, and whether there was one.
func duplicateKeys(file string, n *yaml.Node, dl *diag.List, depth int) bool {
	if n == nil || depth > maxDepth*4 || n.Kind == yaml.AliasNode {
		return false
	}
	found := false
	if n.Kind == yaml.MappingNode {
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				continue
			}
			if f, ok := first[k.Value]; ok {
				dl.Errorf(position(file, k), "compose-yaml", "%s is defined twice in this mapping", k.Value).
					Also(position(file, f), "first defined here").
					Hint("remove one of them: compose refuses the file as it is")
				found = true
				continue
			}
			first[k.Value] = k
		}
	}
	for _, c := range n.Content {
		found = duplicateKeys(file, c, dl, depth+1) || found
	}
	return found
}

// reader holds what one compose file's services share.
type reader struct {
	file     string
	files    files // which file each node is from
	o        Options
	dl       *diag.List
	project  string
	services map[string]bool
	networks map[string]string  // compose's name -> the network's name
	volumes  map[string]string  // compose's name -> the volume's name
	secrets  map[string]*source // the top-level secrets and configs
	configs  map[string]*source
}

func (r *reader) pos(n *yaml.Node) diag.Pos {
	if f, ok := r.files[n]; ok {
		return position(f, n)
	}
	return position(r.file, n)
}

// name is the definition's name of service s.
func (r *reader) name(s string) string { return r.o.Prefix + s }

// str reads a scalar, interpolated. A list or mapping is an error.
func (r *reader) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		r.dl.Errorf(r.pos(n), "compose-type", "%s must be a string, not %s", what, kindName(n))
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return r.expand(n, n.Value)
}

// expand interpolates s, written at n.
func (r *reader) expand(n *yaml.Node, s string) (string, bool) {
	v, unset, err := expand(s, r.o.Lookup)
	if err != nil {
		r.dl.Errorf(r.pos(n), "compose-variable", "%s", err).
			Hint("set the variable in the environment or in the .env file beside the compose file (or give one with --env-file)")
		return "", false
	}
	for _, name := range unset {
		r.dl.Warnf(r.pos(n), "compose-variable", "variable %s is not set: it is empty here, as compose makes it", name).
			Hint("set it in the environment or in the .env file beside the compose file (or give one with --env-file), or write ${%s:-<default>}", name)
	}
	return v, true
}

// strs reads a string or a list of strings.
func (r *reader) strs(n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode {
		if s, ok := r.str(n, what); ok && !isNull(n) {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, it := range items(n) {
		if s, ok := r.str(it, what+" element"); ok {
			out = append(out, s)
		}
	}
	return out
}

// words reads a command: a list of words, or a string split as a shell
// splits it.
func (r *reader) words(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind == yaml.SequenceNode {
		return r.strs(n, what), true
	}
	s, ok := r.str(n, what)
	if !ok {
		return nil, false
	}
	w, err := shellwords.Parse(s)
	if err != nil {
		r.dl.Errorf(r.pos(n), "compose-command", "%s %q is not a command line: %v", what, describe(s), err).
			Hint("write it as a list of words: [\"prog\", \"--flag\"]")
		return nil, false
	}
	return w, true
}

// pairs reads a mapping of strings, or a list of NAME=value (NAME alone
// when from says where a missing value comes from: nil reports it).
func (r *reader) pairs(n *yaml.Node, what string, missing func(name string, at *yaml.Node) (string, bool)) [][2]string {
	var out [][2]string
	add := func(k, v string) {
		if i := slices.IndexFunc(out, func(p [2]string) bool { return p[0] == k }); i >= 0 {
			out[i][1] = v
			return
		}
		out = append(out, [2]string{k, v})
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, e := range entries(n) {
			if isNull(e.v) {
				if missing == nil {
					add(e.key, "")
				} else if v, ok := missing(e.key, e.k); ok {
					add(e.key, v)
				}
				continue
			}
			if e.v.Kind != yaml.ScalarNode {
				r.dl.Errorf(r.pos(e.v), "compose-type", "%s %s must be a string, not %s", what, e.key, kindName(e.v))
				continue
			}
			if v, ok := r.expand(e.v, e.v.Value); ok {
				add(e.key, v)
			}
		}
	case yaml.SequenceNode:
		for _, it := range items(n) {
			s, ok := r.str(it, what+" element")
			if !ok {
				continue
			}
			k, v, hasValue := strings.Cut(s, "=")
			switch {
			case hasValue:
				add(k, v)
			case missing == nil:
				add(k, "")
			default:
				if v, ok := missing(k, it); ok {
					add(k, v)
				}
			}
		}
	default:
		if !isNull(n) {
			r.dl.Errorf(r.pos(n), "compose-type", "%s must be a mapping or a list of NAME=value, not %s", what, kindName(n))
		}
	}
	return out
}

// projectName is compose's project name: lowercase letters, digits, '_'
// and '-', starting with a letter or digit.
func projectName(name, folder string) string {
	if name == "" && folder != "" {
		name = path.Base(strings.ReplaceAll(folder, `\`, "/"))
	}
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '_' || c == '-') && b.Len() > 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// topNetworks reads the top-level networks: each is <project>_<name>,
// or its name key, or, when external, its name as it is.
func (r *reader) topNetworks(n *yaml.Node) {
	r.topNames(n, "network", r.networks, []string{"driver", "driver_opts", "ipam", "internal", "attachable", "enable_ipv6", "labels"},
		"fleet creates the network with the engine's defaults", "create the network by hand, or with [nixos] settings, if the containers need these options")
}

// topVolumes reads the top-level volumes as topNetworks reads networks.
func (r *reader) topVolumes(n *yaml.Node) {
	r.topNames(n, "volume", r.volumes, []string{"driver", "driver_opts", "labels"},
		"the engine creates the volume with its defaults", "create the volume by hand before the container first starts if it needs these options")
}

// topNames reads the top-level networks or volumes (kind) into names,
// compose's name to the engine's. The keys in ignored are warnings, with
// why and hint.
func (r *reader) topNames(n *yaml.Node, kind string, names map[string]string, ignored []string, why, hint string) {
	for _, e := range entries(n) {
		given, external := "", false
		for _, f := range entries(e.v) {
			switch {
			case f.key == "name":
				given, _ = r.str(f.v, kind+"s."+e.key+".name")
			case f.key == "external":
				external = isTrue(f.v)
			case slices.Contains(ignored, f.key):
				r.warnf(f.k, "compose-ignored", "%ss.%s.%s is not carried over: %s", kind, e.key, f.key, why).Hint("%s", hint)
			}
		}
		// As compose names them: the name given, else an external one's
		// key, else the project's.
		name := given
		switch {
		case name != "":
		case external:
			name = e.key
		default:
			name = r.project + "_" + e.key
		}
		if !containers.IsVolumeName(name) {
			r.errf(e.k, "compose-name", "%s name %q is not a name podman takes", kind, name).
				Hint("name it with letters, digits, '-', '_' and '.'")
		}
		names[e.key] = name
	}
}

// secretName matches variable names that usually hold a secret: a word of
// the name (between underscores) such as PASSWORD, TOKEN or SECRET, or
// API_KEY and the like; notSecret those that name where one is (a file, a
// URL).
var (
	secretName = regexp.MustCompile(`(?i)(^|_)(pass|passwd|password|passphrase|secret|token|credentials?|(api|private|access|secret|master|encryption|license)_?key)(_|$)`)
	notSecret  = regexp.MustCompile(`(?i)_(file|path|url|uri|dir|endpoint|id)$`)
)

// isSecretName reports whether variable name usually holds a secret.
func isSecretName(name string) bool {
	return secretName.MatchString(name) && !notSecret.MatchString(name)
}

// ignoredHint says what to do about a key fleet does not carry over.
func ignoredHint(key string) string {
	switch key {
	case "secrets":
		return "keep secret values in fleet's secrets (fleet secrets edit) and give them to the container as environment = { NAME = { secret = \"category/name\" } } or under [secret_files]"
	case "logging":
		return "the container logs to the journal: journalctl -u podman-<name>.service"
	case "deploy", "scale":
		return "a host runs one instance of a definition; run more under other names with from = \"<definition>\""
	case "restart":
		return "the unit restarts the container whenever it stops (systemd's Restart=always)"
	case "build":
		return "fleet runs images from a registry: build and push the image, and name it in image"
	}
	return "add what it does to extra_options (podman run arguments) if the container needs it"
}

// yamlErrLine is the line yaml.v3 names in its errors.
var yamlErrLine = regexp.MustCompile(`line (\d+)`)

// yamlErrPos finds the line yaml.v3 names in its error.
func yamlErrPos(file string, err error) diag.Pos {
	m := yamlErrLine.FindStringSubmatch(err.Error())
	line := 1
	if m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return diag.Pos{File: file, Line: int32(line), Col: 1}
}

func yamlErrMsg(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// errNoFiles is readEnvFile's error when Options.ReadFile is nil.
var errNoFiles = errors.New("env files are not read")

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// errf is an error at n.
func (r *reader) errf(n *yaml.Node, code, format string, args ...any) *diag.Diagnostic {
	return r.dl.Errorf(r.pos(n), code, format, args...)
}

// warnf is a warning at n.
func (r *reader) warnf(n *yaml.Node, code, format string, args ...any) *diag.Diagnostic {
	return r.dl.Warnf(r.pos(n), code, format, args...)
}
