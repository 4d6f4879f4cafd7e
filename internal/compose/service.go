package compose

import (
	"fmt"
	"math"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
)

// definition is one service as the keys of a catalog definition.
type definition struct {
	service                 string // the compose service's name
	name                    string
	description             string
	image                   string
	cmd                     []string
	entrypoint              string
	user, workdir, hostname string
	ports, volumes          []string
	volumeAt                []*yaml.Node // where each of volumes is
	networks, dependsOn     []string
	devices, extraOptions   []string
	pull                    string
	env, labels             [][2]string
	// secrets are the variables of env (and the compose secrets) read
	// from the definition's secret file (Options.Secrets), with their
	// values; secretFiles the compose secrets it mounts.
	secrets     [][2]string
	secretFiles []secretFile
	// configFiles are the compose configs it mounts, with the files of
	// the fleet they become.
	configFiles                []configFile
	health                     *healthCheck
	memory, pids               string
	cpus                       string
	hasCmd                     bool
	networkMode, networkModeOf string
	// joins are the containers whose namespaces (ipc, pid) it joins.
	joins []string
	// inactive is set when none of its compose profiles is active, and
	// profiles are those, at profilesAt.
	inactive   bool
	profiles   []string
	profilesAt *yaml.Node
}

type healthCheck struct {
	command, interval, timeout, startPeriod string
	retries                                 string
}

// runFlags are the podman run flags of the service keys that are one:
// a switch (privileged), a list (cap_add: one flag an element) or a value
// (shm_size).
var runFlags = map[string]string{
	"privileged": "--privileged", "init": "--init", "read_only": "--read-only", "tty": "--tty", "stdin_open": "--interactive",
	"cap_add": "--cap-add", "cap_drop": "--cap-drop", "security_opt": "--security-opt", "dns": "--dns", "dns_search": "--dns-search", "group_add": "--group-add",
	"shm_size": "--shm-size", "stop_signal": "--stop-signal", "ipc": "--ipc", "pid": "--pid", "userns_mode": "--userns", "runtime": "--runtime",
	"oom_score_adj": "--oom-score-adj", "mac_address": "--mac-address", "cgroup_parent": "--cgroup-parent",
}

// service reads one service; nil when it holds an error.
func (r *reader) service(s entry) *definition {
	errs := r.dl.Len()
	if !containers.IsVolumeName(r.name(s.key)) {
		r.errf(s.k, "compose-name", "%q is not a container name fleet takes", r.name(s.key)).
			Hint("rename the service (or choose another --prefix) with letters, digits, '-', '_' and '.'")
	}
	if s.v.Kind != yaml.MappingNode {
		r.errf(s.v, "compose-type", "service %s must be a mapping, not %s", s.key, kindName(s.v))
		return nil
	}
	d := &definition{service: s.key, name: r.name(s.key), description: fmt.Sprintf("%s of compose project %s", s.key, r.project)}
	var build, entrypoint, command, secrets, configs *yaml.Node
	var envFiles []*yaml.Node
	var env, networks *yaml.Node
	for _, e := range entries(s.v) {
		switch e.key {
		case "image":
			if v, ok := r.str(e.v, "image"); ok {
				d.image = v
				if _, err := containers.ParseImage(v); err != nil {
					r.errf(e.v, "compose-image", "image %q of service %s does not parse: %v", describe(v), s.key, err)
				}
			}
		case "build":
			build = e.k
		case "command":
			command = e.v
		case "entrypoint":
			entrypoint = e.v
		case "ports":
			for _, it := range r.seq(e.v, e.key) {
				if p, ok := r.port(it); ok {
					d.ports = append(d.ports, p)
				}
			}
		case "expose":
			// Every port of a container is open to the others on its
			// networks: expose only documents them.
		case "volumes":
			for _, it := range r.seq(e.v, e.key) {
				r.volume(d, s.key, it)
			}
		case "tmpfs":
			for _, t := range r.strs(e.v, "tmpfs") {
				d.extraOptions = append(d.extraOptions, "--tmpfs="+t)
			}
		case "environment":
			env = e.v
		case "env_file":
			envFiles = append(envFiles, e.v)
		case "labels":
			d.labels = r.pairs(e.v, "label", nil)
		case "networks":
			networks = e.k
			r.serviceNetworks(d, e.v)
		case "network_mode":
			if v, ok := r.str(e.v, "network_mode"); ok {
				r.networkMode(d, s.key, e.v, v)
			}
		case "depends_on":
			r.dependsOn(d, s.key, e.v)
		case "healthcheck":
			r.healthCheck(d, s.key, e.k, e.v)
		case "deploy":
			r.deploy(d, s.key, e.v)
		case "mem_limit":
			d.memory = r.memory(e.v)
		case "cpus":
			d.cpus = r.number(e.v, "cpus")
		case "pids_limit":
			r.pidsLimit(d, e.v)
		case "user":
			d.user, _ = r.str(e.v, "user")
		case "working_dir":
			d.workdir, _ = r.str(e.v, "working_dir")
		case "hostname":
			d.hostname, _ = r.str(e.v, "hostname")
		case "devices":
			for _, it := range r.seq(e.v, e.key) {
				if v, ok := r.str(it, "devices element"); ok {
					d.devices = append(d.devices, v)
				}
			}
		case "pull_policy":
			r.pullPolicy(d, e.v)
		case "profiles":
			r.profiles(d, s.key, e.k, e.v)
		case "restart":
			if v, _ := r.str(e.v, "restart"); v == "no" || strings.HasPrefix(v, "on-failure") {
				r.warnf(e.k, "compose-ignored", "restart: %s is not carried over: the unit restarts the container whenever it stops", v).
					Hint("a container that should run once is a systemd service of its own, not a catalog definition")
			}
		case "container_name":
			if v, _ := r.str(e.v, "container_name"); v != r.name(s.key) {
				r.warnf(e.k, "compose-ignored", "container_name %s is not carried over: the container is named after its instance, %s", v, r.name(s.key)).
					Hint("run the instance under that name: [containers.%s] from = %q", v, r.name(s.key))
			}
		case "privileged", "init", "read_only", "tty", "stdin_open":
			if v, ok := r.str(e.v, e.key); ok && strings.EqualFold(v, "true") {
				d.extraOptions = append(d.extraOptions, runFlags[e.key])
			}
		case "cap_add", "cap_drop", "security_opt", "dns", "dns_search", "group_add":
			flag := runFlags[e.key]
			for _, v := range r.strs(e.v, e.key) {
				d.extraOptions = append(d.extraOptions, flag+"="+v)
			}
		case "shm_size", "stop_signal", "ipc", "pid", "userns_mode", "runtime", "oom_score_adj", "mac_address", "cgroup_parent":
			flag := runFlags[e.key]
			if v, ok := r.str(e.v, e.key); ok {
				if other, ok := strings.CutPrefix(v, "service:"); ok && (e.key == "ipc" || e.key == "pid") {
					// Another service's namespace: its container's, which
					// must run first.
					if !r.services[other] {
						r.errf(e.v, "compose-depends", "%s names service %s, which the file does not define", e.key, other)
						continue
					}
					v = "container:" + r.name(other)
					d.joins = append(d.joins, r.name(other))
				}
				d.extraOptions = append(d.extraOptions, flag+"="+v)
			}
		case "stop_grace_period":
			if v, ok := r.str(e.v, e.key); ok {
				if secs, ok := seconds(v); ok {
					d.extraOptions = append(d.extraOptions, "--stop-timeout="+strconv.Itoa(secs))
				} else {
					r.errf(e.v, "compose-duration", "stop_grace_period %q is not a duration such as 1m30s", describe(v))
				}
			}
		case "sysctls", "extra_hosts":
			sep, flag := "=", "--sysctl"
			if e.key == "extra_hosts" {
				sep, flag = ":", "--add-host"
			}
			for _, p := range r.pairs(e.v, e.key, nil) {
				if e.key == "extra_hosts" && !strings.Contains(p[0]+p[1], "=") && p[1] == "" {
					if e.v.Kind == yaml.MappingNode || !strings.Contains(p[0], ":") {
						r.warnf(e.k, "compose-ignored", "extra_hosts %s names no address: not carried over", p[0])
						continue
					}
					// host:ip in a list: pairs found no '='.
					d.extraOptions = append(d.extraOptions, flag+"="+p[0])
					continue
				}
				d.extraOptions = append(d.extraOptions, flag+"="+p[0]+sep+p[1])
			}
		case "ulimits":
			r.ulimits(d, e.v)
		case "secrets":
			secrets = e.v
		case "configs":
			configs = e.v
		case "annotations":
			for _, p := range r.pairs(e.v, "annotation", nil) {
				d.extraOptions = append(d.extraOptions, "--annotation="+p[0]+"="+p[1])
			}
		default:
			if strings.HasPrefix(e.key, "x-") {
				continue
			}
			r.warnf(e.k, "compose-ignored", "%s of service %s is not carried over", e.key, s.key).
				Hint("%s", ignoredHint(e.key))
		}
	}
	if d.image == "" {
		if build != nil {
			r.errf(build, "compose-image", "service %s builds its image and names none", s.key).
				Hint("fleet runs images from a registry: build and push the image, then set image: registry/name:tag")
		} else {
			r.errf(s.k, "compose-image", "service %s has no image", s.key).Hint("set image: registry/name:tag")
		}
	} else if build != nil {
		r.warnf(build, "compose-ignored", "build of service %s is not carried over: hosts pull %s", s.key, d.image).
			Hint("%s", ignoredHint("build"))
	}
	r.command(d, entrypoint, command)
	d.env, d.secrets = r.environment(s.key, envFiles, env)
	if secrets != nil {
		r.serviceSecrets(d, secrets)
	}
	if configs != nil {
		r.serviceConfigs(d, configs)
	}
	if o := d.networkModeOf; o != "" && !slices.Contains(d.dependsOn, o) {
		// The container joins the other's network: it needs it running.
		d.dependsOn = append(d.dependsOn, o)
	}
	for _, o := range d.joins {
		if !slices.Contains(d.dependsOn, o) {
			d.dependsOn = append(d.dependsOn, o)
		}
	}
	if d.networkMode != "" && networks != nil {
		r.errf(networks, "compose-network", "service %s sets both network_mode and networks", s.key).
			Hint("keep one of them, as compose requires")
	}
	if d.networkMode == "" && len(d.networks) == 0 {
		// Compose puts every service on the project's default network
		// (or the one networks.default names), where the others reach it
		// by its name.
		def, ok := r.networks["default"]
		if !ok {
			def = r.project + "_default"
		}
		d.networks = []string{def}
	}
	if r.o.Prefix != "" && len(d.networks) > 0 {
		// The others reach the service by its compose name.
		d.extraOptions = append(d.extraOptions, "--network-alias="+s.key)
	}
	if r.hasErrorsSince(errs) {
		return nil
	}
	return d
}

// hasErrorsSince reports whether an error was added after the first n
// findings.
func (r *reader) hasErrorsSince(n int) bool {
	items := r.dl.Items()
	for _, d := range items[n:] {
		if d.Severity == diag.Error {
			return true
		}
	}
	return false
}

// seq lists the elements of a list; anything else but null is an error.
func (r *reader) seq(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode && !isNull(n) {
		r.errf(n, "compose-type", "%s must be a list, not %s", what, kindName(n))
	}
	return items(n)
}

// command sets entrypoint and cmd. Compose's entrypoint may hold several
// words; fleet's is the program, and the other words go before the
// command's.
func (r *reader) command(d *definition, entrypoint, command *yaml.Node) {
	var ep, cmd []string
	if entrypoint != nil && !isNull(entrypoint) {
		w, ok := r.words(entrypoint, "entrypoint")
		if !ok {
			return
		}
		if len(w) == 0 {
			r.warnf(entrypoint, "compose-ignored", "an empty entrypoint is not carried over: the image's entrypoint runs").
				Hint("give the program to run as entrypoint")
		}
		ep = w
	}
	if command != nil && !isNull(command) {
		w, ok := r.words(command, "command")
		if !ok {
			return
		}
		cmd = w
		d.hasCmd = true
	}
	if len(ep) > 0 {
		d.entrypoint = ep[0]
		if len(ep) > 1 {
			cmd = append(ep[1:len(ep):len(ep)], cmd...)
			d.hasCmd = true
		}
	}
	d.cmd = cmd
}

// port reads one published port: "8080:80", "127.0.0.1:53:53/udp", a
// number, or the long form.
func (r *reader) port(n *yaml.Node) (string, bool) {
	var spec string
	if n.Kind == yaml.MappingNode {
		var target, published, hostIP, proto string
		for _, e := range entries(n) {
			v, ok := r.str(e.v, "ports."+e.key)
			if !ok {
				return "", false
			}
			switch e.key {
			case "target":
				target = v
			case "published":
				published = v
			case "host_ip":
				hostIP = v
			case "protocol":
				proto = v
			case "mode", "name", "app_protocol":
			default:
				r.warnf(e.k, "compose-ignored", "ports.%s is not carried over", e.key)
			}
		}
		if target == "" {
			r.errf(n, "compose-port", "a port in the long form needs target")
			return "", false
		}
		spec = target
		if published != "" {
			spec = published + ":" + spec
		}
		if hostIP != "" {
			if a, err := netip.ParseAddr(hostIP); err == nil && a.Is6() {
				hostIP = "[" + hostIP + "]"
			}
			if published == "" {
				spec = ":" + spec
			}
			spec = hostIP + ":" + spec
		}
		if proto != "" {
			spec += "/" + proto
		}
	} else {
		v, ok := r.str(n, "ports element")
		if !ok {
			return "", false
		}
		spec = bracketIPv6(v)
	}
	if _, err := containers.ParsePort(spec); err != nil {
		r.errf(n, "compose-port", "port %q: %v", describe(spec), err).
			Hint("write [address:]host:container[/tcp|udp|sctp]")
		return "", false
	}
	return spec, true
}

// bracketIPv6 writes an IPv6 address compose takes bare ("::1:6000:6000")
// in brackets, as podman takes it ("[::1]:6000:6000").
func bracketIPv6(spec string) string {
	if strings.HasPrefix(spec, "[") || strings.Count(spec, ":") <= 2 {
		return spec
	}
	parts := strings.Split(spec, ":")
	addr := strings.Join(parts[:len(parts)-2], ":")
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		return "[" + addr + "]:" + strings.Join(parts[len(parts)-2:], ":")
	}
	return spec
}

// volume reads one mount: "src:dst[:mode]" or the long form. A relative
// host path is below the compose file's folder (or DataDir); a volume
// name is the project's volume.
func (r *reader) volume(d *definition, service string, n *yaml.Node) {
	var typ, source, target string
	var opts []string
	if n.Kind == yaml.MappingNode {
		var tmpfs []string
		for _, e := range entries(n) {
			switch e.key {
			case "type", "source", "target":
				v, ok := r.str(e.v, "volumes."+e.key)
				if !ok {
					return
				}
				switch e.key {
				case "type":
					typ = v
				case "source":
					source = v
				case "target":
					target = v
				}
			case "read_only":
				if isTrue(e.v) {
					opts = append(opts, "ro")
				}
			case "consistency":
				// macOS only: nothing on Linux.
			case "bind":
				for _, f := range entries(e.v) {
					switch f.key {
					case "selinux", "propagation":
						if v, ok := r.str(f.v, "volumes.bind."+f.key); ok && v != "" {
							opts = append(opts, v)
						}
					case "create_host_path":
						// fleet creates the host folders containers write.
					default:
						r.warnf(f.k, "compose-ignored", "volumes.bind.%s is not carried over", f.key)
					}
				}
			case "volume":
				for _, f := range entries(e.v) {
					switch {
					case f.key == "nocopy":
						if isTrue(f.v) {
							opts = append(opts, "nocopy")
						}
					default:
						r.warnf(f.k, "compose-ignored", "volumes.volume.%s is not carried over", f.key).
							Hint("mount the volume whole, or a host folder")
					}
				}
			case "tmpfs":
				for _, f := range entries(e.v) {
					switch f.key {
					case "size", "mode":
						if v, ok := r.str(f.v, "volumes.tmpfs."+f.key); ok && v != "" {
							tmpfs = append(tmpfs, f.key+"="+v)
						}
					default:
						r.warnf(f.k, "compose-ignored", "volumes.tmpfs.%s is not carried over", f.key)
					}
				}
			default:
				r.warnf(e.k, "compose-ignored", "volumes.%s is not carried over", e.key)
			}
		}
		if typ == "tmpfs" {
			spec := target
			if len(tmpfs) > 0 {
				spec += ":" + strings.Join(tmpfs, ",")
			}
			d.extraOptions = append(d.extraOptions, "--tmpfs="+spec)
			return
		}
		if typ != "" && typ != "bind" && typ != "volume" {
			r.errf(n, "compose-volume", "a volume of type %s is not carried over", typ).Hint("mount a host path or a named volume")
			return
		}
		if typ == "bind" && source != "" && !strings.HasPrefix(source, "/") && !strings.HasPrefix(source, "~") && !strings.HasPrefix(source, ".") {
			// A bind mount's source is a path, relative to the file.
			source = "./" + source
		}
	} else {
		v, ok := r.str(n, "volumes element")
		if !ok {
			return
		}
		parts := strings.SplitN(v, ":", 3)
		switch len(parts) {
		case 1:
			target = parts[0]
		case 2:
			source, target = parts[0], parts[1]
		case 3:
			source, target = parts[0], parts[1]
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "cached", "delegated", "consistent":
					// macOS only: nothing on Linux.
				default:
					opts = append(opts, o)
				}
			}
		}
	}
	mode := strings.Join(opts, ",")
	switch {
	case source == "":
	case strings.HasPrefix(source, "~"):
		r.errf(n, "compose-volume", "host path %s is below a home folder, which differs from host to host", source).
			Hint("write the absolute path")
		return
	case strings.HasPrefix(source, "."):
		base := r.o.DataDir
		if base == "" {
			base = r.o.Folder
		}
		abs := path.Join(base, source)
		d := r.warnf(n, "compose-path", "host path %s of service %s is relative: it is %s on the host", source, service, abs)
		if r.o.DataDir == "" {
			d.Hint("move the data there before the container first starts, or import with --data-dir <the folder that holds it on the host>")
		} else {
			d.Hint("move the data there before the container first starts")
		}
		source = abs
	case !strings.HasPrefix(source, "/"):
		name, ok := r.volumes[source]
		if !ok {
			r.errf(n, "compose-volume", "service %s mounts volume %s, which the top-level volumes do not declare", service, source).
				Hint("declare it under volumes:, as compose requires")
			return
		}
		source = name
	}
	spec := target
	if source != "" {
		spec = source + ":" + target
	}
	if mode != "" {
		if source == "" {
			r.errf(n, "compose-volume", "an anonymous volume takes no options")
			return
		}
		spec += ":" + mode
	}
	if _, err := containers.ParseVolume(spec); err != nil {
		r.errf(n, "compose-volume", "volume %q: %v", describe(spec), err).
			Hint("write source:target[:options], source an absolute host path or a volume name")
		return
	}
	d.volumes = append(d.volumes, spec)
	d.volumeAt = append(d.volumeAt, n)
}

// serviceNetworks reads a service's networks: a list or a mapping.
func (r *reader) serviceNetworks(d *definition, n *yaml.Node) {
	var names []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for _, e := range entries(n) {
			names = append(names, e.k)
			for _, f := range entries(e.v) {
				r.warnf(f.k, "compose-ignored", "networks.%s.%s is not carried over", e.key, f.key).
					Hint("add it to extra_options (--network-alias=..., --ip=...) if the container needs it")
			}
		}
	} else {
		names = r.seq(n, "networks")
	}
	for _, k := range names {
		name, ok := r.str(k, "networks element")
		if !ok {
			continue
		}
		real, declared := r.networks[name]
		if !declared {
			if name != "default" {
				r.errf(k, "compose-network", "network %s is not declared under the top-level networks", name).
					Hint("declare it, as compose requires")
				continue
			}
			real = r.project + "_default"
		}
		d.networks = append(d.networks, real)
	}
}

// networkMode reads network_mode: host and none become run options, and
// service:<name> joins the other container's network.
func (r *reader) networkMode(d *definition, service string, n *yaml.Node, mode string) {
	d.networkMode = mode
	switch {
	case mode == "host", mode == "none", mode == "bridge":
		d.extraOptions = append(d.extraOptions, "--network="+mode)
	case strings.HasPrefix(mode, "service:"):
		other := strings.TrimPrefix(mode, "service:")
		if !r.services[other] {
			r.errf(n, "compose-network", "network_mode names service %s, which the file does not define", other)
			return
		}
		d.networkModeOf = r.name(other)
		d.extraOptions = append(d.extraOptions, "--network=container:"+r.name(other))
	case strings.HasPrefix(mode, "container:"):
		d.extraOptions = append(d.extraOptions, "--network="+mode)
	default:
		r.errf(n, "compose-network", "network_mode %q is not host, none, bridge, service:<name> or container:<name>", describe(mode))
	}
}

// dependsOn reads depends_on: a list, or a mapping with conditions.
func (r *reader) dependsOn(d *definition, service string, n *yaml.Node) {
	type dep struct {
		name string
		at   *yaml.Node
	}
	var deps []dep
	if n.Kind == yaml.MappingNode {
		for _, e := range entries(n) {
			deps = append(deps, dep{e.key, e.k})
			for _, f := range entries(e.v) {
				switch {
				case f.key == "condition" && f.v.Value != "service_started":
					r.warnf(f.v, "compose-ignored", "condition %s of service %s's dependency on %s is not carried over: %s starts once %s has started", f.v.Value, service, e.key, service, e.key).
						Hint("give %s a health check and have it retry until %s answers", service, e.key)
				case f.key == "required" && isFalse(f.v):
					r.warnf(f.v, "compose-ignored", "required: false of service %s's dependency on %s is not carried over: %s needs %s on the host", service, e.key, service, e.key).
						Hint("run %s where %s runs, or drop the dependency", e.key, service)
				case f.key == "restart":
					r.warnf(f.k, "compose-ignored", "restart of service %s's dependency on %s is not carried over", service, e.key)
				}
			}
		}
	} else {
		for _, it := range r.seq(n, "depends_on") {
			if v, ok := r.str(it, "depends_on element"); ok {
				deps = append(deps, dep{v, it})
			}
		}
	}
	for _, dp := range deps {
		if !r.services[dp.name] {
			r.errf(dp.at, "compose-depends", "service %s depends on %s, which the file does not define", service, dp.name)
			continue
		}
		d.dependsOn = append(d.dependsOn, r.name(dp.name))
	}
}

// healthCheck reads healthcheck (at key) into d: a health check, or
// --no-healthcheck when it turns the image's off.
func (r *reader) healthCheck(d *definition, service string, key, n *yaml.Node) {
	hc := &healthCheck{}
	var test *yaml.Node
	disable := false
	for _, e := range entries(n) {
		switch e.key {
		case "test":
			test = e.v
		case "interval", "timeout", "start_period":
			v, ok := r.str(e.v, "healthcheck."+e.key)
			if !ok {
				continue
			}
			if _, ok := seconds(v); !ok {
				r.errf(e.v, "compose-duration", "healthcheck.%s %q is not a duration such as 30s or 1m30s", e.key, describe(v))
				continue
			}
			switch e.key {
			case "interval":
				hc.interval = v
			case "timeout":
				hc.timeout = v
			case "start_period":
				hc.startPeriod = v
			}
		case "retries":
			hc.retries = r.integer(e.v, "healthcheck.retries")
		case "disable":
			disable = isTrue(e.v)
		default:
			r.warnf(e.k, "compose-ignored", "healthcheck.%s is not carried over", e.key)
		}
	}
	if !disable && test != nil && test.Kind == yaml.SequenceNode {
		w := r.strs(test, "healthcheck.test")
		switch {
		case len(w) == 0:
			test = nil
		case w[0] == "NONE":
			disable = true
		case w[0] == "CMD-SHELL" && len(w) == 2:
			hc.command = w[1]
		case w[0] == "CMD" && len(w) > 1:
			hc.command = shellJoin(w[1:])
		default:
			r.errf(test, "compose-health", "healthcheck.test of service %s is not [\"CMD\", ...], [\"CMD-SHELL\", \"command\"] or [\"NONE\"]", service)
			return
		}
	} else if !disable && test != nil {
		if v, ok := r.str(test, "healthcheck.test"); ok {
			hc.command = v
		}
	}
	switch {
	case disable:
		d.extraOptions = append(d.extraOptions, "--no-healthcheck")
	case hc.command != "":
		d.health = hc
	case *hc != healthCheck{}:
		r.warnf(key, "compose-ignored", "the healthcheck of service %s has no test: its timing is not carried over, and the image's own health check runs as the image sets it", service).
			Hint("give the test too: healthcheck: { test: [\"CMD\", ...] }")
	}
}

// deploy reads deploy.resources.limits; the rest of deploy is swarm's.
func (r *reader) deploy(d *definition, service string, n *yaml.Node) {
	for _, e := range entries(n) {
		switch e.key {
		case "resources":
			for _, f := range entries(e.v) {
				if f.key != "limits" {
					r.warnf(f.k, "compose-ignored", "deploy.resources.%s of service %s is not carried over: fleet sets limits", f.key, service)
					continue
				}
				for _, g := range entries(f.v) {
					switch g.key {
					case "cpus":
						d.cpus = r.number(g.v, "cpus")
					case "memory":
						d.memory = r.memory(g.v)
					case "pids":
						r.pidsLimit(d, g.v)
					default:
						r.warnf(g.k, "compose-ignored", "deploy.resources.limits.%s is not carried over", g.key)
					}
				}
			}
		case "replicas":
			if e.v.Value != "1" {
				r.warnf(e.k, "compose-ignored", "deploy.replicas of service %s is not carried over: a host runs one instance", service).
					Hint("%s", ignoredHint("deploy"))
			}
		default:
			r.warnf(e.k, "compose-ignored", "deploy.%s of service %s is not carried over", e.key, service).
				Hint("%s", ignoredHint("deploy"))
		}
	}
}

// profiles reads a service's compose profiles: when none of them is
// active, no layer runs the definition.
func (r *reader) profiles(d *definition, service string, key, n *yaml.Node) {
	names := r.strs(n, "profiles")
	if len(names) == 0 || slices.Contains(r.o.Profiles, "*") || slices.ContainsFunc(names, func(p string) bool { return slices.Contains(r.o.Profiles, p) }) {
		return
	}
	d.inactive, d.profiles, d.profilesAt = true, names, key
}

// pullPolicy reads pull_policy.
func (r *reader) pullPolicy(d *definition, n *yaml.Node) {
	v, ok := r.str(n, "pull_policy")
	if !ok {
		return
	}
	switch v {
	case "always", "missing", "never", "newer":
		d.pull = v
	case "if_not_present":
		d.pull = "missing"
	case "daily", "weekly", "build":
		r.warnf(n, "compose-ignored", "pull_policy %s is not carried over", v).
			Hint("set pull = \"newer\" in the definition, or auto_update with a tag")
	default:
		r.errf(n, "compose-pull", "pull_policy %q is not always, missing, never, if_not_present or build", describe(v))
	}
}

// ulimits reads ulimits: NAME: N, or NAME: {soft, hard}.
func (r *reader) ulimits(d *definition, n *yaml.Node) {
	for _, e := range entries(n) {
		if e.v.Kind == yaml.ScalarNode {
			v, ok := r.str(e.v, "ulimits."+e.key)
			if ok {
				d.extraOptions = append(d.extraOptions, "--ulimit="+e.key+"="+v)
			}
			continue
		}
		var soft, hard string
		for _, f := range entries(e.v) {
			v, ok := r.str(f.v, "ulimits."+e.key+"."+f.key)
			if !ok {
				continue
			}
			switch f.key {
			case "soft":
				soft = v
			case "hard":
				hard = v
			}
		}
		if soft == "" || hard == "" {
			r.errf(e.v, "compose-ulimit", "ulimits.%s needs soft and hard", e.key)
			continue
		}
		d.extraOptions = append(d.extraOptions, "--ulimit="+e.key+"="+soft+":"+hard)
	}
}

// pidsLimit reads pids_limit: a limit, or -1 (or 0) for none, which
// podman takes as --pids-limit=-1 (without it podman sets its own limit).
func (r *reader) pidsLimit(d *definition, n *yaml.Node) {
	v := r.integer(n, "pids_limit")
	switch {
	case v == "":
	case strings.HasPrefix(v, "-") || v == "0":
		d.extraOptions = append(d.extraOptions, "--pids-limit=-1")
	default:
		d.pids = v
	}
}

// sizeNumber is the number of a memory size.
var sizeNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// memory reads a memory size: bytes, or a number with b, k, m or g (and
// an optional trailing b), as podman takes it.
func (r *reader) memory(n *yaml.Node) string {
	v, ok := r.str(n, "memory")
	if !ok {
		return ""
	}
	s := strings.ToLower(strings.TrimSpace(v))
	num := strings.TrimRight(s, "bkmgti")
	unit := strings.TrimSuffix(strings.TrimSuffix(s[len(num):], "b"), "i")
	if !sizeNumber.MatchString(num) || len(unit) > 1 || unit == "t" || (unit == "" && strings.Contains(num, ".")) {
		r.errf(n, "compose-memory", "memory %q is not a size such as 512m or 2g", describe(v))
		return ""
	}
	return num + unit
}

// number reads a number (cpus).
func (r *reader) number(n *yaml.Node, what string) string {
	v, ok := r.str(n, what)
	if !ok {
		return ""
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		r.errf(n, "compose-number", "%s %q is not a positive number", what, describe(v))
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// integer reads a whole number.
func (r *reader) integer(n *yaml.Node, what string) string {
	v, ok := r.str(n, what)
	if !ok {
		return ""
	}
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.errf(n, "compose-number", "%s %q is not a whole number", what, describe(v))
		return ""
	}
	return strconv.FormatInt(i, 10)
}

// seconds reads a compose duration (1m30s, 10s, 1h) in whole seconds.
func seconds(s string) (int, bool) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return int(d.Round(time.Second) / time.Second), true
}

// shellJoin writes words as one command line for /bin/sh.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if w == "" || strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=@%+,", r))
		}) >= 0 {
			out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
