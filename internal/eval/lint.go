package eval

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// This file holds the checks of what is valid on its own but cannot be
// what the user meant: values that would otherwise be accepted silently
// and do nothing, or do harm.

// reservedModules are fleet.<name> attributes the generated fleet.nix
// declares itself; a module of that name would clash with them.
var reservedModules = []string{"host", "hosts"}

// checkFleetWide runs the checks that compare hosts with each other and
// the shared files with the disk.
func (e *evaluator) checkFleetWide() {
	e.checkReservedModules()
	e.checkSameAcrossHosts("host_key", func(h *inventory.Host) inventory.Str { return h.HostKey }, func(h *inventory.Host) string { return hostKeyID(h.HostKey.V) },
		"two hosts with one host key would read each other's secrets", "give each host the key of its own machine: ssh-keyscan -t ed25519 HOST")
	e.checkSameAcrossHosts("deploy target", func(h *inventory.Host) inventory.Str { return h.Deploy.Target }, targetAddress,
		"deploying one host would overwrite the other", "point each host's [deploy] target at its own machine")
	e.checkRoleSecretFiles()
	e.checkDarwinOnlyUsers()
}

// checkReservedModules reports modules named like an attribute fleet.nix
// declares (fleet.host, fleet.hosts).
func (e *evaluator) checkReservedModules() {
	for _, class := range []string{"nixos", "darwin", "home"} {
		for _, name := range reservedModules {
			if m := e.inv.Modules[class][name]; m != nil {
				e.diags.Errorf(diag.Pos{File: m.File}, "reserved-module", "a module cannot be called %q: fleet.%s holds the fleet's own facts about hosts", name, name).
					Hint("rename modules/%s/%s, for example to %s-config", class, name, name)
			}
		}
	}
}

// checkSameAcrossHosts reports two hosts whose field (compared by key)
// is the same.
func (e *evaluator) checkSameAcrossHosts(what string, field func(*inventory.Host) inventory.Str, key func(*inventory.Host) string, why, hint string) {
	first := map[string]*inventory.Host{}
	for _, h := range e.inv.Hosts {
		v := field(h)
		if !v.IsSet() || strings.TrimSpace(v.V) == "" {
			continue
		}
		k := key(h)
		if prev := first[k]; prev != nil {
			e.diags.Errorf(v.Pos, "duplicate", "hosts %s and %s have the same %s: %s", prev.Name, h.Name, what, why).
				Also(field(prev).Pos, "host %s has it here", prev.Name).
				Hint("%s", hint)
			continue
		}
		first[k] = h
	}
}

// hostKeyID is the key material of an ssh public key line, without its
// comment.
func hostKeyID(s string) string {
	f := strings.Fields(s)
	if len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	return strings.TrimSpace(s)
}

// targetAddress is the machine a host's deploy target reaches: the
// address without the user, lower case, and the ssh port (one address
// may forward several ports to several machines).
func targetAddress(h *inventory.Host) string {
	s := h.Deploy.Target.V
	if _, host, ok := strings.Cut(s, "@"); ok {
		s = host
	}
	return strings.ToLower(strings.TrimSpace(s)) + ":" + strconv.FormatInt(int64(h.Deploy.SSHPort.V), 10)
}

// checkRoleSecretFiles warns about roles that grant a secret (not a
// pattern) that has no file.
func (e *evaluator) checkRoleSecretFiles() {
	for _, name := range sortedMapKeys(e.inv.Roles) {
		for _, s := range e.inv.Roles[name].Secrets {
			if strings.ContainsAny(s.V, "*?[") || !secretNameRE.MatchString(s.V) {
				continue
			}
			if _, ok := e.inv.Secrets[s.V]; ok {
				continue
			}
			d := e.diags.Warnf(s.Pos, "missing-secret", "role %s lists secret %q, which has no file", name, s.V)
			if hint := diag.DidYouMean(s.V, sortedMapKeys(e.inv.Secrets)); hint != "" {
				d.Hint("%s", hint)
			}
			d.Hint("create it: fleet secrets set secrets/%s.yaml KEY (the value on stdin)", s.V)
		}
	}
}

// checkDarwinOnlyUsers warns about the keys of a user that nix-darwin does
// not apply, when the user lives on darwin hosts only (on NixOS they
// count).
func (e *evaluator) checkDarwinOnlyUsers() {
	platforms := map[string]map[inventory.Platform]bool{}
	for _, h := range e.inv.Hosts {
		for _, u := range h.Users {
			if platforms[u.V] == nil {
				platforms[u.V] = map[inventory.Platform]bool{}
			}
			platforms[u.V][inventory.Platform(h.Platform.V)] = true
		}
	}
	for _, name := range sortedMapKeys(e.inv.Users) {
		u, on := e.inv.Users[name], platforms[name]
		if !on[inventory.Darwin] || on[inventory.NixOS] {
			continue
		}
		if u.Shell.IsSet() {
			d := e.diags.Warnf(u.Shell.Pos, "darwin-ignored", "nix-darwin does not change the login shell of %s: it changes only users it creates", name)
			if u.Shell.V == "bash" {
				d.Hint("on each Mac run once: chsh -s /bin/bash")
			} else {
				d.Hint("fleet enables programs.%s; on each Mac run once: chsh -s /run/current-system/sw/bin/%s", u.Shell.V, u.Shell.V)
			}
		}
		if u.Admin.IsSet() && u.Admin.V {
			e.diags.Warnf(u.Admin.Pos, "darwin-ignored", "admin = true does not make %s an administrator on darwin: macOS keeps admin rights itself", name).
				Hint("grant them in System Settings > Users & Groups; on darwin fleet only makes an admin the system.primaryUser")
		}
		if u.UID.IsSet() {
			e.diags.Warnf(u.UID.Pos, "darwin-ignored", "uid of %s is not applied on darwin: nix-darwin leaves existing accounts alone", name).
				Hint("remove it, or keep it for NixOS hosts the user may join")
		}
		if len(u.Groups) > 0 {
			e.diags.Warnf(u.Groups[0].Pos, "darwin-ignored", "groups of %s are not applied on darwin: nix-darwin leaves existing accounts alone", name).
				Hint("remove them, or keep them for NixOS hosts the user may join")
		}
	}
}

// checkHostQuiet checks a host's own file for values that do nothing:
// settings for modules it does not enable, home values with no users, and
// a NixOS host without a hardware configuration.
func (e *evaluator) checkHostQuiet(h *Host, dl *diag.List) {
	src := h.Src
	for _, t := range []*inventory.Value{src.Settings, src.Force.Settings} {
		if t == nil {
			continue
		}
		for k, f := range t.Entries() {
			if slices.Contains(h.Modules, k) || !e.exists(k, "nixos", "darwin") {
				continue
			}
			if en := h.Tree.Lookup("settings", k, "enable"); en != nil && en.Kind == Bool {
				continue // enable is written down: disabling it is deliberate
			}
			dl.Warnf(f.KeyPos, "not-enabled", "settings for module %s, which host %s does not enable: they have no effect", k, h.Name).
				Hint("add %q to the host's modules = [...], or remove the settings", k)
		}
	}
	if len(src.Users) == 0 {
		for _, v := range []struct {
			key string
			pos diag.Pos
			set bool
		}{
			{"home_modules", firstPos(src.HomeModules), len(src.HomeModules) > 0},
			{"home_packages", firstPos(src.HomePackages), len(src.HomePackages) > 0},
			{"home_settings", valuePos(src.HomeSettings), src.HomeSettings != nil},
			{"home", valuePos(src.Home), src.Home != nil},
		} {
			if v.set {
				dl.Warnf(v.pos, "no-users", "%s on host %s, which has no users: it applies to nobody", v.key, h.Name).
					Hint(`add users = ["NAME"] to the host, or remove %s`, v.key)
			}
		}
	}
	// The hardware configuration may live in any of the host's own .nix
	// files, or its file systems be given as pass-through values.
	if h.Platform == inventory.NixOS && len(src.NixFiles) == 0 && h.Tree.Lookup("nixos", "fileSystems") == nil {
		dl.Warnf(diag.Pos{File: src.File, Line: 1, Col: 1}, "no-hardware", "NixOS host %s has no hardware configuration (no .nix file in %s, no fileSystems): it would not boot", h.Name, path.Dir(src.File)).
			Hint("on the machine run nixos-generate-config --show-hardware-config > %s/hardware-configuration.nix", path.Dir(src.File))
	}
}

func firstPos(ss []inventory.Str) diag.Pos {
	if len(ss) == 0 {
		return diag.Pos{}
	}
	return ss[0].Pos
}

func valuePos(v *inventory.Value) diag.Pos {
	if v == nil {
		return diag.Pos{}
	}
	return v.KeyPos
}
