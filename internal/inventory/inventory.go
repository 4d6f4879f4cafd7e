// Package inventory owns the files a fleet is written in: the TOML schema of
// fleet.toml, hosts, profiles, roles, common settings, users and container
// definitions, read
// strictly (unknown keys are errors with a did-you-mean) with the position
// of every key and value kept; and the discovery of the fleet's Nix modules,
// packages, toolsets, templates and secrets on disk. It does not merge or judge:
// that is package eval.
package inventory

import (
	"maps"
	"slices"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
)

// Platform is a host's operating system family.
type Platform string

// Platforms.
const (
	NixOS  Platform = "nixos"
	Darwin Platform = "darwin"
)

// Platforms lists the platforms in a fixed order.
var Platforms = []Platform{NixOS, Darwin}

// LayerKind says which kind of file a layer comes from.
type LayerKind string

// Layer kinds, lowest precedence first.
const (
	KindCommon  LayerKind = "common"
	KindProfile LayerKind = "profile"
	KindRole    LayerKind = "role"
	KindUser    LayerKind = "user"
	KindHost    LayerKind = "host"
)

// Layer is what every layer file may say: common, profiles, roles, hosts
// and (for the home part) users.
type Layer struct {
	Kind LayerKind
	Name string
	File string // path relative to the fleet root

	Description  Str
	Modules      []Str
	Packages     []Str
	HomeModules  []Str
	HomePackages []Str
	// Toolsets name toolsets/<name>.toml whose packages the users of a
	// host get in their home.
	Toolsets []Str

	Settings     *Value // module name -> table of fleet.<module>.* values
	HomeSettings *Value
	NixOS        *Value // pass-through values
	Darwin       *Value
	Home         *Value
	Force        Force

	// ContainerList is `containers = [...]`: instances of catalog
	// definitions, by name.
	ContainerList []Str
	// Containers is `[containers.<instance>]`: instances with values that
	// replace the definition's (the other form of the same key).
	Containers *Value
	// ContainerBackend is container_backend: "podman" or "docker".
	ContainerBackend Str
}

// Force holds a layer's [force] tables: values that replace lower layers.
type Force struct {
	Settings     *Value
	HomeSettings *Value
	NixOS        *Value
	Darwin       *Value
	Home         *Value
}

// Label names the layer in provenance: "common", "profile server",
// "role monitoring", "host rich-evans", "user alex".
func (l *Layer) Label() string {
	if l.Kind == KindCommon {
		return string(l.Kind)
	}
	return string(l.Kind) + " " + l.Name
}

// Profile is profiles/<name>.toml.
type Profile struct {
	Layer
	Extends Str
}

// Role is roles/<name>.toml.
type Role struct {
	Layer
	Secrets  []Str
	Requires Requires
	// Docs is Markdown for people running the role's hosts (maintenance
	// and troubleshooting notes), woven into the generated documentation.
	Docs Str
	// DeployOrder is the deploy wave of the role's hosts (lower first),
	// for roles others depend on (DNS, a binary cache); a host's own
	// [deploy] order decides over it.
	DeployOrder IntVal
	// Health is what fleet deploy checks on the role's hosts after
	// activating them.
	Health Health
}

// Health is a role's [health] table: the systemd units that must be
// active and the TCP ports something must listen on.
type Health struct {
	Pos   diag.Pos
	Units []Str
	Ports []HealthPort
}

// HealthPort is a port number, or a settings path whose value on each
// host is the port ("settings.monitoring.grafanaPort").
type HealthPort struct {
	Port    int
	Setting string
	Pos     diag.Pos
}

// Requires is a role's [requires] table.
type Requires struct {
	Pos         diag.Pos
	Platform    Str
	Firmware    Str
	GPU         []Str
	MinMemoryGB IntVal
}

// Host is hosts/<name>/host.toml.
type Host struct {
	Layer
	Platform Str
	System   Str
	// StateVersion is a string on NixOS, an integer on darwin; of another
	// type it is kept as written (the loader reported it).
	StateVersion *Value
	// HomeStateVersion is home-manager's home.stateVersion for the host's
	// users; on NixOS it defaults to StateVersion.
	HomeStateVersion Str
	Profile          Str
	Roles            []Str
	Users            []Str
	HostKey          Str
	AgeKey           Str
	Hardware         Hardware
	Deploy           Deploy
	// NixFiles are the host-only modules (hosts/<name>/*.nix), relative to
	// the fleet root, sorted.
	NixFiles []string
}

// Hardware is a host's [hardware] table.
type Hardware struct {
	Pos               diag.Pos
	Firmware          Str
	BootDisk          Str
	PartitionTable    Str
	BIOSBootPartition BoolVal
	GPU               Str
	MemoryGB          IntVal
	CPU               Str
}

// Deploy is a host's [deploy] table.
type Deploy struct {
	Pos     diag.Pos
	Target  Str
	BuildOn Str
	SSHPort IntVal
	// Order is the host's deploy wave: lower waves deploy first.
	Order IntVal
}

// User is users/<name>/user.toml.
type User struct {
	Layer
	UID     IntVal
	Shell   Str
	Groups  []Str
	Admin   BoolVal
	SSHKeys []Str
	AgeKey  Str
	// PasswordSecret names the secret holding the user's password hash
	// (as mkpasswd prints it), for the NixOS hosts the user lives on.
	PasswordSecret Str
	// HomeNix is users/<name>/home.nix relative to the fleet root, or "".
	HomeNix string
	// Standalone asks for a home-manager configuration of its own
	// (homeConfigurations.<name>), for machines fleet does not manage.
	Standalone *Standalone
}

// Standalone is a user's [standalone] table.
type Standalone struct {
	Pos          diag.Pos
	System       Str
	StateVersion Str
}

// Fleet is fleet.toml.
type Fleet struct {
	File        string
	Name        Str
	Description Str
	Inputs      []Input
	Admins      []Admin
	Deploy      FleetDeploy
}

// FleetDeploy is fleet.toml's [deploy] table: the key fleet deploy signs
// closures with, so that hosts accept them without trusting the user who
// copies them.
type FleetDeploy struct {
	Pos diag.Pos
	// PublicKey (NAME:BASE64, as nix key convert-secret-to-public prints
	// it) is trusted by every host.
	PublicKey Str
	// SigningKey is the path of the secret key file: "~/" is the home
	// folder, a relative path is relative to the fleet's root.
	SigningKey Str
}

// Input is one flake input declared in fleet.toml.
type Input struct {
	Name Str
	URL  Str
}

// Admin is an admin's age recipient.
type Admin struct {
	Name      Str
	Recipient Str
}

// Module is a fleet module found on disk.
type Module struct {
	Name     string
	Platform string // "nixos", "darwin" or "home"
	File     string // relative to the fleet root
	Src      []byte
}

// Inventory is a whole fleet as read from disk.
type Inventory struct {
	// Root is the fleet directory (absolute).
	Root     string
	Fleet    *Fleet
	Common   *Layer // nil when common/common.toml does not exist
	Hosts    []*Host
	Profiles map[string]*Profile
	Roles    map[string]*Role
	Users    map[string]*User
	// Modules maps "nixos", "darwin" and "home" to the modules of that
	// class by name.
	Modules map[string]map[string]*Module
	// CommonNix maps "nixos", "darwin" and "home" to common/<class>.nix
	// when it exists.
	CommonNix map[string]string
	Packages  []string // names under packages/, sorted
	// PackageFiles maps each package to its file: packages/<name>.nix or
	// packages/<name>/default.nix.
	PackageFiles map[string]string
	Templates    []string // names under templates/, sorted
	// TemplateDefs are the templates by name.
	TemplateDefs map[string]*Template
	// Toolsets are toolsets/<name>.toml by name.
	Toolsets map[string]*Toolset
	// Secrets are the secret files, as "category/name" keys mapped to their
	// path relative to the root.
	Secrets map[string]string
	// Containers are the container definitions (containers/<name>.toml),
	// by name.
	Containers map[string]*Container
	// Inputs is what loading read, and evaluation after it (Load sets
	// it; nil for an inventory made in memory).
	Inputs *Inputs

	// secretValues caches SecretValues by file (Load sets it): every
	// host referencing a secret asks for the same file.
	secretValues *sync.Map
	// secretNames indexes the keys of Secrets (Load sets it).
	secretNames *SecretNames
}

// SecretNames is the index of the secrets' names, for finding those an
// access pattern matches.
func (inv *Inventory) SecretNames() *SecretNames {
	if inv.secretNames == nil { // an inventory Load did not make
		return NewSecretNames(slices.Collect(maps.Keys(inv.Secrets)))
	}
	return inv.secretNames
}

// Host returns the host called name, or nil.
func (inv *Inventory) Host(name string) *Host {
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// HostNames returns the names of all hosts, sorted.
func (inv *Inventory) HostNames() []string {
	out := make([]string, len(inv.Hosts))
	for i, h := range inv.Hosts {
		out[i] = h.Name
	}
	return out
}

// SharedLayers returns the layers hosts share, in a fixed order: common,
// then every profile, role and user by name.
func (inv *Inventory) SharedLayers() []*Layer {
	var out []*Layer
	if inv.Common != nil {
		out = append(out, inv.Common)
	}
	for _, n := range slices.Sorted(maps.Keys(inv.Profiles)) {
		out = append(out, &inv.Profiles[n].Layer)
	}
	for _, n := range slices.Sorted(maps.Keys(inv.Roles)) {
		out = append(out, &inv.Roles[n].Layer)
	}
	for _, n := range slices.Sorted(maps.Keys(inv.Users)) {
		out = append(out, &inv.Users[n].Layer)
	}
	return out
}

// IsHostName reports whether s is a host name fleet creates: a DNS label
// of lower-case letters, digits and '-', not starting or ending with '-',
// at most 63 characters.
func IsHostName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
