package scaffold

import (
	"fmt"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
)

// A starting file is correct as written (fleet check accepts it) and
// comments every key a newcomer may want next.

// HostSpec describes a new host.
type HostSpec struct {
	Name     string
	Platform string // "nixos" or "darwin"
	System   string // empty: x86_64-linux on NixOS, aarch64-darwin on darwin
	Profile  string
	Roles    []string
}

// NixOSRelease is the NixOS release the inputs of a new fleet follow,
// and the state_version of a new NixOS host.
const NixOSRelease = "26.05"

// DarwinStateVersion is the system.stateVersion of a new nix-darwin host.
const DarwinStateVersion = 6

// HardwareConfig is the name of a NixOS host's hardware configuration.
const HardwareConfig = "hardware-configuration.nix"

// NewHost returns the files of a new host: hosts/<name>/host.toml and, on
// NixOS, a hardware-configuration.nix placeholder whose build fails with
// what to do until the machine's own replaces it.
func NewHost(s HostSpec) map[string]atomicfs.File {
	darwin := s.Platform == "darwin"
	system := s.System
	if system == "" {
		system = "x86_64-linux"
		if darwin {
			system = "aarch64-darwin"
		}
	}
	dir := "hosts/" + s.Name
	var b strings.Builder
	fmt.Fprintf(&b, "description = %q\n", "What "+s.Name+" is for")
	fmt.Fprintf(&b, "platform = %q\n", s.Platform)
	fmt.Fprintf(&b, "system = %q\n", system)
	if darwin {
		fmt.Fprintf(&b, "# The nix-darwin state version the machine started with; never change it.\nstate_version = %d\n", DarwinStateVersion)
		fmt.Fprintf(&b, "# home.stateVersion of the users below (required on darwin with users).\nhome_state_version = %q\n", NixOSRelease)
	} else {
		fmt.Fprintf(&b, "# The NixOS release the machine was installed with; never change it.\nstate_version = %q\n", NixOSRelease)
	}
	b.WriteString("\n")
	if s.Profile != "" {
		fmt.Fprintf(&b, "profile = %q\n", s.Profile)
	} else {
		b.WriteString("# profile = \"server\"              # a baseline from profiles/<name>.toml\n")
	}
	if len(s.Roles) > 0 {
		fmt.Fprintf(&b, "roles = [%s]\n", quoteList(s.Roles))
	} else {
		b.WriteString("# roles = [\"monitoring\"]          # capabilities from roles/<name>.toml, in order\n")
	}
	b.WriteString(`# users = ["alex"]                # people from users/<name>/user.toml
# modules = ["fail2ban"]           # fleet modules to enable on this host only
# packages = ["htop"]              # nixpkgs attribute names
# host_key = "ssh-ed25519 AAAA..."  # ssh-keyscan -t ed25519 HOST: lets the host read its secrets
`)
	if !darwin {
		b.WriteString(`
[hardware]
firmware = "uefi"                  # uefi | bios
# boot_disk = "/dev/disk/by-id/..." # required with firmware = "bios"
# gpu = "none"                     # none | intel | amd | nvidia
# memory_gb = 16
`)
	}
	fmt.Fprintf(&b, `
# [deploy]
# target = "root@%s.lan"           # where fleet deploys to
# build_on = "local"               # local | target

# [settings.<module>]              # options a fleet module declares under fleet.<module>
`, s.Name)
	if darwin {
		b.WriteString("# [darwin.system.defaults.dock]  # any nix-darwin option, passed through\n# autohide = true\n")
	} else {
		b.WriteString("# [nixos.services.openssh]        # any NixOS option, passed through\n# enable = true\n")
	}
	files := map[string]atomicfs.File{dir + "/host.toml": {Data: []byte(b.String())}}
	if !darwin {
		files[dir+"/"+HardwareConfig] = atomicfs.File{Data: []byte(hardwarePlaceholder(dir))}
	}
	return files
}

// hardwarePlaceholder is a module whose evaluation fails with what to do,
// so a host is never built without its real hardware configuration.
func hardwarePlaceholder(dir string) string {
	return fmt.Sprintf(`# Placeholder: replace this file with the machine's own hardware configuration.
# On the machine (or booted from the NixOS installer), run:
#
#   nixos-generate-config --show-hardware-config > %[1]s/%[2]s
#
# Every .nix file in %[1]s/ is imported into the host. Until this file is
# replaced, building the host fails with the message below.
{ ... }:
{
  assertions = [
    {
      assertion = false;
      message = "%[1]s/%[2]s is a placeholder: write the output of nixos-generate-config --show-hardware-config there";
    }
  ];
}
`, dir, HardwareConfig)
}

// NewRole returns roles/<name>.toml.
func NewRole(name string) map[string]atomicfs.File {
	text := fmt.Sprintf(`description = %q

# Fleet modules the role enables, and values for their options.
modules = []
# packages = ["htop"]

# Secrets the role's hosts may read: "category/name" or "category/*".
# secrets = ["%[2]s/password"]

# What a host needs to take this role; fleet check holds hosts to it.
# [requires]
# platform = "nixos"               # nixos | darwin
# min_memory_gb = 4

# [settings.<module>]
# port = 8080

# [nixos.services.<name>]          # NixOS options, passed through
# enable = true
`, "What hosts with the "+name+" role do", name)
	return map[string]atomicfs.File{"roles/" + name + ".toml": {Data: []byte(text)}}
}

// NewProfile returns profiles/<name>.toml.
func NewProfile(name, extends string) map[string]atomicfs.File {
	var b strings.Builder
	fmt.Fprintf(&b, "description = %q\n\n", "The baseline of "+name+" machines")
	if extends != "" {
		fmt.Fprintf(&b, "# Values of profile %s come first; this profile's win.\nextends = %q\n\n", extends, extends)
	} else {
		b.WriteString("# extends = \"personal\"            # start from another profile\n\n")
	}
	b.WriteString(`# Fleet modules every host of the profile enables.
modules = []
# packages = ["git", "vim"]

# [settings.<module>]
# option = "value"

# [nixos.time]                     # NixOS options, passed through
# timeZone = "Europe/Amsterdam"

# [darwin.system.defaults.dock]    # nix-darwin options, passed through
# autohide = true
`)
	return map[string]atomicfs.File{"profiles/" + name + ".toml": {Data: []byte(b.String())}}
}

// NewUser returns users/<name>/user.toml.
func NewUser(name string) map[string]atomicfs.File {
	text := fmt.Sprintf(`description = %q
# uid = 1000
# shell = "zsh"                    # bash (default) | zsh | fish
# admin = true                     # sudo on NixOS (wheel)
# groups = ["video", "audio"]      # extra groups on NixOS
# ssh_keys = ["ssh-ed25519 AAAA... %[2]s@laptop"]
# age_key = "age1..."              # may read secrets/users/%[2]s/*

# Home-manager, on every host the user lives on (hosts list them in users).
home_modules = []
# home_packages = ["ripgrep"]

# [home_settings.<module>]         # options of modules/home/<module>
# option = "value"

# [home.programs.git]              # home-manager options, passed through
# enable = true

# A home of its own on a machine fleet does not manage
# (home-manager switch --flake .#%[2]s):
# [standalone]
# system = "x86_64-linux"
# state_version = %[3]q
`, "Full name of "+name, name, NixOSRelease)
	return map[string]atomicfs.File{"users/" + name + "/user.toml": {Data: []byte(text)}}
}

// NewModule returns modules/<class>/<name>/default.nix: options under
// fleet.<name>, doing nothing unless fleet.<name>.enable is true.
func NewModule(class, name string) map[string]atomicfs.File {
	what := map[string]string{"nixos": "NixOS", "darwin": "nix-darwin", "home": "home-manager"}[class]
	settingsKey, packagesOption := "settings", "environment.systemPackages"
	if class == "home" {
		settingsKey, packagesOption = "home_settings", "home.packages"
	}
	text := fmt.Sprintf(`# %[1]s: a %[2]s module. Its options live under fleet.%[1]s; fleet reads
# their types and defaults from this file to check the values hosts, roles
# and profiles give in [%[3]s.%[1]s].
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.%[1]s;
in
{
  options.fleet.%[1]s = {
    enable = lib.mkEnableOption "%[1]s";

    port = lib.mkOption {
      type = lib.types.port;
      default = 8080;
      description = "An example option: the port %[1]s listens on.";
    };
  };

  config = lib.mkIf cfg.enable {
    # What the module does when enabled, for example:
    # %[4]s = [ pkgs.hello ];
  };
}
`, name, what, settingsKey, packagesOption)
	return map[string]atomicfs.File{"modules/" + class + "/" + name + "/default.nix": {Data: []byte(text)}}
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
