package deploy

import (
	"fmt"
	"strings"
)

// Paths on a target, as NixOS and nix-darwin lay them out.
const (
	systemProfile = "/nix/var/nix/profiles/system"
	currentSystem = "/run/current-system"
	// stateDir holds fleet's deploy record and the watchdogs' files.
	stateDir = "/var/lib/fleet"
)

// maxActivation is how long, in seconds, a watchdog waits for an
// activation to end before it starts counting the confirmation timeout.
const maxActivation = 1800

// quote makes s one word for a POSIX shell.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// script is a POSIX shell program run on a target through `sh -s`.
type script struct{ b strings.Builder }

func (s *script) set(name, value string) { fmt.Fprintf(&s.b, "%s=%s\n", name, quote(value)) }
func (s *script) line(text string)       { s.b.WriteString(text + "\n") }
func (s *script) bytes() []byte          { return []byte(s.b.String()) }

// probeScript reports what a target runs: the current system, the system
// profile's generation link, whether systemd runs, the units that have
// failed and fleet's deploy record. One key=value a line.
func probeScript() []byte {
	var s script
	s.line("set -u")
	s.line("echo \"current=$(readlink -e " + currentSystem + " 2>/dev/null || true)\"")
	s.line("echo \"generation=$(readlink " + systemProfile + " 2>/dev/null || true)\"")
	s.line(`if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`)
	s.line(`  echo systemd=1`)
	s.line(`  systemctl list-units --failed --plain --no-legend --no-pager 2>/dev/null | while read -r u _; do echo "failed=$u"; done`)
	s.line(`else echo systemd=0; fi`)
	s.line(`if [ -r ` + stateDir + `/deploy.json ]; then echo "record=$(tr -d '\n' < ` + stateDir + `/deploy.json)"; fi`)
	return s.bytes()
}

// activation describes one activation on a target.
type activation struct {
	ID       string // unique per deploy and host, names the watchdog
	System   string // the new system's store path
	Mode     Mode
	Platform string // nixos | darwin
	// Timeout is how long the watchdog waits for confirmation, in
	// seconds; 0 arms no watchdog.
	Timeout int
}

// activateCmd is the command that activates system in mode.
func activateCmd(platform, system string, mode Mode) string {
	if platform == "darwin" {
		return quote(system + "/activate")
	}
	return quote(system+"/bin/switch-to-configuration") + " " + string(mode)
}

// activateScript arms the watchdog, sets the system profile (switch and
// boot) and runs the activation, under systemd-run where systemd runs so
// that a dropped connection or an sshd restart cannot cut it off half-way
// (as nixos-rebuild does). It prints fleet-rc=<exit code of the
// activation> as its last line and exits 0 when it got that far.
func activateScript(a activation) []byte {
	var s script
	s.line("set -u")
	s.set("NEW", a.System)
	s.set("MODE", string(a.Mode))
	s.set("ID", a.ID)
	s.set("STATE", stateDir)
	s.set("PROFILE", systemProfile)
	s.line(`mkdir -p "$STATE"`)
	s.line(`PREV=$(readlink -e ` + currentSystem + ` 2>/dev/null || true)`)
	s.line(`PREVGEN=$(readlink "$PROFILE" 2>/dev/null || true)`)
	s.line(`SYSTEMD=0; if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then SYSTEMD=1; fi`)
	if a.Timeout > 0 {
		// The watchdog: unless fleet removes the pending file within the
		// timeout after the activation ends, the previous system comes
		// back by itself. It runs as a transient systemd service, or a
		// detached process where systemd does not run, so that neither a
		// dropped connection nor an sshd restart stops it.
		s.line(`printf '%s\n%s\n' "$PREV" "$PREVGEN" > "$STATE/pending-$ID"`)
		s.line(`cat > "$STATE/watchdog-$ID.sh" <<'FLEET_WATCHDOG'`)
		s.b.WriteString(watchdogBody(a))
		s.line(`FLEET_WATCHDOG`)
		s.line(`if [ "$SYSTEMD" = 1 ]; then`)
		s.line(fmt.Sprintf(`  systemd-run --quiet --collect --unit "fleet-watchdog-$ID" /bin/sh "$STATE/watchdog-$ID.sh" "$STATE" "$ID" %d || exit 97`, a.Timeout))
		s.line(`else`)
		s.line(fmt.Sprintf(`  setsid /bin/sh "$STATE/watchdog-$ID.sh" "$STATE" "$ID" %d </dev/null >>"$STATE/watchdog.log" 2>&1 &`, a.Timeout))
		s.line(`  echo $! > "$STATE/watchdog-$ID.pid"`)
		s.line(`fi`)
		s.line(`echo watchdog=armed`)
	}
	if a.Mode == Switch || a.Mode == Boot {
		s.line(`nix-env -p "$PROFILE" --set "$NEW" || exit 98`)
	}
	run := activateCmd(a.Platform, a.System, a.Mode)
	s.line(`if [ "$SYSTEMD" = 1 ]; then`)
	s.line(`  systemd-run -E LOCALE_ARCHIVE -E NIXOS_INSTALL_BOOTLOADER --collect --no-ask-password --pipe --quiet --service-type=exec --unit "fleet-switch-$ID" --wait ` + run)
	s.line(`else`)
	s.line(`  ` + run)
	s.line(`fi`)
	s.line(`RC=$?`)
	s.line(`touch "$STATE/activated-$ID"`)
	s.line(`echo "fleet-rc=$RC"`)
	return s.bytes()
}

// watchdogBody is the watchdog's script. It waits for the activation to
// end (at most maxActivation seconds), then for the timeout; if the deploy
// is still pending then, it returns the profile to the previous
// generation and activates the previous system.
func watchdogBody(a activation) string {
	var s script
	s.line(`STATE=$1; ID=$2; T=$3`)
	s.line(`P="$STATE/pending-$ID"`)
	s.line(`i=0`)
	s.line(fmt.Sprintf(`while [ ! -e "$STATE/activated-$ID" ] && [ "$i" -lt %d ]; do [ -e "$P" ] || exit 0; sleep 1; i=$((i+1)); done`, maxActivation))
	s.line(`sleep "$T"`)
	// Whoever renames the pending file first decides: the watchdog or
	// fleet's confirmation.
	s.line(`mv "$P" "$P.restoring" 2>/dev/null || exit 0`)
	s.line(`PREV=$(sed -n 1p "$P.restoring"); PREVGEN=$(sed -n 2p "$P.restoring")`)
	s.line(`rm -f "$P.restoring"`)
	s.line(`echo "$(date -u +%FT%TZ) $ID: not confirmed, restoring ${PREV:-nothing}" >> "$STATE/watchdog.log"`)
	s.line(`rm -f "$STATE/activated-$ID" "$STATE/watchdog-$ID.pid" "$0"`)
	s.b.WriteString(restoreLines(a.Platform, a.Mode))
	return s.b.String()
}

// restoreLines return the system profile to PREVGEN (when the mode set
// it) and activate PREV.
func restoreLines(platform string, mode Mode) string {
	var s script
	s.line(`[ -n "$PREV" ] || exit 0`)
	if mode == Switch || mode == Boot {
		s.line(`N=$(printf '%s' "$PREVGEN" | sed -n 's/^.*-\([0-9][0-9]*\)-link$/\1/p')`)
		s.line(`if [ -n "$N" ]; then nix-env -p ` + systemProfile + ` --switch-generation "$N"; else nix-env -p ` + systemProfile + ` --set "$PREV"; fi`)
	}
	restoreMode := Switch
	if mode == Test {
		restoreMode = Test
	}
	if mode == Boot {
		restoreMode = Boot
	}
	if platform == "darwin" {
		s.line(`"$PREV/activate"`)
	} else {
		s.line(`"$PREV/bin/switch-to-configuration" ` + string(restoreMode))
	}
	return s.b.String()
}

// confirmScript disarms the watchdog and writes the deploy record. It
// exits 95 when the watchdog already took over (the confirmation came
// too late).
func confirmScript(id, record string) []byte {
	var s script
	s.line("set -u")
	s.set("ID", id)
	s.set("STATE", stateDir)
	s.line(`if [ -n "$ID" ]; then`)
	s.line(`  mv "$STATE/pending-$ID" "$STATE/confirmed-$ID" 2>/dev/null || { echo "fleet: the watchdog already restored the previous system" >&2; exit 95; }`)
	s.line(`  rm -f "$STATE/confirmed-$ID"`)
	s.line(`fi`)
	s.b.WriteString(disarmLines())
	if record != "" {
		s.line(`cat > "$STATE/deploy.json.tmp" <<'FLEET_RECORD'`)
		s.line(record)
		s.line(`FLEET_RECORD`)
		s.line(`mv "$STATE/deploy.json.tmp" "$STATE/deploy.json"`)
	}
	s.line(`echo confirmed`)
	return s.bytes()
}

// disarmLines stop the watchdog of deploy $ID and remove its files.
func disarmLines() string {
	var s script
	s.line(`systemctl stop "fleet-watchdog-$ID.service" 2>/dev/null || true`)
	s.line(`if [ -r "$STATE/watchdog-$ID.pid" ]; then kill "$(cat "$STATE/watchdog-$ID.pid")" 2>/dev/null || true; fi`)
	s.line(`rm -f "$STATE/watchdog-$ID.pid" "$STATE/watchdog-$ID.sh" "$STATE/activated-$ID"`)
	return s.b.String()
}

// rollbackScript restores the previous system at once (fleet saw the new
// one fail) and disarms the watchdog.
func rollbackScript(id, platform string, mode Mode) []byte {
	var s script
	s.line("set -u")
	s.set("ID", id)
	s.set("STATE", stateDir)
	s.line(`P="$STATE/pending-$ID"`)
	s.line(`mv "$P" "$P.restoring" 2>/dev/null || { echo "fleet: the watchdog already restored the previous system" >&2; exit 95; }`)
	s.line(`PREV=$(sed -n 1p "$P.restoring"); PREVGEN=$(sed -n 2p "$P.restoring")`)
	s.line(`rm -f "$P.restoring"`)
	s.b.WriteString(disarmLines())
	s.b.WriteString(restoreLines(platform, mode))
	s.line(`echo rolled-back`)
	return s.bytes()
}

// unitsScript reports the state of units and listening TCP ports for
// health checks: unit=<name> <active state>, port=<n> for each port in
// LISTEN.
func checksScript(units []string, ports bool) []byte {
	var s script
	for _, u := range units {
		s.line(`echo "unit=` + u + ` $(systemctl is-active ` + quote(u) + ` 2>/dev/null || true)"`)
	}
	if ports {
		s.line(`if command -v ss >/dev/null 2>&1; then ss -Hltn 2>/dev/null | while read -r _ _ _ local _; do echo "port=${local##*:}"; done; else echo "port=unknown"; fi`)
	}
	return s.bytes()
}
