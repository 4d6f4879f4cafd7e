package compose

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/inventory"
)

// composeSecret is a top-level secret of the compose file: where its
// value comes from.
type composeSecret struct {
	at       *yaml.Node // its key
	file     string     // the file that holds it (file:), as written
	fileAt   *yaml.Node
	env      string // or the variable (environment:)
	external bool   // or swarm's store (external: true)
	value    *string
}

// secretFile is a compose secret a service mounts: under [secret_files],
// read from the definition's secret file at key.
type secretFile struct {
	target, key, mode string
}

// secretKeyRE matches the compose secret names that are keys of a
// definition's secret file.
var secretKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// topSecrets reads the top-level secrets: where each one's value is.
func (r *reader) topSecrets(n *yaml.Node) {
	for _, e := range entries(n) {
		s := &composeSecret{at: e.k}
		for _, f := range entries(e.v) {
			switch f.key {
			case "file":
				s.file, _ = r.str(f.v, "secrets."+e.key+".file")
				s.fileAt = f.v
			case "environment":
				s.env, _ = r.str(f.v, "secrets."+e.key+".environment")
			case "external":
				s.external = isTrue(f.v)
			case "name":
			default:
				r.warnf(f.k, "compose-ignored", "secrets.%s.%s is not carried over", e.key, f.key).
					Hint("the secret's value is what the container reads")
			}
		}
		r.secrets[e.key] = s
	}
}

// serviceSecrets reads the secrets a service mounts (short form: a name;
// long form: source, target, mode). With Options.Secrets each value goes
// to the definition's secret file and the definition mounts it from
// there; without, each is a warning that says how to move it.
func (r *reader) serviceSecrets(d *definition, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		r.errf(n, "compose-type", "secrets of service %s must be a list, not %s", d.service, kindName(n))
		return
	}
	for _, it := range n.Content {
		it = resolve(it)
		var source, target, mode string
		badMode := false
		switch it.Kind {
		case yaml.ScalarNode:
			source, _ = r.str(it, "secrets of service "+d.service)
		case yaml.MappingNode:
			for _, f := range entries(it) {
				switch f.key {
				case "source":
					source, _ = r.str(f.v, "secrets.source")
				case "target":
					target, _ = r.str(f.v, "secrets.target")
				case "mode":
					mode, badMode = r.fileMode(f.v)
					badMode = !badMode
				case "uid", "gid":
					r.warnf(f.k, "compose-ignored", "secrets.%s of service %s is not carried over: the decrypted file belongs to root", f.key, d.service).
						Hint("give the reference owner = \"<user>\" or group = \"<group>\" (names on the host), or a mode the container's user can read")
				default:
					r.warnf(f.k, "compose-ignored", "secrets.%s of service %s is not carried over", f.key, d.service)
				}
			}
		default:
			r.errf(it, "compose-type", "a secret of service %s must be a name or a mapping, not %s", d.service, kindName(it))
			continue
		}
		s := r.secrets[source]
		switch {
		case badMode:
			continue
		case source == "":
			r.errf(it, "compose-secret", "a secret of service %s names no source", d.service).Hint("write the name of a secret declared under the top-level secrets:")
			continue
		case s == nil:
			r.errf(it, "compose-secret", "service %s mounts secret %s, which the file does not declare", d.service, source).
				Hint("declare it under the top-level secrets: with file: or environment:")
			continue
		case !secretKeyRE.MatchString(source):
			r.errf(it, "compose-secret", "secret %s of service %s is not a name a secret file's key takes", source, d.service).
				Hint("rename the secret with letters, digits, '_', '.' and '-'")
			continue
		}
		switch {
		case target == "":
			target = "/run/secrets/" + source
		case !strings.HasPrefix(target, "/"):
			target = "/run/secrets/" + target
		}
		if slices.ContainsFunc(d.secretFiles, func(f secretFile) bool { return f.target == target }) {
			r.errf(it, "compose-secret", "service %s mounts two secrets at %s", d.service, target).
				Hint("give one of them another target")
			continue
		}
		if strings.Contains(target, ":") {
			r.errf(it, "compose-secret", "secret %s of service %s is mounted at %s: a path with ':' cannot be mounted", source, d.service, target).
				Hint("choose a target without ':'")
			continue
		}
		if s.external {
			r.warnf(it, "compose-secret", "secret %s of service %s is external (swarm's store): it is not carried over", source, d.service).
				Hint("put its value in fleet's secrets: fleet secrets set secrets/%s.yaml %s (reads it from stdin), then under [secret_files] write %s = { secret = %q, key = %q }", secretOf(d.name), source, inventory.QuoteKey(target), secretOf(d.name), source)
			continue
		}
		if !r.o.Secrets {
			set := fmt.Sprintf("fleet secrets set secrets/%s.yaml %s", secretOf(d.name), source)
			switch {
			case s.file != "":
				set += " < " + s.file
			case s.env != "":
				set = "printenv " + s.env + " | " + set
			default:
				set += " (reads the value from stdin)"
			}
			r.warnf(it, "compose-secret", "secret %s of service %s is not carried over", source, d.service).
				Hint("import with --secrets to keep it in secrets/%s.yaml, or later: %s, then under [secret_files] write %s = { secret = %q, key = %q }", secretOf(d.name), set, inventory.QuoteKey(target), secretOf(d.name), source)
			continue
		}
		v, ok := r.secretValue(source, s)
		if !ok {
			continue
		}
		if i := slices.IndexFunc(d.secrets, func(p [2]string) bool { return p[0] == source }); i >= 0 {
			if d.secrets[i][1] != v {
				r.errf(it, "compose-secret", "secret %s of service %s and its variable %s would both be key %s of secrets/%s.yaml, with different values", source, d.service, source, source, secretOf(d.name)).
					Hint("rename the secret")
				continue
			}
		} else {
			d.secrets = append(d.secrets, [2]string{source, v})
		}
		d.secretFiles = append(d.secretFiles, secretFile{target: target, key: source, mode: mode})
	}
}

// secretValue reads a secret's value once: its file's content, or its
// variable's value.
func (r *reader) secretValue(name string, s *composeSecret) (string, bool) {
	if s.value != nil {
		return *s.value, true
	}
	var v string
	switch {
	case s.file != "":
		file := s.file
		if !path.IsAbs(file) {
			file = path.Join(r.o.Folder, file)
		}
		if r.o.ReadFile == nil {
			r.errf(s.fileAt, "compose-secret", "secret %s is in %s, which is not read here", name, s.file)
			return "", false
		}
		data, err := r.o.ReadFile(file)
		if err != nil {
			r.errf(s.fileAt, "compose-secret", "cannot read secret %s: %v", name, err).
				Hint("import where the file is, or put its value in fleet's secrets yourself")
			return "", false
		}
		v = string(data)
	case s.env != "":
		val, ok := r.o.Lookup(s.env)
		if !ok {
			r.errf(s.at, "compose-secret", "secret %s comes from variable %s, which is not set", name, s.env).
				Hint("set it in the environment of the import")
			return "", false
		}
		v = val
	default:
		r.errf(s.at, "compose-secret", "secret %s names neither a file nor a variable", name).
			Hint("give it file: ./<file> or environment: <VARIABLE>")
		return "", false
	}
	s.value = &v
	return v, true
}

// fileMode reads a mode as compose writes it (0440, 0o440, or decimal
// 288) as the octal string a secret's mode is.
func (r *reader) fileMode(n *yaml.Node) (string, bool) {
	text, ok := r.str(n, "secrets.mode")
	if !ok {
		return "", false
	}
	var m uint64
	var err error
	switch {
	case strings.HasPrefix(text, "0o"):
		m, err = strconv.ParseUint(text[2:], 8, 32)
	case strings.HasPrefix(text, "0") && len(text) > 1:
		m, err = strconv.ParseUint(text[1:], 8, 32)
	default:
		m, err = strconv.ParseUint(text, 10, 32)
	}
	if err != nil || m > 0o777 {
		r.errf(n, "compose-secret", "mode %s is not a file mode", text).Hint("write an octal mode such as 0440")
		return "", false
	}
	return fmt.Sprintf("%04o", m), true
}
