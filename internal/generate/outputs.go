package generate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
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
func outputs(f *eval.Fleet) []byte {
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

	let := &letIn{}
	bind := func(name string, v expr) { let.binds = append(let.binds, binding{path: []string{name}, value: v}) }
	let.binds = append(let.binds, binding{inherit: []string{"nixpkgs"}, from: "inputs"})
	bind("lib", raw("nixpkgs.lib"))
	bind("overlay", raw("import ./overlay.nix"))
	bind("systems", strList(sortedKeys(systems)))
	bind("pkgsFor", &lambda{arg: "system", body: &call{fn: raw("import"), args: []expr{raw("nixpkgs"), &attrs{binds: []binding{
		{inherit: []string{"system"}},
		{path: []string{"overlays"}, value: list{raw("overlay")}},
	}}}}})
	bind("forAllSystems", &lambda{arg: "f", body: &call{fn: raw("lib.genAttrs"), args: []expr{
		raw("systems"),
		&lambda{arg: "system", body: &call{fn: raw("f"), args: []expr{&call{fn: raw("pkgsFor"), args: []expr{raw("system")}}}}},
	}}})
	shared := list{raw("./shared.nix")}
	if has("home-manager") {
		shared = append(list{raw("inputs.home-manager.%sModules.home-manager")}, shared...)
	}
	if has("sops-nix") {
		shared = append(shared, raw("inputs.sops-nix.%sModules.sops"))
	}
	platformModules := func(class string) list {
		l := list{}
		for _, m := range shared {
			if s := string(m.(raw)); strings.Contains(s, "%s") {
				l = append(l, raw(fmt.Sprintf(s, class)))
			} else {
				l = append(l, m)
			}
		}
		return l
	}
	if len(nixos) > 0 {
		bind("nixosHost", &lambda{arg: "name", body: &call{fn: raw("lib.nixosSystem"), args: []expr{&attrs{binds: []binding{
			{path: []string{"specialArgs"}, value: &attrs{binds: []binding{{inherit: []string{"inputs"}}}}},
			{path: []string{"modules"}, value: append(platformModules("nixos"), raw(`(./hosts + "/${name}.nix")`))},
		}}}}})
	}
	if len(darwin) > 0 {
		dm := platformModules("darwin")
		if declared["nix-homebrew"] {
			dm = append(dm, raw("inputs.nix-homebrew.darwinModules.nix-homebrew"))
		}
		bind("darwinHost", &lambda{arg: "name", body: &call{fn: raw("inputs.nix-darwin.lib.darwinSystem"), args: []expr{&attrs{binds: []binding{
			{path: []string{"specialArgs"}, value: &attrs{binds: []binding{{inherit: []string{"inputs"}}}}},
			{path: []string{"modules"}, value: append(dm, raw(`(./hosts + "/${name}.nix")`))},
		}}}}})
	}

	out := &attrs{}
	nc := &attrs{}
	for _, h := range nixos {
		nc.add([]string{h.Name}, &call{fn: raw("nixosHost"), args: []expr{str(h.Name)}})
	}
	out.add([]string{"nixosConfigurations"}, nc)
	dc := &attrs{}
	for _, h := range darwin {
		dc.add([]string{h.Name}, &call{fn: raw("darwinHost"), args: []expr{str(h.Name)}})
	}
	out.add([]string{"darwinConfigurations"}, dc)
	hc := &attrs{}
	for _, home := range f.Homes {
		hc.add([]string{home.Name}, &call{fn: raw("inputs.home-manager.lib.homeManagerConfiguration"), args: []expr{&attrs{binds: []binding{
			{path: []string{"pkgs"}, value: &call{fn: raw("pkgsFor"), args: []expr{str(home.System)}}},
			{path: []string{"extraSpecialArgs"}, value: &attrs{binds: []binding{{inherit: []string{"inputs"}}}}},
			{path: []string{"modules"}, value: list{raw("./modules/home.nix"), raw("./homes/" + home.Name + ".nix")}},
		}}}})
	}
	out.add([]string{"homeConfigurations"}, hc)
	out.add([]string{"overlays", "default"}, raw("overlay"))
	pk := &attrs{}
	for _, p := range inv.Packages {
		pk.add([]string{p}, raw("pkgs."+attrName(p)))
	}
	out.add([]string{"packages"}, &call{fn: raw("forAllSystems"), args: []expr{&lambda{arg: "pkgs", body: pk}}})
	tpl := &attrs{}
	for _, name := range inv.Templates {
		tpl.add([]string{name}, &attrs{binds: []binding{
			{path: []string{"path"}, value: rel("templates/" + name)},
			{path: []string{"description"}, value: str(templateDescription(inv, name))},
		}})
	}
	out.add([]string{"templates"}, tpl)
	checks := &attrs{}
	for _, sys := range sortedKeys(systems) {
		cs := &attrs{}
		for _, h := range f.Hosts {
			if h.System != sys {
				continue
			}
			if h.Platform == inventory.Darwin {
				cs.add([]string{h.Name}, raw(fmt.Sprintf("inputs.self.darwinConfigurations.%s.system", attrName(h.Name))))
			} else {
				cs.add([]string{h.Name}, raw(fmt.Sprintf("inputs.self.nixosConfigurations.%s.config.system.build.toplevel", attrName(h.Name))))
			}
		}
		checks.add([]string{sys}, cs)
	}
	out.add([]string{"checks"}, checks)
	shellPkgs := list{raw("pkgs.age"), raw("pkgs.nixfmt"), raw("pkgs.sops"), raw("pkgs.ssh-to-age")}
	out.add([]string{"devShells"}, &call{fn: raw("forAllSystems"), args: []expr{&lambda{arg: "pkgs", body: &attrs{binds: []binding{
		{path: []string{"default"}, value: &call{fn: raw("pkgs.mkShell"), args: []expr{&attrs{binds: []binding{{path: []string{"packages"}, value: shellPkgs}}}}}},
	}}}}})
	out.add([]string{"formatter"}, &call{fn: raw("forAllSystems"), args: []expr{&lambda{arg: "pkgs", body: raw("pkgs.nixfmt")}}})
	let.body = out
	return render([]string{headerText, "The flake's outputs: flake.nix calls this with its inputs."}, &lambda{arg: "inputs", body: let})
}

// templateDescription is the first line of templates/<name>/README.md,
// or a plain description.
func templateDescription(inv *inventory.Inventory, name string) string {
	data, err := os.ReadFile(filepath.Join(inv.Root, "templates", name, "README.md"))
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(strings.TrimLeft(line, "# ")); line != "" {
				return line
			}
		}
	}
	return "the " + name + " project template"
}

// overlay renders generated/overlay.nix: the fleet's packages.
func overlay(inv *inventory.Inventory) []byte {
	a := &attrs{}
	for _, p := range inv.Packages {
		src := "packages/" + p
		if _, err := os.Stat(filepath.Join(inv.Root, "packages", p+".nix")); err == nil {
			src += ".nix"
		}
		a.add([]string{p}, &call{fn: raw("final.callPackage"), args: []expr{raw("../" + src), &attrs{}}})
	}
	return render([]string{headerText, "The fleet's own packages (packages/), as a nixpkgs overlay."},
		&lambda{arg: "final", body: &lambda{arg: "prev", body: a}})
}

// shared renders generated/shared.nix: settings every host gets.
func shared(f *eval.Fleet) []byte {
	a := &attrs{}
	a.add([]string{"nixpkgs", "overlays"}, list{&call{fn: raw("import"), args: []expr{raw("./overlay.nix")}}})
	if slices.Contains(Inputs(f), "home-manager") {
		a.add([]string{"home-manager", "useGlobalPkgs"}, boolean(true))
		a.add([]string{"home-manager", "useUserPackages"}, boolean(true))
		a.add([]string{"home-manager", "extraSpecialArgs"}, &attrs{binds: []binding{{inherit: []string{"inputs"}}}})
		a.add([]string{"home-manager", "sharedModules"}, list{raw("./modules/home.nix")})
	}
	return render([]string{headerText, "Settings every host of the fleet shares."},
		&lambda{formals: []string{"inputs", "..."}, body: a})
}

// meta renders generated/fleet.nix: the fleet.hosts and fleet.host
// options, and the facts of every host.
func meta(f *eval.Fleet) []byte {
	hosts := &attrs{}
	for _, h := range f.Hosts {
		a := &attrs{}
		a.add([]string{"platform"}, str(string(h.Platform)))
		a.add([]string{"system"}, str(h.System))
		a.add([]string{"profile"}, strOrNull(h.Profile))
		a.add([]string{"roles"}, strList(h.Roles))
		a.add([]string{"address"}, str(address(h)))
		hosts.add([]string{h.Name}, a)
	}
	opts := &attrs{}
	opts.add([]string{"hosts"}, &call{fn: raw("lib.mkOption"), args: []expr{&attrs{binds: []binding{
		{path: []string{"type"}, value: raw("lib.types.attrsOf (lib.types.attrsOf lib.types.anything)")},
		{path: []string{"readOnly"}, value: boolean(true)},
		{path: []string{"description"}, value: str("Every host of the fleet: platform, system, profile, roles and the address to reach it at.")},
	}}}})
	opts.add([]string{"host"}, &call{fn: raw("lib.mkOption"), args: []expr{&attrs{binds: []binding{
		{path: []string{"type"}, value: raw("lib.types.attrsOf lib.types.anything")},
		{path: []string{"description"}, value: str("This host's facts from its host.toml: name, platform, system, profile, roles and hardware.")},
	}}}})
	body := &attrs{}
	body.add([]string{"options", "fleet"}, opts)
	body.add([]string{"config", "fleet", "hosts"}, hosts)
	return render([]string{headerText, "The fleet as data, for modules: config.fleet.hosts and config.fleet.host."},
		&lambda{formals: []string{"lib", "..."}, body: body})
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
