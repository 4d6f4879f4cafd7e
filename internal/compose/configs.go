package compose

import (
	"path"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/inventory"
)

// configFile is a compose config a service mounts: a file of the fleet
// (containers/<definition>/<config>, file.Name) under [config_files].
type configFile struct {
	target string
	file   File
}

// serviceConfigs reads the configs a service mounts (short form: a name,
// at /<name>; long form: source, target). Each becomes a file of the
// fleet beside the definition, mounted read-only from the Nix store.
func (r *reader) serviceConfigs(d *definition, n *yaml.Node) {
	for _, m := range r.mounts(d, n, configMounts, r.configs) {
		for _, f := range m.others {
			switch f.key {
			case "mode", "uid", "gid":
				r.warnf(f.k, "compose-ignored", "configs.%s of service %s is not carried over: the file is mounted from the Nix store, read-only and readable by everyone", f.key, d.service).
					Hint("a config the container's user must own is not a config: mount a host folder instead")
			default:
				r.warnf(f.k, "compose-ignored", "configs.%s of service %s is not carried over", f.key, d.service)
			}
		}
		file := path.Join("containers", d.name, m.name)
		if m.src.external {
			r.warnf(m.at, "compose-config", "config %s of service %s is external (swarm's store): it is not carried over", m.name, d.service).
				Hint("keep the file in the fleet (%s) and under [config_files] write %s = %q", file, inventory.QuoteKey(m.target), file)
			continue
		}
		data, ok := r.data(configMounts, m.name, m.src)
		if !ok {
			continue
		}
		d.configFiles = append(d.configFiles, configFile{m.target, File{Name: file, Src: data, Exec: m.src.exec}})
	}
}
