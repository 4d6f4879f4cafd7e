package synth

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// Options change what a synthetic fleet holds beyond its default.
type Options struct {
	// Containers is the number of container instances each NixOS host
	// runs (0 for none): a catalog of definitions in containers/, most
	// instances run as defined, one with its ports replaced and one a
	// second instance of a definition under another name.
	Containers int
}

// catalogSize is the number of container definitions when a fleet has
// containers.
const catalogSize = 12

// withContainers adds the catalog and each NixOS host's instances to f.
func withContainers(f map[string]string, n, perHost int) {
	for j := range catalogSize {
		name := fmt.Sprintf("app-%02d", j)
		digest := sha256.Sum256([]byte(name))
		f["containers/"+name+".toml"] = fmt.Sprintf(`description = "synthetic service %[1]s"
image = "registry.example.net/synthetic/%[1]s:1.%[2]d@sha256:%[3]x"
ports = ["%[4]d:8080"]
volumes = ["/var/lib/%[1]s:/data", "%[1]s-cache:/cache"]
environment = { TZ = "UTC", APP_NAME = %[1]q }
labels = { "org.example.app" = %[1]q }

[health_check]
command = "wget -qO- http://localhost:8080/health || exit 1"
interval = "30s"

[resources]
memory = "256m"
`, name, j, digest, 10000+j)
	}
	for i := range n {
		path := fmt.Sprintf("hosts/host-%04d/host.toml", i)
		text := f[path]
		if !strings.Contains(text, `platform = "nixos"`) {
			continue
		}
		var b strings.Builder
		for k := range perHost {
			j := (i + k) % catalogSize
			switch k {
			case 1:
				// A host that moves an instance to another port.
				fmt.Fprintf(&b, "\n[containers.app-%02d]\nports = [\"%d:8080\"]\n", j, 11000+j)
			case 2:
				// A second instance of the first definition, under
				// another name.
				j = i % catalogSize
				fmt.Fprintf(&b, "\n[containers.app-%02d-lab]\nfrom = \"app-%02d\"\nports = [\"%d:8080\"]\nvolumes = [\"/var/lib/app-%02d-lab:/data\"]\n", j, j, 12000+j, j)
			default:
				fmt.Fprintf(&b, "\n[containers.app-%02d]\n", j)
			}
		}
		f[path] = text + b.String()
	}
}
