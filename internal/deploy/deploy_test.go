package deploy

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every script fleet sends to a target is valid POSIX shell, whatever the
// paths and ids hold.
func TestScriptsParse(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	odd := "/nix/store/abc-it's \"odd\" $(x) `y`"
	scripts := map[string][]byte{
		"probe":    probeScript(),
		"confirm":  confirmScript("h-1", `{"host":"h"}`),
		"rollback": rollbackScript("h-1", "nixos", Switch),
		"checks":   checksScript([]string{"podman-x.service"}, true),
	}
	for _, m := range []Mode{Switch, Boot, Test, DryActivate} {
		for _, p := range []string{"nixos", "darwin"} {
			a := activation{ID: "h-1", System: odd, Mode: m, Platform: p, Timeout: 5}
			scripts["activate-"+p+"-"+string(m)] = activateScript(a)
			scripts["watchdog-"+p+"-"+string(m)] = []byte(watchdogBody(a))
		}
	}
	for name, src := range scripts {
		cmd := exec.Command(sh, "-n")
		cmd.Stdin = strings.NewReader(string(src))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: sh -n: %v\n%s\n%s", name, err, out, src)
		}
	}
}

func TestQuote(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"", "plain", "it's", `"$HOME" $(id) ` + "`id`", "a\nb"} {
		out, err := exec.Command(sh, "-c", "printf %s "+quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("quote(%q) gave %q, %v", s, out, err)
		}
	}
}

func TestParseProbe(t *testing.T) {
	st := parseProbe([]byte("current=/nix/store/x-sys\ngeneration=system-4-link\nsystemd=1\nfailed=a.service\nfailed=b.service\nrecord={\"host\":\"h\",\"system\":\"/nix/store/x-sys\",\"time\":\"t\"}\n"))
	want := &state{Current: "/nix/store/x-sys", Generation: "system-4-link", Systemd: true,
		Failed: map[string]bool{"a.service": true, "b.service": true}, Record: &Record{Host: "h", System: "/nix/store/x-sys", Time: "t"}}
	if d := cmp.Diff(want, st); d != "" {
		t.Error(d)
	}
}

func TestEvalChecks(t *testing.T) {
	checks := []Check{{Kind: CheckUnit, Name: "podman-a.service", Why: "container a"}, {Kind: CheckPort, Name: "8080", Why: "container a"}}
	if err := evalChecks(checks, true, []byte("unit=podman-a.service active\nport=8080\nport=22\n")); err != nil {
		t.Errorf("healthy host: %v", err)
	}
	err := evalChecks(checks, true, []byte("unit=podman-a.service failed\nport=22\n"))
	if err == nil || err.Error() != "health check: unit podman-a.service is failed (container a); nothing listens on TCP port 8080 (container a)" {
		t.Errorf("unhealthy host: %v", err)
	}
	// Without systemd and ss, nothing can be told: no false alarm.
	if err := evalChecks(checks, false, []byte("port=unknown\n")); err != nil {
		t.Errorf("host without systemd: %v", err)
	}
}

func TestActivationRC(t *testing.T) {
	for out, want := range map[string]int{"fleet-rc=0\n": 0, "watchdog=armed\nx\nfleet-rc=4\n": 4} {
		if got, err := activationRC([]byte(out)); err != nil || got != want {
			t.Errorf("activationRC(%q) = %d, %v", out, got, err)
		}
	}
	if _, err := activationRC([]byte("watchdog=armed\n")); err == nil {
		t.Error("no fleet-rc: want an error")
	}
}

func TestWaves(t *testing.T) {
	plan := []*Target{{Host: "a", Wave: 1}, {Host: "b"}, {Host: "c", Wave: 1}, {Host: "d", Wave: -1}}
	if d := cmp.Diff([][]int{{3}, {1}, {0, 2}}, waves(plan)); d != "" {
		t.Error(d)
	}
}
