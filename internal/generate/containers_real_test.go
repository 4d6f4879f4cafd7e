package generate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// realModules evaluates a generated host module's containers, sops and
// firewall values against the real virtualisation.oci-containers module of
// NixOS and the real sops-nix module, with stand-ins for the rest of NixOS
// and for packages. Unknown option names and values of the wrong type fail
// there as they would in nixos-rebuild.
const realModules = `# Evaluates a generated host module's container, sops and firewall values
# against the real oci-containers and sops-nix modules, with stand-ins for
# the rest of NixOS.
{ tree, sopsNix, host }:
let
  lib = import (tree + "/lib");
  stub = name: { type = "derivation"; outPath = "/nix/store/stand-in-" + name; name = name; };
  pkgs = {
    writeShellApplication = a: stub a.name;
    podman = stub "podman";
    docker = stub "docker";
    age = stub "age";
    sops-install-secrets = stub "sops-install-secrets";
    callPackage = f: a: stub "called";
    system = "x86_64-linux";
    stdenv.hostPlatform.system = "x86_64-linux";
    buildPackages = pkgs;
    runCommand = n: a: b: stub n;
    writeText = n: t: stub n;
    writeTextFile = a: stub a.name;
    formats.json = a: { generate = n: v: stub n; type = lib.types.anything; };
  };
  anything = lib.mkOption { type = lib.types.anything; default = { }; };
  stand-ins = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      system.stateVersion = lib.mkOption { type = lib.types.str; default = "24.05"; };
      system.activationScripts = anything;
      system.build = anything;
      systemd = anything;
      users.users = lib.mkOption {
        type = lib.types.attrsOf (lib.types.submodule { options = {
          uid = lib.mkOption { default = 0; };
          group = lib.mkOption { default = "root"; };
          home = lib.mkOption { default = "/root"; };
          linger = lib.mkOption { default = false; };
        }; });
        default = { };
      };
      users.groups = anything;
      networking.proxy.envVars = lib.mkOption { default = { }; };
      networking.firewall = anything;
      virtualisation.podman = {
        enable = lib.mkOption { type = lib.types.bool; default = false; };
        package = lib.mkOption { default = pkgs.podman; };
      };
      virtualisation.docker = {
        enable = lib.mkOption { type = lib.types.bool; default = false; };
        package = lib.mkOption { default = pkgs.docker; };
      };
      services = anything;
      environment = anything;
      boot = anything;
    };
    config.users.users.root = { };
  };
  # The generated host module, reduced to the values this check is about.
  generated = { config, lib, pkgs, ... }:
    let m = import host { inherit config lib pkgs; }; in {
      virtualisation.oci-containers = m.virtualisation.oci-containers or { };
      sops = builtins.removeAttrs (m.sops or { }) [ ];
      networking.firewall = (m.networking or { }).firewall or { };
      systemd = m.systemd or { };
    };
  eval = lib.evalModules {
    modules = [
      stand-ins
      (tree + "/nixos/modules/virtualisation/oci-containers.nix")
      (sopsNix + "/modules/sops")
      generated
      { _module.args.pkgs = pkgs; sops.validateSopsFiles = false; }
    ];
  };
  c = eval.config;
  oci = c.virtualisation.oci-containers;
in
builtins.deepSeq [ oci c.sops.secrets c.sops.templates ] {
  backend = oci.backend;
  containers = builtins.mapAttrs (n: v: {
    inherit (v) image ports volumes environment environmentFiles dependsOn networks extraOptions autoStart serviceName labels pull;
  }) oci.containers;
  units = builtins.filter (n: builtins.match "(podman|docker)-.*" n != null) (builtins.attrNames c.systemd.services);
  after = builtins.mapAttrs (n: v: v.after or [ ]) c.systemd.services;
  podman = c.virtualisation.podman.enable;
  docker = c.virtualisation.docker.enable;
  secrets = builtins.mapAttrs (n: v: { inherit (v) key path; sopsFile = toString v.sopsFile; }) c.sops.secrets;
  templates = builtins.mapAttrs (n: v: { inherit (v) path content restartUnits; }) c.sops.templates;
}
`

// realTrees returns the NixOS tree (lib/ and nixos/modules/ of the release
// the example pins) and the sops-nix tree the check needs, or skips.
func realTrees(t *testing.T) (string, string) {
	t.Helper()
	tree, sops := os.Getenv("FLEET_NIXOS_TREE"), os.Getenv("FLEET_SOPS_NIX")
	if tree == "" || sops == "" {
		t.Skip("set FLEET_NIXOS_TREE (a nixpkgs tree with lib/ and nixos/modules/virtualisation/oci-containers.nix) and FLEET_SOPS_NIX (a sops-nix checkout) to evaluate against the real modules")
	}
	for _, p := range []string{filepath.Join(tree, "lib", "default.nix"), filepath.Join(tree, "nixos", "modules", "virtualisation", "oci-containers.nix"), filepath.Join(sops, "modules", "sops", "default.nix")} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s: %v", p, err)
		}
	}
	return tree, sops
}

type realResult struct {
	Backend    string `json:"backend"`
	Containers map[string]struct {
		Image            string   `json:"image"`
		Ports            []string `json:"ports"`
		EnvironmentFiles []string `json:"environmentFiles"`
		DependsOn        []string `json:"dependsOn"`
		Networks         []string `json:"networks"`
		ServiceName      string   `json:"serviceName"`
		AutoStart        bool     `json:"autoStart"`
	} `json:"containers"`
	Units     []string            `json:"units"`
	After     map[string][]string `json:"after"`
	Podman    bool                `json:"podman"`
	Docker    bool                `json:"docker"`
	Templates map[string]struct {
		Path         string   `json:"path"`
		Content      string   `json:"content"`
		RestartUnits []string `json:"restartUnits"`
	} `json:"templates"`
	Secrets map[string]struct {
		Key string `json:"key"`
	} `json:"secrets"`
}

func evalReal(t *testing.T, nix, tree, sops, dir, host string) (realResult, error) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "real.nix")
	if err := os.WriteFile(script, []byte(realModules), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nix, "--eval", "--strict", "--json", script, "--arg", "tree", tree, "--arg", "sopsNix", sops, "--arg", "host", filepath.Join(dir, "generated", "hosts", host+".nix"))
	cmd.Env = append(os.Environ(), "NIX_PATH=")
	out, err := cmd.Output()
	var r realResult
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return r, &evalError{string(ee.Stderr)}
		}
		return r, err
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r, nil
}

type evalError struct{ stderr string }

func (e *evalError) Error() string { return e.stderr }

// TestContainersRealModules evaluates the generated containers case
// against the real modules: option names exist, values have the declared
// types, units are named as NixOS names them, environment files come from
// sops-nix templates that restart their unit.
func TestContainersRealModules(t *testing.T) {
	nix := needNix(t)
	tree, sops := realTrees(t)
	dir := writeFleet(t, cases["containers"])
	files := generateFleet(t, dir)
	if err := Apply(dir, changesOf(files)); err != nil {
		t.Fatal(err)
	}
	box, err := evalReal(t, nix, tree, sops, dir, "box")
	if err != nil {
		t.Fatalf("box does not evaluate against the real modules:\n%v", err)
	}
	if box.Backend != "podman" || !box.Podman || box.Docker {
		t.Errorf("box: backend %q, podman %v, docker %v", box.Backend, box.Podman, box.Docker)
	}
	wantUnits := []string{"podman-app", "podman-db", "podman-network-backend", "podman-watchtower"}
	if diff := cmp.Diff(wantUnits, box.Units); diff != "" {
		t.Errorf("box units (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(box.After["podman-app"], " "), "podman-db.service") {
		t.Errorf("podman-app does not start after podman-db: %v", box.After["podman-app"])
	}
	app := box.Containers["app"]
	tpl := box.Templates["container-app.env"]
	if len(app.EnvironmentFiles) != 1 || app.EnvironmentFiles[0] != tpl.Path || tpl.Path != "/run/secrets/rendered/container-app.env" {
		t.Errorf("app reads %v, the template renders to %q", app.EnvironmentFiles, tpl.Path)
	}
	if diff := cmp.Diff([]string{"podman-app.service"}, tpl.RestartUnits); diff != "" {
		t.Errorf("template restart units (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(tpl.Content, "API_TOKEN=<SOPS:") || !strings.Contains(tpl.Content, "\nDB_PASSWORD=<SOPS:") {
		t.Errorf("template content %q does not hold sops-nix placeholders", tpl.Content)
	}
	if box.Secrets["app/db/password"].Key != "password" {
		t.Errorf("secrets: %+v", box.Secrets)
	}
	if box.Containers["watchtower"].AutoStart {
		t.Errorf("watchtower starts at boot")
	}
	lab, err := evalReal(t, nix, tree, sops, dir, "lab")
	if err != nil {
		t.Fatalf("lab does not evaluate against the real modules:\n%v", err)
	}
	if lab.Backend != "docker" || !lab.Docker || lab.Podman {
		t.Errorf("lab: backend %q, podman %v, docker %v", lab.Backend, lab.Podman, lab.Docker)
	}
	if diff := cmp.Diff([]string{"docker-db", "docker-db-test", "docker-network-backend", "docker-network-test"}, lab.Units); diff != "" {
		t.Errorf("lab units (-want +got):\n%s", diff)
	}

	// The check can fail: a misspelt option in the catalog, which the
	// host's file refers to, is refused by the real module.
	bad := filepath.Join(dir, filepath.FromSlash(CatalogFile))
	src, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "pull = ") {
		t.Fatalf("%s sets no pull to misspell", CatalogFile)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(string(src), "pull = ", "pulll = ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := evalReal(t, nix, tree, sops, dir, "box"); err == nil || !strings.Contains(err.Error(), "pulll") {
		t.Errorf("a misspelt option evaluated: %v", err)
	}
}
