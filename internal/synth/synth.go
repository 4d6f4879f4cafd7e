// Package synth owns synthetic fleets: realistic, deterministic fleets of
// any size (profiles that extend each other, roles with requirements,
// modules with typed options, users, per-host overrides, SOPS secrets
// shared by a role and kept per host), used to measure how fleet's cost
// grows with the number of hosts.
package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetdev/fleet/internal/scaffold"
)

// Write writes a fleet of n hosts into dir, which must not hold a fleet
// yet. The same n always gives the same files, but for the secrets'
// ciphertexts (encryption is randomized).
func Write(dir string, n int) error { return WriteWith(dir, n, Options{}) }

var (
	systemModules = []string{"openssh", "nix-settings", "monitoring", "backup", "firewall", "nginx", "postgres", "containers", "dns", "mail", "gaming", "graphics", "bootloader", "low-resource", "desktop", "printing", "bluetooth", "vpn", "tailscale", "syncthing"}
	darwinModules = []string{"openssh", "nix-settings", "homebrew", "macos-defaults", "firewall", "tailscale", "syncthing"}
	homeModules   = []string{"git", "shell", "direnv", "editor", "dev-tools", "tmux", "ssh-client", "gpg"}
	users         = []string{"alex", "sam", "kim", "jo", "lee", "max", "ria", "tom", "ana", "eli"}
)

// WriteWith is Write with options.
func WriteWith(dir string, n int, o Options) error {
	if _, err := os.Stat(filepath.Join(dir, "fleet.toml")); err == nil {
		return fmt.Errorf("%s already holds a fleet", dir)
	}
	files, err := FilesWith(n, o)
	if err != nil {
		return err
	}
	for path, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// FilesWith returns the fleet of n hosts, with options, as path ->
// content.
func FilesWith(n int, o Options) (map[string]string, error) {
	f := files(n)
	if err := withSecrets(f, n); err != nil {
		return nil, err
	}
	if o.Containers > 0 {
		withContainers(f, n, o.Containers)
	}
	return f, nil
}

// files returns the fleet of n hosts without secrets or containers.
func files(n int) map[string]string {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	f := map[string]string{}
	f["fleet.toml"] = "name = \"synthetic\"\ndescription = \"a generated fleet\"\n\n[inputs]\nnixpkgs = \"github:NixOS/nixpkgs/nixos-25.11\"\nhome-manager = \"github:nix-community/home-manager/release-25.11\"\nnix-darwin = \"github:nix-darwin/nix-darwin/nix-darwin-25.11\"\nsops-nix = \"github:Mic92/sops-nix\"\n"
	f["flake.nix"] = scaffold.Flake("synthetic")
	f["common/common.toml"] = `description = "every machine"
modules = ["openssh", "nix-settings", "firewall"]
home_modules = ["git", "shell"]
packages = ["git", "curl", "htop"]

[settings.openssh]
port = 22
passwordAuthentication = false

[settings.nix-settings]
gcDays = 30
trustedUsers = ["root"]

[nixos.services.openssh]
enable = true

[nixos.time]
timeZone = "UTC"

[nixos.i18n]
defaultLocale = "en_US.UTF-8"
`
	for _, m := range systemModules {
		f["modules/nixos/"+m+"/default.nix"] = module(m)
	}
	for _, m := range darwinModules {
		f["modules/darwin/"+m+"/default.nix"] = module(m)
	}
	for _, m := range homeModules {
		f["modules/home/"+m+"/default.nix"] = module(m)
	}
	profiles := []struct{ name, extends, platform string }{
		{"base", "", ""}, {"server", "base", "nixos"}, {"edge", "server", "nixos"}, {"database", "server", "nixos"},
		{"personal", "base", ""}, {"gaming", "personal", "nixos"}, {"work", "base", ""}, {"kiosk", "personal", "nixos"},
	}
	for i, p := range profiles {
		var b strings.Builder
		fmt.Fprintf(&b, "description = \"%s machines\"\n", p.name)
		if p.extends != "" {
			fmt.Fprintf(&b, "extends = %q\n", p.extends)
		}
		fmt.Fprintf(&b, "packages = [\"pkg-%s\"]\nhome_packages = [\"ripgrep\"]\n", p.name)
		fmt.Fprintf(&b, "\n[settings.nix-settings]\ngcDays = %d\n", 7+i)
		if p.platform == "nixos" {
			fmt.Fprintf(&b, "\n[nixos.services.fwupd]\nenable = true\n")
		}
		f["profiles/"+p.name+".toml"] = b.String()
	}
	nixosRoles := []string{"monitoring", "backup", "nginx", "postgres", "containers", "dns", "mail", "gaming", "graphics", "vpn", "tailscale", "syncthing", "printing", "bluetooth", "desktop"}
	for i, role := range nixosRoles {
		f["roles/"+role+".toml"] = fmt.Sprintf(`description = "the %[1]s role"
modules = [%[1]q]
packages = ["tool-%[1]s"]

[requires]
platform = "nixos"

[settings.%[1]s]
port = %[2]d
tags = ["%[1]s"]

[nixos.services.%[1]s-extra]
enable = true
`, role, 9000+i)
	}
	f["roles/mac-workstation.toml"] = `description = "a macOS workstation"
modules = ["homebrew", "macos-defaults"]

[requires]
platform = "darwin"

[settings.homebrew]
port = 1
tags = ["casks"]
`
	for _, u := range users {
		f["users/"+u+"/user.toml"] = fmt.Sprintf("description = %q\nuid = %d\nshell = \"zsh\"\nadmin = true\nhome_modules = [\"direnv\", \"editor\"]\n\n[home_settings.git]\ntags = [%q]\n", strings.ToUpper(u[:1])+u[1:], 1000+len(u), u+"@example.org")
	}
	for i := range n {
		name := fmt.Sprintf("host-%04d", i)
		darwin := r.IntN(8) == 0
		var b strings.Builder
		fmt.Fprintf(&b, "description = \"synthetic host %d\"\n", i)
		if darwin {
			prof := []string{"personal", "work"}[r.IntN(2)]
			fmt.Fprintf(&b, "platform = \"darwin\"\nsystem = \"aarch64-darwin\"\nstate_version = 6\nhome_state_version = \"24.05\"\nprofile = %q\nroles = [\"mac-workstation\"]\n", prof)
		} else {
			prof := []string{"server", "edge", "database", "personal", "gaming", "work", "kiosk"}[r.IntN(7)]
			fmt.Fprintf(&b, "platform = \"nixos\"\nsystem = \"x86_64-linux\"\nstate_version = \"24.05\"\nprofile = %q\n", prof)
			picked := r.Perm(len(nixosRoles))[:2+r.IntN(3)]
			var roles []string
			for _, p := range picked {
				roles = append(roles, fmt.Sprintf("%q", nixosRoles[p]))
			}
			fmt.Fprintf(&b, "roles = [%s]\n", strings.Join(roles, ", "))
		}
		fmt.Fprintf(&b, "users = [%q, %q]\npackages = [\"extra-%d\"]\n", users[i%len(users)], users[(i+3)%len(users)], i%17)
		fmt.Fprintf(&b, "\n[hardware]\nfirmware = \"uefi\"\ncpu = %q\nmemory_gb = %d\n", map[bool]string{true: "apple", false: "amd"}[darwin], 8<<r.IntN(4))
		fmt.Fprintf(&b, "\n[deploy]\ntarget = \"root@%s.example.net\"\n", name)
		fmt.Fprintf(&b, "\n[settings.openssh]\nport = %d\n", 2200+i%50)
		if !darwin {
			fmt.Fprintf(&b, "\n[nixos.networking]\nfirewall.allowedTCPPorts = [%d, %d]\n", 8000+i%100, 443)
		}
		f["hosts/"+name+"/host.toml"] = b.String()
		if !darwin {
			f["hosts/"+name+"/hardware-configuration.nix"] = "{ ... }:\n{\n  fileSystems.\"/\" = {\n    device = \"/dev/disk/by-label/nixos\";\n    fsType = \"ext4\";\n  };\n}\n"
		}
	}
	return f
}

// module returns a plain module with a handful of typed options.
func module(name string) string {
	return fmt.Sprintf(`{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.%[1]s;
in
{
  options.fleet.%[1]s = {
    enable = lib.mkEnableOption "%[1]s";
    port = lib.mkOption {
      type = lib.types.port;
      default = 1;
      description = "A port for %[1]s.";
    };
    tags = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Free-form tags.";
    };
    passwordAuthentication = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Whether passwords are accepted.";
    };
    gcDays = lib.mkOption {
      type = lib.types.ints.positive;
      default = 14;
      description = "Days of garbage to keep.";
    };
    trustedUsers = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "root" ];
      description = "Users trusted by the daemon.";
    };
    mode = lib.mkOption {
      type = lib.types.enum [ "fast" "safe" ];
      default = "safe";
      description = "How %[1]s trades speed for safety.";
    };
    passwordFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "A file holding the password of %[1]s.";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."fleet/%[1]s".text = builtins.toJSON cfg.tags;
  };
}
`, name)
}
