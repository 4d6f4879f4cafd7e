package fleettest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
)

// VMDir holds a fleet's NixOS VM tests: <name>.nix, a test module for
// nixpkgs' NixOS test driver (testScript, extra node settings), and
// <name>.toml naming the hosts it boots.
const VMDir = Dir + "/vm"

// Backends of the NixOS test driver.
const (
	// BackendVM boots each host as a QEMU virtual machine (nodes).
	BackendVM = "vm"
	// BackendContainer runs each host as a systemd-nspawn container
	// (containers): no KVM and no kernel of its own, so no boot loader,
	// kernel modules or graphics are tested.
	BackendContainer = "container"
)

// VMTest is one NixOS test of a fleet.
type VMTest struct {
	// Name is the test's name: tests/vm/<name>.toml.
	Name        string
	File        string // tests/vm/<name>.toml
	Module      string // tests/vm/<name>.nix
	Description string
	// Hosts are the hosts booted, in fleet order; each becomes a machine
	// named after it.
	Hosts   []string
	System  string
	Backend string
	// AgeKeyFile is an age identity (relative to the fleet root) the
	// machines decrypt their sops secrets with, or "". It is copied into
	// the Nix store: only ever a throwaway test key.
	AgeKeyFile string
}

// Check is the name of the test's flake check: checks.<system>.vm-<name>.
func (t *VMTest) Check() string { return "vm-" + t.Name }

var vmKeys = []string{"description", "hosts", "backend", "age_key_file"}

// LoadVM reads tests/vm/*.toml strictly; every test needs its .nix
// module, and every module its .toml. Hosts must be NixOS hosts of one
// system.
func LoadVM(inv *inventory.Inventory) ([]*VMTest, *diag.List) {
	dl := &diag.List{}
	entries, err := os.ReadDir(filepath.Join(inv.Root, filepath.FromSlash(VMDir)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, dl
	}
	if err != nil {
		dl.Errorf(diag.Pos{File: VMDir}, "read", "cannot read %s: %v", VMDir, err)
		return nil, dl
	}
	names := map[string]map[string]bool{}
	var order []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		ext := filepath.Ext(n)
		if ext != ".toml" && ext != ".nix" {
			continue
		}
		stem := strings.TrimSuffix(n, ext)
		if names[stem] == nil {
			names[stem] = map[string]bool{}
			order = append(order, stem)
		}
		names[stem][ext] = true
	}
	slices.Sort(order)
	var tests []*VMTest
	for _, name := range order {
		rel := VMDir + "/" + name
		switch {
		case !names[name][".toml"]:
			dl.Errorf(diag.Pos{File: rel + ".nix"}, "vm-test", "VM test %s has no %s.toml naming the hosts it boots", name, name).
				Hint(`create %s.toml with hosts = ["<host>", "@<role>"]`, rel)
			continue
		case !names[name][".nix"]:
			dl.Errorf(diag.Pos{File: rel + ".toml", Line: 1, Col: 1}, "vm-test", "VM test %s has no test module %s.nix", name, name).
				Hint(`create %s.nix with the test script: { testScript = ''start_all()''; }`, rel)
			continue
		}
		if !build.IsIdent(strings.ReplaceAll(name, "-", "_")) {
			dl.Errorf(diag.Pos{File: rel + ".toml"}, "vm-test", "VM test name %q must be letters, digits, - and _", name)
			continue
		}
		if t := parseVM(inv, name, dl); t != nil {
			tests = append(tests, t)
		}
	}
	return tests, dl
}

func parseVM(inv *inventory.Inventory, name string, dl *diag.List) *VMTest {
	rel := VMDir + "/" + name + ".toml"
	src, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(rel)))
	if err != nil {
		dl.Errorf(diag.Pos{File: rel}, "read", "cannot read %s: %v", rel, errors.Unwrap(err))
		return nil
	}
	local := &diag.List{}
	root, ds := inventory.ParseTOML(rel, src)
	for _, d := range ds {
		local.Add(d)
	}
	if root == nil {
		dl.Append(local)
		return nil
	}
	p := &parser{inv: inv, dl: local, dec: inventory.NewDecoder(local)}
	p.dec.Keys(root, name+".toml", vmKeys...)
	t := &VMTest{Name: name, File: rel, Module: VMDir + "/" + name + ".nix", Backend: BackendVM}
	t.Description = p.dec.Str(root, "description").V
	top := diag.Pos{File: rel, Line: 1, Col: 1}
	if root.Get("hosts") == nil {
		local.Errorf(top, "missing-key", "VM test %s names no hosts", name).Hint(`add hosts = ["<host>", "@<role>"]: the machines the test boots`)
	} else {
		t.Hosts = p.selectors(root, nil)
	}
	if b := p.dec.Str(root, "backend"); b.IsSet() {
		if b.V != BackendVM && b.V != BackendContainer {
			local.Errorf(b.Pos, "value", "backend must be %q or %q, not %q", BackendVM, BackendContainer, b.V).
				Hint("container runs the hosts as systemd-nspawn containers (no KVM needed); vm boots QEMU machines")
		}
		t.Backend = b.V
	}
	if k := p.dec.Str(root, "age_key_file"); k.IsSet() {
		clean := filepath.ToSlash(filepath.Clean(k.V))
		if filepath.IsAbs(k.V) || strings.HasPrefix(clean, "../") || clean == ".." {
			local.Errorf(k.Pos, "value", "age_key_file must be a file inside the fleet, not %q", k.V)
		} else if _, err := os.Stat(filepath.Join(inv.Root, filepath.FromSlash(clean))); err != nil {
			local.Errorf(k.Pos, "value", "age_key_file %s does not exist", clean).Hint("name a throwaway age identity file committed for tests, such as keys/test.txt")
		}
		t.AgeKeyFile = clean
	}
	valuePos := top
	if v := root.Get("hosts"); v != nil {
		valuePos = v.Pos
	}
	for _, h := range t.Hosts {
		host := inv.Host(h)
		if host.Platform.V != string(inventory.NixOS) {
			local.Errorf(valuePos, "vm-test", "VM test %s boots %s, a %s host: NixOS tests boot NixOS hosts only", name, h, host.Platform.V).
				Hint("select NixOS hosts only, for example with platform:nixos")
			continue
		}
		switch {
		case t.System == "":
			t.System = host.System.V
		case t.System != host.System.V:
			local.Errorf(valuePos, "vm-test", "VM test %s boots hosts of two systems, %s and %s", name, t.System, host.System.V).
				Hint("the test driver runs one system: split the test")
		}
	}
	dl.Append(local)
	if local.HasErrors() {
		return nil
	}
	return t
}

// RenderVM renders generated/tests/<name>.nix: a function of the flake's
// inputs, the nixpkgs of the test's system and hostModules (a host's name
// to the modules of its nixosConfiguration) that runs the test with
// pkgs.testers.runNixOSTest. Each host is a machine (QEMU node or
// systemd-nspawn container) built from its own generated module, with its
// hardware-configuration.nix disabled: the test driver gives machines
// their disks, boot and kernel.
func RenderVM(f *eval.Fleet, t *VMTest, header string) ([]byte, error) {
	machines := build.Attrs()
	for _, name := range t.Hosts {
		h := f.Host(name)
		node := build.Attrs().Set("imports", build.Call(build.Var("hostModules"), build.Str(name)))
		var disabled []build.Expr
		if h != nil {
			for _, file := range h.Src.NixFiles {
				if filepath.Base(file) == "hardware-configuration.nix" {
					disabled = append(disabled, build.Path("../../"+file))
				}
			}
		}
		if len(disabled) > 0 {
			node.Set("disabledModules", build.List(disabled...))
		}
		var body build.Expr = node
		if t.AgeKeyFile != "" {
			node.SetPath([]string{"sops", "age", "keyFile"}, build.Interp(build.Path("../../"+t.AgeKeyFile)))
			node.SetPath([]string{"sops", "age", "sshKeyPaths"}, build.Call(build.Select(build.Var("lib"), "mkForce"), build.List()))
			node.SetPath([]string{"sops", "gnupg", "sshKeyPaths"}, build.Call(build.Select(build.Var("lib"), "mkForce"), build.List()))
			body = build.Func([]string{"lib", "..."}, node)
		}
		machines.Set(name, body)
	}
	test := build.Attrs().
		Set("name", build.Str(t.Name)).
		Set("imports", build.List(build.Path("../../"+t.Module))).
		SetPath([]string{"node", "specialArgs"}, build.Attrs().Inherit("inputs")).
		SetPath([]string{"node", "pkgsReadOnly"}, build.Bool(false))
	machinesKey := "nodes"
	if t.Backend == BackendContainer {
		machinesKey = "containers"
	}
	test.Set(machinesKey, machines)
	desc := "NixOS test " + t.Name + " (" + t.File + ")"
	if t.Description != "" {
		desc += ": " + t.Description
	}
	return build.File([]string{header, desc},
		build.Func([]string{"inputs", "pkgs", "hostModules"},
			build.Call(build.Select(build.Var("pkgs"), "testers", "runNixOSTest"), test)))
}
