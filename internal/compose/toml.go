package compose

import (
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/inventory"
)

// environment reads a service's env_file and environment (which wins),
// in that order. A variable that usually holds a secret goes to secrets
// with Options.Secrets (out holds it without a value); without, it is a
// warning: its value is written into the definition as it is.
func (r *reader) environment(service string, envFiles []*yaml.Node, env *yaml.Node) (out, secrets [][2]string) {
	set := func(k, v string) {
		if i := slices.IndexFunc(out, func(p [2]string) bool { return p[0] == k }); i >= 0 {
			out[i][1] = v
			return
		}
		out = append(out, [2]string{k, v})
	}
	where := map[string]*yaml.Node{}
	for _, n := range envFiles {
		var files []*yaml.Node
		if n.Kind == yaml.SequenceNode {
			files = items(n)
		} else {
			files = []*yaml.Node{n}
		}
		for _, f := range files {
			name, required := "", true
			if f.Kind == yaml.MappingNode {
				for _, e := range entries(f) {
					switch e.key {
					case "path":
						name, _ = r.str(e.v, "env_file.path")
					case "required":
						required = !isFalse(e.v)
					}
				}
			} else {
				name, _ = r.str(f, "env_file")
			}
			if name == "" {
				continue
			}
			vars, err := r.readEnvFile(name)
			if err != nil {
				if required || !isNotExist(err) {
					r.errf(f, "compose-env-file", "env_file %s of service %s: %v", name, service, err)
				}
				continue
			}
			keys := make([]string, 0, len(vars))
			for k := range vars {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				set(k, vars[k])
				where[k] = f
			}
		}
	}
	if env != nil {
		for _, p := range r.pairs(env, "environment", func(name string, _ *yaml.Node) (string, bool) { return r.o.Lookup(name) }) {
			set(p[0], p[1])
		}
		for _, e := range entries(env) {
			where[e.key] = e.k
		}
		for _, it := range items(env) {
			k, _, _ := strings.Cut(it.Value, "=")
			where[k] = it
		}
	}
	out = slices.DeleteFunc(out, func(p [2]string) bool {
		if containers.IsEnvName(p[0]) {
			return false
		}
		at := where[p[0]]
		if at == nil {
			at = env
		}
		r.warnf(at, "compose-ignored", "environment variable %q of service %s is not carried over: fleet takes names of letters, digits, '_' and '.', not starting with a digit", p[0], service).
			Hint("rename it if the container reads it under another name too")
		return true
	})
	for i, p := range out {
		if p[1] != "" && isSecretName(p[0]) {
			if r.o.Secrets {
				secrets = append(secrets, p)
				out[i][1] = ""
				continue
			}
			at := where[p[0]]
			if at == nil {
				continue
			}
			name := r.name(service)
			r.warnf(at, "compose-secret", "%s of service %s looks like a secret: its value is written into containers/%s.toml as it is", p[0], service, name).
				Hint("import with --secrets to keep it in secrets/containers/%s.yaml, or later: fleet secrets set secrets/containers/%s.yaml %s (reads the value from stdin), then write %s = { secret = \"containers/%s\", key = %q } under [environment]", name, name, p[0], inventory.QuoteKey(p[0]), name, p[0])
		}
	}
	return out, secrets
}

// readEnvFile reads an env_file named relative to the compose file.
func (r *reader) readEnvFile(name string) (map[string]string, error) {
	if r.o.ReadFile == nil {
		return nil, errNoFiles
	}
	if !path.IsAbs(name) {
		name = path.Join(r.o.Folder, name)
	}
	data, err := r.o.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return ParseEnvFile(data, r.o.Lookup)
}

// render writes the definition as containers/<name>.toml.
func (d *definition) render() []byte {
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + " = " + v + "\n") }
	str := func(k, v string) {
		if v != "" {
			line(k, inventory.QuoteString(v))
		}
	}
	list := func(k string, vs []string, always bool) {
		if len(vs) == 0 && !always {
			return
		}
		q := make([]string, len(vs))
		for i, v := range vs {
			q[i] = inventory.QuoteString(v)
		}
		line(k, "["+strings.Join(q, ", ")+"]")
	}
	str("description", d.description)
	str("image", d.image)
	list("cmd", d.cmd, d.hasCmd)
	str("entrypoint", d.entrypoint)
	str("user", d.user)
	str("workdir", d.workdir)
	str("hostname", d.hostname)
	list("ports", d.ports, false)
	list("volumes", d.volumes, false)
	list("networks", d.networks, false)
	list("depends_on", d.dependsOn, false)
	list("devices", d.devices, false)
	str("pull", d.pull)
	list("extra_options", d.extraOptions, false)
	table := func(name string, kvs [][2]string) {
		if len(kvs) == 0 {
			return
		}
		b.WriteString("\n[" + name + "]\n")
		for _, kv := range kvs {
			line(inventory.QuoteKey(kv[0]), inventory.QuoteString(kv[1]))
		}
	}
	if len(d.env) > 0 {
		b.WriteString("\n[environment]\n")
		for _, kv := range d.env {
			v := inventory.QuoteString(kv[1])
			if slices.ContainsFunc(d.secrets, func(s [2]string) bool { return s[0] == kv[0] }) {
				v = "{ secret = " + inventory.QuoteString(secretOf(d.name)) + ", key = " + inventory.QuoteString(kv[0]) + " }"
			}
			line(inventory.QuoteKey(kv[0]), v)
		}
	}
	table("labels", d.labels)
	if len(d.configFiles) > 0 {
		b.WriteString("\n[config_files]\n")
		for _, f := range d.configFiles {
			line(inventory.QuoteKey(f.target), inventory.QuoteString(f.file.Name))
		}
	}
	if len(d.secretFiles) > 0 {
		b.WriteString("\n[secret_files]\n")
		for _, f := range d.secretFiles {
			v := "{ secret = " + inventory.QuoteString(secretOf(d.name)) + ", key = " + inventory.QuoteString(f.key)
			if f.mode != "" {
				v += ", mode = " + inventory.QuoteString(f.mode)
			}
			line(inventory.QuoteKey(f.target), v+" }")
		}
	}
	if hc := d.health; hc != nil {
		b.WriteString("\n[health_check]\n")
		str("command", hc.command)
		str("interval", hc.interval)
		str("timeout", hc.timeout)
		str("start_period", hc.startPeriod)
		if hc.retries != "" {
			line("retries", hc.retries)
		}
	}
	if d.memory != "" || d.cpus != "" || d.pids != "" {
		b.WriteString("\n[resources]\n")
		str("memory", d.memory)
		if d.cpus != "" {
			line("cpus", d.cpus)
		}
		if d.pids != "" {
			line("pids", d.pids)
		}
	}
	return []byte(b.String())
}
