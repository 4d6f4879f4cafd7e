// Command bench-deploy starts stand-in hosts (a real sshd each, see
// internal/deploy/fakehost) and a fleet that deploys to them, so that a
// whole `fleet deploy` can be timed from outside with real ssh, nix build
// and nix copy.
//
// usage (as root): go run ./scripts/bench-deploy [-hosts 20] [-dir DIR]
//
// It writes the fleet to DIR/fleet (default DIR /tmp/fleet-bench-deploy), builds
// fleet into DIR/bin, starts the hosts, deploys once, then prints the
// command that deploys every host again with a new system (the stand-in
// systems read DIR/standin/version, which the command bumps) and waits
// until interrupted, when it stops the hosts. Time the printed command
// with hyperfine or time(1) from another shell.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/fleetdev/fleet/internal/deploy/fakehost"
)

const flake = `{
  # Stand-in systems: every host runs a system named after it whose
  # content is standin/version; activation records what it was asked.
  inputs.nixpkgs = { url = "path:./standin/nixpkgs"; flake = false; };
  outputs = { self, nixpkgs }: {
    nixosConfigurations = builtins.mapAttrs (name: _: {
      config.system.build.toplevel = derivation {
        name = "nixos-system-${name}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ ./standin/build.sh ];
        PATH = "/usr/bin:/bin";
        version = builtins.readFile ./standin/version;
      };
    }) (builtins.readDir ./hosts);
  };
}
`

const build = `mkdir -p $out/bin
echo "$version" > $out/version
cat > $out/bin/switch-to-configuration <<EOS
#!/bin/sh
mkdir -p /var/lib/standin
echo "\$1" >> /var/lib/standin/log
case "\$1" in switch|test) ln -sfn $out /run/current-system;; esac
exit 0
EOS
chmod +x $out/bin/switch-to-configuration
`

func main() {
	hosts := flag.Int("hosts", 20, "stand-in hosts to start")
	dir := flag.String("dir", "/tmp/fleet-bench-deploy", "folder for the fleet and the hosts (emptied first)")
	flag.Parse()
	if why := fakehost.Available(); why != "" {
		fail(fmt.Errorf("stand-in hosts cannot run here: %s", why))
	}
	if err := os.RemoveAll(*dir); err != nil {
		fail(err)
	}
	fleetDir := filepath.Join(*dir, "fleet")
	files := map[string]string{
		"fleet.toml":                  "name = \"bench\"\n",
		"flake.nix":                   flake,
		"standin/nixpkgs/default.nix": "{ }\n",
		"standin/build.sh":            build,
		"standin/version":             "0\n",
	}
	for path, content := range files {
		write(filepath.Join(fleetDir, path), content)
	}
	lab, err := fakehost.NewLab(mkdir(filepath.Join(*dir, "lab")))
	if err != nil {
		fail(err)
	}
	var started []*fakehost.Host
	stop := func() {
		for _, h := range started {
			h.Stop()
		}
	}
	for i := range *hosts {
		name := fmt.Sprintf("h%02d", i)
		h, err := lab.Start(name)
		if err != nil {
			stop()
			fail(err)
		}
		started = append(started, h)
		write(filepath.Join(fleetDir, "hosts", name, "host.toml"), fmt.Sprintf(
			"platform = \"nixos\"\nsystem = \"x86_64-linux\"\nstate_version = \"24.05\"\n[deploy]\ntarget = \"root@127.0.0.1\"\nssh_port = %d\n", h.Port))
		write(filepath.Join(fleetDir, "hosts", name, "hardware-configuration.nix"), "{ fileSystems.\"/\".device = \"/dev/disk/by-label/nixos\"; }\n")
	}
	bin := filepath.Join(mkdir(filepath.Join(*dir, "bin")), "fleet")
	env := append(os.Environ(), "NIX_SSHOPTS="+lab.SSHOpts(), "NIX_CONFIG=substituters =")
	run := func(name string, args ...string) {
		c := exec.Command(name, args...)
		c.Env, c.Stdout, c.Stderr = env, os.Stderr, os.Stderr
		if err := c.Run(); err != nil {
			stop()
			fail(fmt.Errorf("%s %v: %v", name, args, err))
		}
	}
	run("go", "build", "-o", bin, "./cmd/fleet")
	run(bin, "--dir", fleetDir, "generate")
	run(bin, "--dir", fleetDir, "deploy", "--parallel", strconv.Itoa(min(*hosts, 10)))

	fmt.Printf(`
%d stand-in hosts are running; the fleet is %s. Deploy a new system to every host with:

  NIX_SSHOPTS='%s' NIX_CONFIG='substituters =' sh -c 'date +%%s%%N > %s/standin/version && exec %s --dir %s deploy --parallel 10 >/dev/null'

Interrupt this program to stop the hosts.
`, *hosts, fleetDir, lab.SSHOpts(), fleetDir, bin, fleetDir)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	stop()
}

func mkdir(dir string) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	return dir
}

func write(path, content string) {
	mkdir(filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench-deploy:", err)
	os.Exit(1)
}
