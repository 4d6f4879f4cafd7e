package generate

import (
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/devenv"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleettest"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/build"
)

// Inputs returns the flake inputs the generated code uses, sorted.
func Inputs(f *eval.Fleet) []string {
	need := map[string]bool{"nixpkgs": true}
	for _, h := range f.Hosts {
		if h.Platform == inventory.Darwin {
			need["nix-darwin"] = true
		}
		if len(h.Users) > 0 {
			need["home-manager"] = true
		}
	}
	if len(f.Homes) > 0 {
		need["home-manager"] = true
	}
	for _, h := range f.Hosts {
		if len(h.Secrets) > 0 {
			need["sops-nix"] = true
		}
	}
	return sortedKeys(need)
}

// outputs renders generated/outputs.nix: the flake's outputs.
func outputs(f *eval.Fleet, vms []*fleettest.VMTest, dl *diag.List) []byte {
	inv := f.Inv
	need := Inputs(f)
	has := func(in string) bool { return slices.Contains(need, in) }
	declared := map[string]bool{}
	for _, in := range inv.Fleet.Inputs {
		declared[in.Name.V] = true
	}
	var nixos, darwin []*eval.Host
	systems := map[string]bool{}
	for _, home := range f.Homes {
		systems[home.System] = true
	}
	for _, h := range f.Hosts {
		systems[h.System] = true
		if h.Platform == inventory.Darwin {
			darwin = append(darwin, h)
		} else {
			nixos = append(nixos, h)
		}
	}
	if len(systems) == 0 {
		systems["x86_64-linux"] = true
	}

	var (
		inputs = build.Var("inputs")
		lib    = build.Var("lib")
		pkgs   = build.Var("pkgs")
		system = build.Var("system")
	)
	let := build.Attrs()
	let.InheritFrom(inputs, "nixpkgs")
	let.Set("lib", build.Select(build.Var("nixpkgs"), "lib"))
	let.Set("overlay", build.Call(build.Var("import"), build.Path("./overlay.nix")))
	let.Set("systems", strList(sortedKeys(systems)))
	let.Set("pkgsFor", build.Lambda("system", build.Call(build.Var("import"), build.Var("nixpkgs"),
		build.Attrs().Inherit("system").Set("overlays", build.List(build.Var("overlay"))))))
	let.Set("forAllSystems", build.Lambda("f", build.Call(build.Select(lib, "genAttrs"),
		build.Var("systems"),
		build.Lambda("system", build.Call(build.Var("f"), build.Call(build.Var("pkgsFor"), system))))))
	// platformModules are the modules every host of a class gets, then
	// its own file, generated/hosts/<name>.nix.
	platformModules := func(class string, extra ...build.Expr) build.Expr {
		var l []build.Expr
		if has("home-manager") {
			l = append(l, build.Select(inputs, "home-manager", class+"Modules", "home-manager"))
		}
		l = append(l, build.Path("./shared.nix"))
		if has("sops-nix") {
			l = append(l, build.Select(inputs, "sops-nix", class+"Modules", "sops"))
		}
		l = append(l, extra...)
		hostFile := build.Binary(build.Path("./hosts"), "+", build.Interp(build.Str("/"), build.Var("name"), build.Str(".nix")))
		return build.List(append(l, hostFile)...)
	}
	if len(nixos) > 0 {
		modules := platformModules("nixos")
		if len(vms) > 0 {
			// VM tests build their machines from the same modules.
			let.Set("hostModules", build.Lambda("name", modules))
			modules = build.Call(build.Var("hostModules"), build.Var("name"))
		}
		let.Set("nixosHost", build.Lambda("name", build.Call(build.Select(lib, "nixosSystem"), build.Attrs().
			Set("specialArgs", build.Attrs().Inherit("inputs")).
			Set("modules", modules))))
	}
	if len(darwin) > 0 {
		var extra []build.Expr
		if declared["nix-homebrew"] {
			extra = append(extra, build.Select(inputs, "nix-homebrew", "darwinModules", "nix-homebrew"))
		}
		let.Set("darwinHost", build.Lambda("name", build.Call(build.Select(inputs, "nix-darwin", "lib", "darwinSystem"), build.Attrs().
			Set("specialArgs", build.Attrs().Inherit("inputs")).
			Set("modules", platformModules("darwin", extra...)))))
	}

	out := build.Attrs()
	nc := build.Attrs()
	for _, h := range nixos {
		nc.Set(h.Name, build.Call(build.Var("nixosHost"), build.Str(h.Name)))
	}
	out.Set("nixosConfigurations", nc)
	dc := build.Attrs()
	for _, h := range darwin {
		dc.Set(h.Name, build.Call(build.Var("darwinHost"), build.Str(h.Name)))
	}
	out.Set("darwinConfigurations", dc)
	hc := build.Attrs()
	for _, home := range f.Homes {
		hc.Set(home.Name, build.Call(build.Select(inputs, "home-manager", "lib", "homeManagerConfiguration"), build.Attrs().
			Set("pkgs", build.Call(build.Var("pkgsFor"), build.Str(home.System))).
			Set("extraSpecialArgs", build.Attrs().Inherit("inputs")).
			Set("modules", build.List(build.Path("./modules/home.nix"), build.Path("./homes/"+home.Name+".nix")))))
	}
	out.Set("homeConfigurations", hc)
	out.SetPath([]string{"overlays", "default"}, build.Var("overlay"))
	pk := build.Attrs()
	for _, p := range inv.Packages {
		pk.Set(p, build.Select(pkgs, p))
	}
	// A system gets the packages whose meta.platforms include it (a
	// Linux-only tool is not offered to the Macs, so nix flake check
	// passes there).
	available := build.Lambda("_", build.Call(build.Select(lib, "meta", "availableOn"), build.Select(pkgs, "stdenv", "hostPlatform")))
	var byPlatform build.Expr = pk
	if len(inv.Packages) > 0 {
		byPlatform = build.Call(build.Select(lib, "filterAttrs"), available, pk)
	}
	out.Set("packages", build.Call(build.Var("forAllSystems"), build.Lambda("pkgs", byPlatform)))
	tpl := build.Attrs()
	for _, name := range inv.Templates {
		tpl.Set(name, build.Attrs().
			Set("path", build.Path("../templates/"+name)).
			Set("description", build.Str(devenv.Description(inv, name))))
	}
	out.Set("templates", tpl)
	checks := build.Attrs()
	for _, sys := range sortedKeys(systems) {
		cs := build.Attrs()
		for _, h := range f.Hosts {
			if h.System != sys {
				continue
			}
			if h.Platform == inventory.Darwin {
				cs.Set(h.Name, build.Select(inputs, "self", "darwinConfigurations", h.Name, "system"))
			} else {
				cs.Set(h.Name, build.Select(inputs, "self", "nixosConfigurations", h.Name, "config", "system", "build", "toplevel"))
			}
		}
		for _, t := range vms {
			if t.System == sys {
				cs.Set(t.Check(), build.Call(build.Var("import"), build.Path("./tests/"+t.Name+".nix"), build.Attrs().
					Inherit("inputs", "hostModules").
					Set("pkgs", build.Call(build.Var("pkgsFor"), build.Str(sys)))))
			}
		}
		checks.Set(sys, cs)
	}
	out.Set("checks", checks)
	// The fleet admin's shell: fleet itself when the fleet declares a
	// fleet input (its flake's package for the shell's system), sops, age,
	// ssh-to-age and the formatter.
	var shell []build.Expr
	if declared["fleet"] {
		system := build.Select(pkgs, "stdenv", "hostPlatform", "system")
		shell = append(shell, build.Select(build.Call(build.Select(build.Var("builtins"), "getAttr"), system, build.Select(inputs, "fleet", "packages")), "default"))
	}
	shell = append(shell, build.Select(pkgs, "age"), build.Select(pkgs, "nixfmt"), build.Select(pkgs, "sops"), build.Select(pkgs, "ssh-to-age"))
	shellPkgs := build.List(shell...)
	out.Set("devShells", build.Call(build.Var("forAllSystems"), build.Lambda("pkgs", build.Attrs().
		Set("default", build.Call(build.Select(pkgs, "mkShell"), build.Attrs().Set("packages", shellPkgs))))))
	out.Set("formatter", build.Call(build.Var("forAllSystems"), build.Lambda("pkgs", build.Select(pkgs, "nixfmt"))))
	return render(dl, []string{headerText, "The flake's outputs: flake.nix calls this with its inputs."}, build.Lambda("inputs", build.Let(let, out)))
}

// overlay renders generated/overlay.nix: the fleet's packages.
func overlay(inv *inventory.Inventory, dl *diag.List) []byte {
	a := build.Attrs()
	for _, p := range inv.Packages {
		src := inv.PackageFiles[p]
		if path.Base(src) == "default.nix" {
			src = path.Dir(src)
		}
		a.Set(p, build.Call(build.Select(build.Var("final"), "callPackage"), build.Path("../"+src), build.Attrs()))
	}
	return render(dl, []string{headerText, "The fleet's own packages (packages/), as a nixpkgs overlay."},
		build.Lambda("final", build.Lambda("prev", a)))
}

// shared renders generated/shared.nix: settings every host gets.
func shared(f *eval.Fleet, dl *diag.List) []byte {
	a := build.Attrs()
	a.SetPath([]string{"nixpkgs", "overlays"}, build.List(build.Call(build.Var("import"), build.Path("./overlay.nix"))))
	if slices.Contains(Inputs(f), "home-manager") {
		a.SetPath([]string{"home-manager", "useGlobalPkgs"}, build.Bool(true))
		a.SetPath([]string{"home-manager", "useUserPackages"}, build.Bool(true))
		a.SetPath([]string{"home-manager", "extraSpecialArgs"}, build.Attrs().Inherit("inputs"))
		a.SetPath([]string{"home-manager", "sharedModules"}, build.List(build.Path("./modules/home.nix")))
	}
	return render(dl, []string{headerText, "Settings every host of the fleet shares."},
		build.Func([]string{"inputs", "..."}, a))
}

// meta renders generated/fleet.nix: the fleet.hosts and fleet.host
// options, and the facts of every host.
func meta(f *eval.Fleet, dl *diag.List) []byte {
	hosts := build.Attrs().Grow(len(f.Hosts))
	for _, h := range f.Hosts {
		a := build.Attrs().Grow(5)
		a.Set("platform", build.Str(string(h.Platform)))
		a.Set("system", build.Str(h.System))
		a.Set("profile", strOrNull(h.Profile))
		a.Set("roles", strList(h.Roles))
		a.Set("address", build.Str(address(h)))
		hosts.Set(h.Name, a)
	}
	lib := build.Var("lib")
	types := func(names ...string) build.Expr { return build.Select(lib, append([]string{"types"}, names...)...) }
	opts := build.Attrs()
	opts.Set("hosts", build.Call(build.Select(lib, "mkOption"), build.Attrs().
		Set("type", build.Call(types("attrsOf"), build.Call(types("attrsOf"), types("anything")))).
		Set("readOnly", build.Bool(true)).
		Set("description", build.Str("Every host of the fleet: platform, system, profile, roles and the address to reach it at."))))
	opts.Set("host", build.Call(build.Select(lib, "mkOption"), build.Attrs().
		Set("type", build.Call(types("attrsOf"), types("anything"))).
		Set("description", build.Str("This host's facts from its host.toml: name, platform, system, profile, roles and hardware."))))
	body := build.Attrs()
	body.SetPath([]string{"options", "fleet"}, opts)
	body.SetPath([]string{"config", "fleet", "hosts"}, hosts)
	return render(dl, []string{headerText, "The fleet as data, for modules: config.fleet.hosts and config.fleet.host."},
		build.Func([]string{"lib", "..."}, body))
}

// address is where a host is reached: the host part of deploy.target, or
// its name.
func address(h *eval.Host) string {
	t := h.Src.Deploy.Target.V
	if t == "" {
		return h.Name
	}
	if _, host, ok := strings.Cut(t, "@"); ok {
		t = host
	}
	return t
}
