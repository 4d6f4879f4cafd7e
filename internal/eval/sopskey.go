package eval

import (
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// sopsKeyOptions are the NixOS options that give sops-nix an identity to
// decrypt with. Its default sops.age.sshKeyPaths are the ed25519 keys of
// services.openssh.hostKeys, and only when services.openssh.enable is
// true; otherwise the list is empty.
var sopsKeyOptions = []string{
	"services.openssh.enable",
	"sops.age.sshKeyPaths",
	"sops.age.keyFile",
	"sops.age.generateKey",
	"sops.gnupg.home",
	"sops.gnupg.sshKeyPaths",
}

// keySources caches, per Nix file of one evaluation, whether its config
// assigns one of sopsKeyOptions (or a set above one). Hosts are evaluated
// in parallel.
type keySources struct{ m sync.Map }

// assigns reports whether a Nix module's config assigns one of
// sopsKeyOptions, or a set that holds one (services.openssh = { ... }).
func (ks *keySources) assigns(file string, src []byte) bool {
	if v, ok := ks.m.Load(file); ok {
		return v.(bool)
	}
	as, _ := options.Assignments(file, src)
	found := false
	for _, a := range as {
		dotted := strings.Join(a.Path, ".")
		for _, o := range sopsKeyOptions {
			if dotted == o || strings.HasPrefix(o, dotted+".") {
				found = true
			}
		}
	}
	ks.m.Store(file, found)
	return found
}

// checkSopsKeySource warns about a NixOS host that reads secrets with its
// SSH host key while nothing gives sops-nix that key: with OpenSSH not
// enabled, sops.age.sshKeyPaths is empty (unless set, or another key
// source is). The host's [nixos] values, its
// enabled modules, its own .nix files and common/nixos.nix are read for
// an assignment; a value computed elsewhere counts as one.
func (e *evaluator) checkSopsKeySource(h *Host, dl *diag.List) {
	if h.Platform != inventory.NixOS || len(h.Secrets) == 0 {
		return
	}
	src := h.Src
	if !src.HostKey.IsSet() || src.AgeKey.IsSet() {
		return // no key: collectSecrets reports it; both: FleetAccess does
	}
	nixos := h.Tree.Get("nixos")
	if en := nixos.Lookup("services", "openssh", "enable"); en != nil && (en.Kind != Bool || en.Bool) {
		return
	}
	for _, o := range sopsKeyOptions[1:] {
		if nixos.Lookup(strings.Split(o, ".")...) != nil {
			return
		}
	}
	for _, name := range h.Modules {
		if m := e.inv.Modules["nixos"][name]; m != nil && e.keySources.assigns(m.File, m.Src) {
			return
		}
	}
	files := append([]string{}, src.NixFiles...)
	if f := e.inv.CommonNix["nixos"]; f != "" {
		files = append(files, f)
	}
	for _, f := range files {
		data, err := e.inv.ReadFile(f)
		if err != nil || e.keySources.assigns(f, data) {
			return
		}
	}
	dl.Warnf(src.HostKey.Pos, "secret-key-source", "host %s decrypts its secrets with its SSH host key, but nothing enables services.openssh on it: sops-nix's sops.age.sshKeyPaths is then empty and activation fails (\"No key source configured for sops\")", h.Name).
		Hint("enable OpenSSH on the host (services.openssh.enable = true, or a module that sets it), or keep it off and set [nixos.sops.age] sshKeyPaths = [\"/etc/ssh/ssh_host_ed25519_key\"] in %s", src.File)
}
