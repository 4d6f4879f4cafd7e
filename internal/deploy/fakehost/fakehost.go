// Package fakehost owns the stand-in machines deploy tests run against: a
// real OpenSSH server on 127.0.0.1 per host, each in a mount namespace of
// its own where /nix, /run and /var/lib are the host's own folders, so
// `nix copy` really copies into the host's own store, the system profile
// and /run/current-system are the host's own, and a watchdog left behind
// keeps running after the connection is gone. It needs root, unshare,
// sshd, ssh, ssh-keygen and nix; Available says what is missing.
//
// Only the machine itself is stood in: the closures deployed are built by
// the real Nix, and their activation scripts (written by the tests) record
// what they were asked.
package fakehost

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Available returns "" when fake hosts can run here, or why not.
func Available() string {
	if os.Geteuid() != 0 {
		return "fake hosts need root (mount namespaces and sshd)"
	}
	for _, p := range []string{"unshare", "ssh", "ssh-keygen", "nix", "nix-store", "setsid"} {
		if _, err := exec.LookPath(p); err != nil {
			return p + " is not installed"
		}
	}
	if _, err := os.Stat(sshd); err != nil {
		return sshd + " is not installed (openssh-server)"
	}
	if err := exec.Command("unshare", "-m", "--propagation", "private", "true").Run(); err != nil {
		return "cannot create mount namespaces: " + err.Error()
	}
	return ""
}

const sshd = "/usr/sbin/sshd"

// Lab is a set of fake hosts sharing one client key.
type Lab struct {
	Dir string
	// Key is the client's private key file.
	Key string
}

// Host is one fake machine.
type Host struct {
	Name string
	// Root holds the host's nix/, run/ and var/lib/ folders, seen from
	// outside.
	Root string
	Port int
	cmd  *exec.Cmd
	cfg  string
	lab  *Lab
}

// NewLab makes the client key in dir.
func NewLab(dir string) (*Lab, error) {
	l := &Lab{Dir: dir, Key: filepath.Join(dir, "client_key")}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", l.Key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
	}
	return l, nil
}

// SSHOpts are the ssh options that reach the lab's hosts (for
// NIX_SSHOPTS): the client key, no host key checks, batch mode.
func (l *Lab) SSHOpts() string {
	return "-i " + l.Key + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes"
}

// Start starts a fake host called name.
func (l *Lab) Start(name string) (*Host, error) {
	h := &Host{Name: name, Root: filepath.Join(l.Dir, name), lab: l}
	for _, d := range []string{"nix", "run", "var/lib", "etc"} {
		if err := os.MkdirAll(filepath.Join(h.Root, d), 0o755); err != nil {
			return nil, err
		}
	}
	hostKey := filepath.Join(h.Root, "etc", "ssh_host_ed25519_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(l.Key + ".pub")
	if err != nil {
		return nil, err
	}
	auth := filepath.Join(h.Root, "etc", "authorized_keys")
	if err := os.WriteFile(auth, pub, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	h.Port = port
	h.cfg = filepath.Join(h.Root, "etc", "sshd_config")
	cfg := strings.Join([]string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + auth,
		"PermitRootLogin prohibit-password",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"MaxStartups 100",
		"StrictModes no",
		"PidFile /run/sshd.pid",
		// The host's own PATH: nix and the system tools.
		"SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"",
	}, "\n")
	if err := os.WriteFile(h.cfg, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	return h, h.start()
}

// start runs sshd in a new mount namespace over the host's folders.
func (h *Host) start() error {
	script := fmt.Sprintf(`set -e
mount --bind %[1]s/nix /nix
mount --bind %[1]s/run /run
mkdir -p /run/sshd
mount --bind %[1]s/var/lib /var/lib
exec %[2]s -D -e -f %[3]s`, h.Root, sshd, h.cfg)
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
	var logb bytes.Buffer
	cmd.Stdout = &logb
	cmd.Stderr = &logb
	if err := cmd.Start(); err != nil {
		return err
	}
	h.cmd = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(h.Port))
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.Stop()
	return fmt.Errorf("sshd of %s did not start: %s", h.Name, logb.String())
}

// Stop stops the host's sshd (a watchdog it started keeps running).
func (h *Host) Stop() {
	if h.cmd != nil && h.cmd.Process != nil {
		h.cmd.Process.Kill()
		h.cmd.Wait()
		h.cmd = nil
	}
}

// Restart starts the host's sshd again.
func (h *Host) Restart() error {
	h.Stop()
	return h.start()
}

// Run runs a shell command on the host over ssh and returns its output.
func (h *Host) Run(ctx context.Context, command string) (string, error) {
	args := append(strings.Fields(h.lab.SSHOpts()), "-p", strconv.Itoa(h.Port), "root@127.0.0.1", command)
	out, err := exec.CommandContext(ctx, "ssh", args...).CombinedOutput()
	return string(out), err
}

// Current is the host's /run/current-system, read from outside.
func (h *Host) Current() string {
	p, err := os.Readlink(filepath.Join(h.Root, "run", "current-system"))
	if err != nil {
		return ""
	}
	return p
}

// File reads a file below the host's /var/lib, from outside.
func (h *Host) File(rel string) string {
	b, _ := os.ReadFile(filepath.Join(h.Root, "var", "lib", rel))
	return string(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
