package generate

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/nix/build"
)

// standIn is a Nix file that evaluates a fleet's generated/outputs.nix
// with stand-in inputs: nixosSystem and darwinSystem return their
// arguments, pkgs holds every package the generated files name. It
// reports the hosts, the import paths that do not exist, and forces every
// host module, the shared module, the fleet facts and the overlay.
const standIn = `{ fleet, stub }:
let
  lib = {
    nixosSystem = args: args // { config.system.build.toplevel = "toplevel"; };
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap (n: if pred n set.${n} then [ { name = n; value = set.${n}; } ] else [ ]) (builtins.attrNames set));
    # Stand-in packages carry no meta.platforms: every one is available.
    meta.availableOn = platform: pkg: true;
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkForce = x: x;
    mkOption = x: x;
    types = {
      attrsOf = x: "attrsOf";
      anything = "anything";
    };
  };
  pkgs = import stub { system = "stand-in"; };
  inputs = {
    self = outputs;
    nixpkgs = { inherit lib; outPath = stub; };
    home-manager = {
      nixosModules.home-manager = "home-manager-nixos";
      darwinModules.home-manager = "home-manager-darwin";
      lib.homeManagerConfiguration = args: args;
    };
    nix-darwin = { lib.darwinSystem = args: args // { system = "darwin-system"; }; };
    sops-nix = { nixosModules.sops = "sops-nixos"; darwinModules.sops = "sops-darwin"; };
    nix-homebrew = { darwinModules.nix-homebrew = "nix-homebrew"; };
    # The stub's pkgs.stdenv.hostPlatform.system is the string below.
    fleet = { packages."pkg-stdenv.hostPlatform.system".default = "fleet"; };
  };
  outputs = import (fleet + "/generated/outputs.nix") inputs;
  exists = p:
    let s = toString p; in
    if builtins.pathExists (s + "/.") then builtins.pathExists (s + "/default.nix") else builtins.pathExists s;
  missing = ps: builtins.filter (p: builtins.isPath p && !(exists p)) ps;
  hostModule = cfg:
    let
      file = builtins.elemAt cfg.modules (builtins.length cfg.modules - 1);
      mod = import file { inherit config lib pkgs inputs; };
      config = {
        sops.secrets = builtins.mapAttrs (n: v: v // { path = "/run/secrets/" + n; }) ((mod.sops or { }).secrets or { });
        sops.placeholder = builtins.mapAttrs (n: v: "<placeholder " + n + ">") ((mod.sops or { }).secrets or { });
        sops.templates = builtins.mapAttrs (n: v: v // { path = "/run/secrets/rendered/" + n; }) ((mod.sops or { }).templates or { });
        virtualisation.podman.package = pkgs.podman or "podman";
        virtualisation.docker.package = pkgs.docker or "docker";
      };
      homes = builtins.attrValues ((mod.home-manager or { }).users or { });
      listed = builtins.concatMap (p: if builtins.isPath p && builtins.pathExists p then (import p).imports or [ ] else [ ]) mod.imports;
    in {
      inherit mod;
      missing = missing cfg.modules ++ missing mod.imports ++ missing listed ++ builtins.concatMap (h: missing (h.imports or [ ])) homes;
    };
  configs = builtins.attrValues outputs.nixosConfigurations ++ builtins.attrValues outputs.darwinConfigurations;
  modules = map hostModule configs;
  homes = map (cfg:
    let mod = import (builtins.elemAt cfg.modules 1) { config = { }; inherit lib; pkgs = cfg.pkgs; };
    in { inherit mod; missing = missing cfg.modules ++ missing (mod.imports or [ ]); }
  ) (builtins.attrValues (outputs.homeConfigurations or { }));
  shared = import (fleet + "/generated/shared.nix") { inherit inputs; };
  homeModules = if builtins.pathExists (fleet + "/generated/modules/home.nix") then (import (fleet + "/generated/modules/home.nix")).imports else [ ];
  facts = (import (fleet + "/generated/fleet.nix") { inherit lib; }).config.fleet.hosts;
  overlay = (import (fleet + "/generated/overlay.nix")) pkgs pkgs;
  # NixOS VM tests: checks.<system>.vm-<name> with runNixOSTest standing
  # in as the identity. Every machine's imports and disabled modules must
  # exist, and the test module must give a testScript string.
  vmChecks = builtins.concatMap (s:
    map (n: { check = n; test = outputs.checks.${s}.${n}; system = s; })
      (builtins.filter (n: builtins.substring 0 3 n == "vm-") (builtins.attrNames outputs.checks.${s}))
  ) (builtins.attrNames outputs.checks);
  vmTest = v:
    let
      t = v.test;
      machines = (t.nodes or { }) // (t.containers or { });
      machine = n: let m = machines.${n}; in if builtins.isFunction m then m { inherit lib; } else m;
      testModule = p: let m = import p; in if builtins.isFunction m then m { inherit lib pkgs; } else m;
      modules = map testModule t.imports;
    in {
      check = v.system + "." + v.check;
      name = t.name;
      backend = if t ? containers then "container" else "vm";
      machines = builtins.attrNames machines;
      imports = builtins.concatMap (n: map (p: if builtins.isPath p then baseNameOf p else p) (machine n).imports) (builtins.attrNames machines);
      disabled = builtins.concatMap (n: map toString ((machine n).disabledModules or [ ])) (builtins.attrNames machines);
      scripts = builtins.all (m: builtins.isString m.testScript) modules;
      missing = missing t.imports ++ builtins.concatMap (n: missing (machine n).imports ++ missing ((machine n).disabledModules or [ ])) (builtins.attrNames machines);
    };
  vms = map vmTest vmChecks;
in
builtins.deepSeq [ (map (m: m.mod) modules) (map (m: m.mod) homes) shared facts overlay outputs.devShells outputs.checks outputs.packages outputs.templates ] {
  nixos = builtins.attrNames outputs.nixosConfigurations;
  darwin = builtins.attrNames outputs.darwinConfigurations;
  homes = builtins.attrNames (outputs.homeConfigurations or { });
  checks = builtins.mapAttrs (s: c: builtins.attrNames c) outputs.checks;
  facts = builtins.attrNames facts;
  vms = map (v: builtins.removeAttrs v [ "missing" ]) vms;
  missing = map toString (builtins.concatMap (m: m.missing) (modules ++ homes ++ vms) ++ missing homeModules);
}
`

var pkgRefRE = regexp.MustCompile(`\bpkgs\.([A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*)`)

// pkgsStub renders a Nix attribute set holding every pkgs.<name> that the
// files mention.
func pkgsStub(files map[string][]byte) string {
	tree := map[string]any{}
	for _, data := range files {
		for _, m := range pkgRefRE.FindAllStringSubmatch(string(data), -1) {
			cur := tree
			parts := strings.Split(m[1], ".")
			for i, p := range parts {
				if i == len(parts)-1 {
					if _, ok := cur[p]; !ok {
						cur[p] = "pkg-" + m[1]
					}
					break
				}
				next, ok := cur[p].(map[string]any)
				if !ok {
					next = map[string]any{}
					cur[p] = next
				}
				cur = next
			}
		}
	}
	var render func(map[string]any) string
	render = func(m map[string]any) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{ ")
		for _, k := range keys {
			b.WriteString(build.AttrName(k) + " = ")
			switch v := m[k].(type) {
			case string:
				b.WriteString(build.Quote(v))
			case map[string]any:
				b.WriteString(render(v))
			}
			b.WriteString("; ")
		}
		b.WriteString("}")
		return b.String()
	}
	return render(tree)
}

type standInReport struct {
	NixOS   []string            `json:"nixos"`
	Darwin  []string            `json:"darwin"`
	Homes   []string            `json:"homes"`
	Checks  map[string][]string `json:"checks"`
	Facts   []string            `json:"facts"`
	Missing []string            `json:"missing"`
	VMs     []standInVM         `json:"vms"`
}

// standInVM is what the stand-in evaluation saw of a VM test.
type standInVM struct {
	Check    string   `json:"check"`
	Name     string   `json:"name"`
	Backend  string   `json:"backend"`
	Machines []string `json:"machines"`
	Imports  []string `json:"imports"`
	Disabled []string `json:"disabled"`
	Scripts  bool     `json:"scripts"`
}

// evalStandIn evaluates the generated files of the fleet in dir.
func evalStandIn(t *testing.T, nix, dir string, files map[string][]byte) standInReport {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	driver := filepath.Join(tmp, "stand-in.nix")
	if err := os.WriteFile(driver, []byte(standIn), 0o644); err != nil {
		t.Fatal(err)
	}
	stub := filepath.Join(tmp, "nixpkgs")
	stubSrc := "{ system, overlays ? [ ] }:\n" + pkgsStub(files) + " // {\n  mkShell = x: x;\n  callPackage = p: args: toString p;\n  testers.runNixOSTest = t: t;\n}\n"
	if err := os.MkdirAll(stub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stub, "default.nix"), []byte(stubSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nix, "--eval", "--strict", "--json", "--option", "substituters", "",
		"--arg", "fleet", abs, "--arg", "stub", stub, driver)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("evaluating the generated outputs: %v\n%s", err, stderr)
	}
	var r standInReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r
}

// TestEvalStandIn evaluates the generated wiring of every case with Nix
// 2.8 and stand-in inputs: every host appears, every import path exists,
// and every generated module evaluates.
func TestEvalStandIn(t *testing.T) {
	nix := needNix(t)
	for name, fleet := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeFleet(t, fleet)
			files := generateFleet(t, dir)
			if err := Apply(dir, changesOf(files)); err != nil {
				t.Fatal(err)
			}
			r := evalStandIn(t, nix, dir, files)
			var hosts, homes []string
			for p := range files {
				if h, ok := strings.CutPrefix(p, "generated/hosts/"); ok {
					hosts = append(hosts, strings.TrimSuffix(h, ".nix"))
				}
				if h, ok := strings.CutPrefix(p, "generated/homes/"); ok {
					homes = append(homes, strings.TrimSuffix(h, ".nix"))
				}
			}
			slices.Sort(homes)
			if !slices.Equal(homes, r.Homes) {
				t.Errorf("homeConfigurations = %v, want %v", r.Homes, homes)
			}
			got := append(slices.Clone(r.NixOS), r.Darwin...)
			slices.Sort(got)
			slices.Sort(hosts)
			if diff := cmp.Diff(hosts, got); diff != "" {
				t.Errorf("hosts (-generated +evaluated):\n%s", diff)
			}
			if diff := cmp.Diff(hosts, r.Facts); diff != "" {
				t.Errorf("fleet facts (-hosts +facts):\n%s", diff)
			}
			if len(r.Missing) > 0 {
				t.Errorf("imports that do not exist: %v", r.Missing)
			}
		})
	}
}

// TestEvalStandInCatchesMissingImport makes sure the stand-in evaluation
// notices an import path that does not exist.
func TestEvalStandInCatchesMissingImport(t *testing.T) {
	nix := needNix(t)
	dir := writeFleet(t, map[string]string{
		"modules/nixos/ssh/default.nix": "{ lib, ... }: { options.fleet.ssh.enable = lib.mkEnableOption \"ssh\"; }\n",
		"hosts/box/host.toml":           nixosHost,
	})
	files := generateFleet(t, dir)
	if err := Apply(dir, changesOf(files)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "modules/nixos/ssh/default.nix")); err != nil {
		t.Fatal(err)
	}
	r := evalStandIn(t, nix, dir, files)
	if want := []string{filepath.Join(dir, "modules/nixos/ssh")}; !cmp.Equal(want, r.Missing) {
		t.Errorf("missing = %v, want %v", r.Missing, want)
	}
}

const exampleFleet = "../../examples/homelab"

// TestExampleFresh fails when the example fleet's committed generated
// files differ from what fleet generates now.
func TestExampleFresh(t *testing.T) {
	files := generateFleet(t, exampleFleet)
	changes, err := Changes(exampleFleet, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		t.Errorf("%s is stale: run 'go run ./cmd/fleet --dir examples/homelab generate'", c.Path)
	}
}

// TestExampleStandIn evaluates the example fleet's generated wiring with
// Nix 2.8 and stand-in inputs.
func TestExampleStandIn(t *testing.T) {
	nix := needNix(t)
	files := generateFleet(t, exampleFleet)
	r := evalStandIn(t, nix, exampleFleet, files)
	want := []string{"bartleby", "marshmallow", "rich-evans", "total-eclipse"}
	if diff := cmp.Diff(want, r.NixOS); diff != "" {
		t.Errorf("nixosConfigurations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"cronut", "work-macbook"}, r.Darwin); diff != "" {
		t.Errorf("darwinConfigurations (-want +got):\n%s", diff)
	}
	// The VM tests: each machine is built from its host's modules, its
	// hardware configuration disabled, and the test module has a script.
	wantVMs := []standInVM{
		{Check: "x86_64-linux.vm-backup", Name: "backup", Backend: "vm", Machines: []string{"bartleby", "rich-evans"},
			Imports: []string{"home-manager-nixos", "shared.nix", "sops-nixos", "bartleby.nix", "home-manager-nixos", "shared.nix", "sops-nixos", "rich-evans.nix"}},
		{Check: "x86_64-linux.vm-monitoring", Name: "monitoring", Backend: "container", Machines: []string{"bartleby", "rich-evans"},
			Imports: []string{"home-manager-nixos", "shared.nix", "sops-nixos", "bartleby.nix", "home-manager-nixos", "shared.nix", "sops-nixos", "rich-evans.nix"}},
	}
	for i := range r.VMs {
		if !r.VMs[i].Scripts {
			t.Errorf("%s: a test module has no testScript string", r.VMs[i].Check)
		}
		for j, d := range r.VMs[i].Disabled {
			if want := "/hosts/" + r.VMs[i].Machines[j] + "/hardware-configuration.nix"; !strings.HasSuffix(d, want) {
				t.Errorf("%s disables %s, want ...%s", r.VMs[i].Check, d, want)
			}
		}
		if len(r.VMs[i].Disabled) != len(r.VMs[i].Machines) {
			t.Errorf("%s disables %v", r.VMs[i].Check, r.VMs[i].Disabled)
		}
		r.VMs[i].Disabled, r.VMs[i].Scripts = nil, false
	}
	if diff := cmp.Diff(wantVMs, r.VMs); diff != "" {
		t.Errorf("VM tests (-want +got):\n%s", diff)
	}
	for _, vm := range []string{"vm-backup", "vm-monitoring"} {
		if !slices.Contains(r.Checks["x86_64-linux"], vm) {
			t.Errorf("checks.x86_64-linux has no %s: %v", vm, r.Checks["x86_64-linux"])
		}
	}
	if len(r.Missing) > 0 {
		t.Errorf("imports that do not exist: %v", r.Missing)
	}
}
