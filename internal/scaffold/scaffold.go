// Package scaffold owns the files `fleet init` writes: a minimal working
// fleet, and the bundled example fleet.
package scaffold

import (
	"fmt"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
)

// Inputs are the flake inputs a new fleet declares, in order.
var Inputs = []struct{ Name, URL string }{
	{"nixpkgs", "github:NixOS/nixpkgs/nixos-26.05"},
	{"home-manager", "github:nix-community/home-manager/release-26.05"},
	{"nix-darwin", "github:nix-darwin/nix-darwin/nix-darwin-26.05"},
	{"sops-nix", "github:Mic92/sops-nix"},
	{"nix-homebrew", "github:zhaofengli/nix-homebrew"},
	// fleet itself, for the fleet's dev shell (devShells.default).
	{"fleet", "github:fleetdev/fleet"},
}

// followsNixpkgs are the inputs whose nixpkgs input is pinned to ours.
var followsNixpkgs = map[string]bool{"home-manager": true, "nix-darwin": true, "sops-nix": true, "fleet": true}

// Minimal returns the files of a new fleet called name with one NixOS
// host called host.
func Minimal(name, host string) map[string]atomicfs.File {
	files := map[string]atomicfs.File{}
	add := func(path, text string) { files[path] = atomicfs.File{Data: []byte(text)} }

	var b strings.Builder
	fmt.Fprintf(&b, "name = %q\ndescription = \"My machines\"\n\n[inputs]\n", name)
	for _, in := range Inputs {
		fmt.Fprintf(&b, "%s = %q\n", in.Name, in.URL)
	}
	b.WriteString("\n# Admins read every secret: name = \"age1...\" (fleet secrets init creates a key).\n[admins]\n")
	add("fleet.toml", b.String())
	add("flake.nix", Flake(name))
	add(".envrc", Envrc)
	add(".gitignore", GitIgnore)
	add("common/common.toml", `description = "What every machine shares"

[nixos.time]
timeZone = "UTC"

[nixos.services.openssh]
enable = true

[nixos.services.openssh.settings]
PasswordAuthentication = false
PermitRootLogin = "prohibit-password"

[nixos.nix.settings]
experimental-features = ["nix-command", "flakes"]
`)
	add("hosts/"+host+"/host.toml", `description = "My first machine"
platform = "nixos"
system = "x86_64-linux"
# The NixOS release the machine was installed with; never change it.
state_version = "26.05"

[hardware]
firmware = "uefi"
`)
	add("hosts/"+host+"/README.md", "Copy this machine's /etc/nixos/hardware-configuration.nix here: every .nix\nfile in this folder is imported into the host.\n")
	return files
}

// GitIgnore is the .gitignore of a new fleet: what is written for one
// machine only. generated/fleet.sums is trusted only by the machine that
// wrote it (it is signed with that machine's key).
const GitIgnore = `# Written for this machine only: fleet's record of what it generated
# (signed with this machine's key: no use elsewhere), direnv's cache,
# nix build's result links.
/generated/fleet.sums
/.direnv/
/result
/result-*
`

// Envrc is the .envrc of a new fleet: direnv loads the fleet's dev shell
// (devShells.default of the generated outputs: fleet from the fleet input,
// sops, age, ssh-to-age and the formatter).
const Envrc = `# direnv: entering the fleet loads its dev shell (devShells.default of
# generated/outputs.nix): fleet (the fleet input), sops, age, ssh-to-age
# and nixfmt. Run 'direnv allow' once.
use flake
`

// Flake returns the flake.nix a new fleet starts with. It belongs to the
// user afterwards: fleet never rewrites it.
func Flake(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  description = %q;\n\n  inputs = {\n", name+": managed with fleet")
	for _, in := range Inputs {
		if followsNixpkgs[in.Name] {
			fmt.Fprintf(&b, "    %s = {\n      url = %q;\n      inputs.nixpkgs.follows = \"nixpkgs\";\n    };\n", in.Name, in.URL)
		} else {
			fmt.Fprintf(&b, "    %s.url = %q;\n", in.Name, in.URL)
		}
	}
	b.WriteString("  };\n\n  outputs = inputs: import ./generated/outputs.nix inputs;\n}\n")
	return b.String()
}
