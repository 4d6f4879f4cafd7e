// Package ci owns what fleet writes for continuous integration: the
// GitHub Actions workflows of a fleet repository (checks, tests, a build
// matrix of every host, an optional binary-cache push, a scheduled
// flake.lock update), the matrix of what to build, and which hosts a
// change of files affects.
package ci

import (
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleettest"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Affected returns the hosts whose build a change of the given files
// (slash paths relative to the fleet root) may change, in fleet order.
// It errs on the side of building: a file fleet cannot place (flake.nix,
// flake.lock, shared generated code, packages, anything unknown) affects
// every host. Documentation, tests and CI files affect none.
func Affected(f *eval.Fleet, changed []string) []string {
	hosts, _ := AffectedWithVMs(f, nil, changed)
	return hosts
}

// AffectedWithVMs is Affected, and also the VM tests a change affects:
// their own files under tests/vm/ and every test booting an affected
// host.
func AffectedWithVMs(f *eval.Fleet, vms []*fleettest.VMTest, changed []string) (hosts, tests []string) {
	vmHit := map[string]bool{}
	hit := map[string]bool{}
	all := func() {
		for _, h := range f.Hosts {
			hit[h.Name] = true
		}
	}
	class := func(c string) {
		for _, h := range f.Hosts {
			if string(h.Platform) == c || (c == "home" && len(h.Users) > 0) {
				hit[h.Name] = true
			}
		}
	}
	for _, p := range changed {
		p = strings.TrimPrefix(path.Clean(strings.TrimSpace(p)), "./")
		parts := strings.Split(p, "/")
		switch {
		case p == "" || p == ".":
		case parts[0] == "tests" && len(parts) == 3 && parts[1] == "vm":
			vmHit[strings.TrimSuffix(parts[2], path.Ext(parts[2]))] = true
		case parts[0] == "generated" && len(parts) == 3 && parts[1] == "tests":
			vmHit[strings.TrimSuffix(parts[2], ".nix")] = true
		case noBuild(p, parts):
		case parts[0] == "hosts" && len(parts) > 2:
			hit[parts[1]] = true
		case parts[0] == "generated" && len(parts) == 3 && parts[1] == "hosts":
			hit[strings.TrimSuffix(parts[2], ".nix")] = true
		case parts[0] == "generated" && len(parts) == 3 && parts[1] == "modules":
			class(strings.TrimSuffix(parts[2], ".nix"))
		case parts[0] == "modules" && len(parts) > 2:
			class(parts[1])
		case parts[0] == "common" && len(parts) == 2 && strings.HasSuffix(p, ".nix"):
			class(strings.TrimSuffix(parts[1], ".nix"))
		case parts[0] == "users" && len(parts) > 2:
			for _, h := range f.Hosts {
				if slices.ContainsFunc(h.Users, func(u *eval.HostUser) bool { return u.Name == parts[1] }) {
					hit[h.Name] = true
				}
			}
		case parts[0] == "secrets":
			for _, h := range f.Hosts {
				if slices.ContainsFunc(h.Secrets, func(r eval.SecretRef) bool { return r.File == p }) {
					hit[h.Name] = true
				}
			}
		case p == "common/common.toml" || parts[0] == "profiles" || parts[0] == "roles":
			// Reflected in generated/hosts, which CI checks is fresh; a
			// host reading the layer is rebuilt all the same.
			for _, h := range f.Hosts {
				if h.Reads(p) {
					hit[h.Name] = true
				}
			}
		default:
			all()
		}
	}
	for _, h := range f.Hosts {
		if hit[h.Name] {
			hosts = append(hosts, h.Name)
		}
	}
	for _, t := range vms {
		if vmHit[t.Name] || slices.ContainsFunc(t.Hosts, func(h string) bool { return hit[h] }) {
			tests = append(tests, t.Name)
		}
	}
	return hosts, tests
}

// noBuild reports files no host build reads.
func noBuild(p string, parts []string) bool {
	switch {
	case strings.HasSuffix(p, ".md"), parts[0] == "docs", parts[0] == ".github", parts[0] == "keys", parts[0] == "templates":
		return true
	case parts[0] == "tests" && (len(parts) == 2 || parts[1] == "snapshots"):
		return true
	case p == ".sops.yaml", p == ".gitignore", p == "LICENSE":
		return true
	}
	return false
}

// Job is one entry of the build matrix.
type Job struct {
	// Name labels the job: the host, or vm-<test>.
	Name string `json:"name"`
	// Attr is the flake attribute to build.
	Attr   string `json:"attr"`
	System string `json:"system"`
	// Runner is the GitHub-hosted runner label for the system.
	Runner string `json:"runner"`
}

// Matrix is a GitHub Actions matrix: one include entry per job.
type Matrix struct {
	Include []Job `json:"include"`
}

// Runners maps a Nix system to the GitHub-hosted runner that builds it
// natively.
var Runners = map[string]string{
	"x86_64-linux":   "ubuntu-24.04",
	"aarch64-linux":  "ubuntu-24.04-arm",
	"aarch64-darwin": "macos-15",
	"x86_64-darwin":  "macos-15-intel",
}

// BuildMatrix lists the builds of the named hosts (all hosts when names is
// nil): the NixOS system's toplevel or the darwin system, on a runner of
// the host's system; then the named VM tests (all when tests is nil),
// checks.<system>.vm-<name>.
func BuildMatrix(f *eval.Fleet, names []string, vms []*fleettest.VMTest, tests []string) Matrix {
	m := Matrix{Include: []Job{}}
	for _, h := range f.Hosts {
		if names != nil && !slices.Contains(names, h.Name) {
			continue
		}
		attr := "nixosConfigurations." + attrName(h.Name) + ".config.system.build.toplevel"
		if h.Platform == inventory.Darwin {
			attr = "darwinConfigurations." + attrName(h.Name) + ".system"
		}
		m.Include = append(m.Include, Job{Name: h.Name, Attr: attr, System: h.System, Runner: runner(h.System)})
	}
	for _, t := range vms {
		if tests != nil && !slices.Contains(tests, t.Name) {
			continue
		}
		m.Include = append(m.Include, Job{Name: t.Check(), Attr: "checks." + t.System + "." + t.Check(), System: t.System, Runner: runner(t.System)})
	}
	return m
}

func runner(system string) string {
	if r, ok := Runners[system]; ok {
		return r
	}
	return "ubuntu-24.04"
}

// attrName quotes a host name for a flake attribute path when it needs it.
func attrName(s string) string {
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || (i > 0 && (r == '-' || r == '\'' || r >= '0' && r <= '9'))
		if !ok {
			return `"` + s + `"`
		}
	}
	return s
}
