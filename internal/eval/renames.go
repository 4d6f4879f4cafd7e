package eval

import (
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// rename is an upstream option that moved or went away.
type rename struct {
	old string // dotted path; matches the option and everything below it
	new string // "" when removed without replacement
	// removed is true when using old fails evaluation (an error); renamed
	// options still work for a while with a warning.
	removed bool
	note    string
}

// renames lists renamed and removed options by class, from the NixOS,
// nix-darwin and home-manager release notes.
var renames = map[string][]rename{
	"nixos": {
		{old: "hardware.opengl.driSupport32Bit", new: "hardware.graphics.enable32Bit", note: "NixOS 24.11"},
		{old: "hardware.opengl.driSupport", removed: true, note: "removed in NixOS 24.11; drivers are always enabled"},
		{old: "hardware.opengl.s3tcSupport", removed: true, note: "removed in NixOS 24.11"},
		{old: "hardware.opengl", new: "hardware.graphics", note: "NixOS 24.11"},
		{old: "sound.enable", removed: true, note: "removed in NixOS 24.11; ALSA lives in hardware.alsa.*"},
		{old: "sound", removed: true, note: "removed in NixOS 24.11; ALSA lives in hardware.alsa.*"},
		{old: "hardware.pulseaudio", new: "services.pulseaudio", note: "NixOS 25.05"},
		{old: "hardware.amdgpu.amdvlk", removed: true, note: "removed in NixOS 25.11; RADV is the Vulkan driver"},
		{old: "hardware.nvidia.optimus_prime", new: "hardware.nvidia.prime"},
		{old: "virtualisation.docker.enableNvidia", new: "hardware.nvidia-container-toolkit.enable"},
		{old: "virtualisation.podman.enableNvidia", new: "hardware.nvidia-container-toolkit.enable"},
		{old: "services.xserver.displayManager.gdm", new: "services.displayManager.gdm"},
		{old: "services.xserver.desktopManager.gnome", new: "services.desktopManager.gnome"},
		{old: "services.xserver.displayManager.sddm", new: "services.displayManager.sddm"},
		{old: "services.xserver.displayManager.autoLogin", new: "services.displayManager.autoLogin"},
		{old: "services.xserver.displayManager.defaultSession", new: "services.displayManager.defaultSession"},
		{old: "services.displayManager.environment", new: "services.displayManager.generic.environment"},
		{old: "services.grafana.security.secretKey", new: "services.grafana.settings.security.secret_key", removed: true},
		{old: "services.grafana.port", new: "services.grafana.settings.server.http_port", removed: true},
		{old: "services.grafana.addr", new: "services.grafana.settings.server.http_addr", removed: true},
		{old: "services.prometheus.environmentFile", removed: true, note: "use the *_file settings of the scrape configs"},
		{old: "services.prometheus.exporters.minio", removed: true, note: "removed in NixOS 24.11"},
		{old: "services.prometheus.exporters.tor", removed: true},
		{old: "services.prometheus.exporters.unifi-poller", new: "services.prometheus.exporters.unpoller"},
		{old: "systemd.watchdog", new: "systemd.settings.Manager", note: "2025"},
		{old: "services.logind.lidSwitchExternalPower", new: "services.logind.settings.Login.HandleLidSwitchExternalPower", note: "NixOS 25.11"},
		{old: "services.logind.lidSwitchDocked", new: "services.logind.settings.Login.HandleLidSwitchDocked", note: "NixOS 25.11"},
		{old: "services.logind.lidSwitch", new: "services.logind.settings.Login.HandleLidSwitch", note: "NixOS 25.11"},
		{old: "services.logind.powerKey", new: "services.logind.settings.Login.HandlePowerKey", note: "NixOS 25.11"},
		{old: "services.logind.killUserProcesses", new: "services.logind.settings.Login.KillUserProcesses", note: "NixOS 25.11"},
		{old: "services.logind.extraConfig", new: "services.logind.settings.Login", note: "NixOS 25.11"},
		{old: "zramSwap.numDevices", removed: true, note: "use zramSwap.swapDevices"},
		{old: "docker-containers", new: "virtualisation.oci-containers.containers"},
		{old: "virtualisation.podman.defaultNetwork.dnsname", removed: true},
		{old: "virtualisation.podman.defaultNetwork.extraPlugins", removed: true},
		{old: "boot.loader.grub.trustedBoot", removed: true},
		{old: "boot.loader.grub.extraInitrd", removed: true},
		{old: "boot.loader.grub.bootDevice", new: "boot.loader.grub.device", removed: true},
	},
	"darwin": {
		{old: "services.nix-daemon.enable", removed: true, note: "removed in nix-darwin 25.05; the daemon is always managed"},
		{old: "nix.useDaemon", removed: true, note: "removed in nix-darwin 25.05"},
		{old: "nix.configureBuildUsers", removed: true, note: "removed in nix-darwin 25.05"},
		{old: "system.activationScripts.preUserActivation", removed: true, note: "removed in nix-darwin 25.05; activation runs as root"},
		{old: "system.activationScripts.extraUserActivation", removed: true, note: "removed in nix-darwin 25.05; activation runs as root"},
		{old: "system.activationScripts.postUserActivation", removed: true, note: "removed in nix-darwin 25.05; activation runs as root"},
		{old: "security.pam.enableSudoTouchIdAuth", new: "security.pam.services.sudo_local.touchIdAuth", note: "nix-darwin 25.05"},
		{old: "system.defaults.alf", new: "networking.applicationFirewall"},
		{old: "nix.gc.dates", new: "nix.gc.interval", removed: true, note: "darwin schedules with launchd: interval = { Weekday = 0; Hour = 3; Minute = 15; }"},
		{old: "homebrew.brewPrefix", new: "homebrew.prefix", note: "nix-darwin 26.05; drop the trailing /bin"},
		{old: "homebrew.whalebrews", removed: true, note: "removed in nix-darwin 26.05"},
		{old: "homebrew.global.lockfiles", removed: true, note: "no effect since nix-darwin 26.05"},
		{old: "homebrew.global.noLock", removed: true, note: "no effect since nix-darwin 26.05"},
		{old: "homebrew.autoUpdate", new: "homebrew.onActivation.autoUpdate"},
		{old: "homebrew.cleanup", new: "homebrew.onActivation.cleanup"},
	},
	"home": {
		{old: "programs.git.userName", new: "programs.git.settings.user.name", note: "home-manager 25.11"},
		{old: "programs.git.userEmail", new: "programs.git.settings.user.email", note: "home-manager 25.11"},
		{old: "programs.git.aliases", new: "programs.git.settings.alias", note: "home-manager 25.11"},
		{old: "programs.git.extraConfig", new: "programs.git.settings", note: "home-manager 25.11"},
		{old: "programs.git.signing.gpgPath", new: "programs.git.signing.signer", note: "home-manager 25.11"},
		{old: "programs.git.delta", new: "programs.delta", note: "home-manager 25.11; also set programs.delta.enableGitIntegration = true"},
		{old: "programs.zsh.initExtraFirst", new: "programs.zsh.initContent (with lib.mkBefore)", note: "home-manager 25.05"},
		{old: "programs.zsh.initExtraBeforeCompInit", new: "programs.zsh.initContent (with lib.mkOrder 550)", note: "home-manager 25.05"},
		{old: "programs.zsh.initExtra", new: "programs.zsh.initContent", note: "home-manager 25.05"},
		{old: "programs.direnv.enableNixDirenvIntegration", new: "programs.direnv.nix-direnv.enable"},
	},
}

// checkRenames reports renamed and removed upstream options in a layer's
// pass-through tables.
func (e *evaluator) checkRenames(ly *inventory.Layer) {
	for class, ts := range map[string][]*inventory.Value{
		"nixos":  {ly.NixOS, ly.Force.NixOS},
		"darwin": {ly.Darwin, ly.Force.Darwin},
		"home":   {ly.Home, ly.Force.Home},
	} {
		for _, t := range ts {
			if ix := e.cfg.Upstream[class]; ix != nil {
				e.checkUpstream(ix, t, nil, class)
				continue
			}
			lintRenames(e.diags, t, nil, renames[class], class)
		}
	}
}

func lintRenames(dl *diag.List, t *inventory.Value, path []string, rs []rename, class string) {
	if t == nil || t.Kind != inventory.Table || inventory.IsSpecial(t) {
		return
	}
	for k, f := range t.Entries() {
		p := append(path, k)
		dotted := strings.Join(p, ".")
		if r, ok := findRename(rs, dotted); ok {
			if f.Kind != inventory.Table || inventory.IsSpecial(f) || r.new == "" {
				reportRename(dl, f.KeyPos, class, dotted, r)
				continue
			}
			// Name the moved option itself: hardware.opengl.enable is
			// hardware.graphics.enable, unless a more specific entry says
			// otherwise.
			for c, x := range f.Entries() {
				cp := dotted + "." + c
				if specific, ok := findRename(rs, cp); ok {
					reportRename(dl, x.KeyPos, class, cp, specific)
					continue
				}
				moved := r
				moved.new = r.new + "." + c
				reportRename(dl, x.KeyPos, class, cp, moved)
			}
			continue
		}
		lintRenames(dl, f, p, rs, class)
	}
}

func findRename(rs []rename, path string) (rename, bool) {
	for _, r := range rs {
		if path == r.old {
			return r, true
		}
	}
	return rename{}, false
}

func reportRename(dl *diag.List, pos diag.Pos, class, path string, r rename) {
	var d *diag.Diagnostic
	switch {
	case r.new != "" && r.removed:
		d = dl.Errorf(pos, "renamed-option", "[%s] %s no longer exists: it is %s", class, path, r.new)
	case r.new != "":
		d = dl.Warnf(pos, "renamed-option", "[%s] %s is renamed to %s", class, path, r.new)
	default:
		d = dl.Errorf(pos, "removed-option", "[%s] %s was removed", class, path)
	}
	if r.note != "" {
		d.Hint("%s", r.note)
	}
	if r.new != "" {
		d.Hint("write %s instead", r.new)
	} else {
		d.Hint("delete it")
	}
}
