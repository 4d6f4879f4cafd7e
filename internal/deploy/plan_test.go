package deploy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

func host(name, platform, target string, order int64, buildOn string) *eval.Host {
	src := &inventory.Host{}
	src.File = "hosts/" + name + "/host.toml"
	src.Deploy.Target = inventory.Str{V: target}
	if order != 0 {
		src.Deploy.Order = inventory.IntVal{V: order, Pos: diag.Pos{File: src.File, Line: 6, Col: 9}}
	}
	src.Deploy.BuildOn = inventory.Str{V: buildOn}
	if target != "" {
		src.Deploy.Pos = diag.Pos{File: src.File, Line: 5, Col: 1}
	}
	return &eval.Host{Name: name, Platform: inventory.Platform(platform), Src: src}
}

func TestPlan(t *testing.T) {
	hosts := []*eval.Host{
		host("web", "nixos", "root@web.lan", 1, ""),
		host("dns", "nixos", "dns.lan", 0, "target"),
		host("mac", "darwin", "alex@mac.local", 1, ""),
		host("self", "nixos", "localhost", 0, ""),
		host("lost", "nixos", "", 0, ""),
	}
	plan, ds := Plan(hosts, nil, PlanOptions{UID: 1000})
	want := []*Target{
		{Host: "dns", Platform: "nixos", Addr: "dns.lan", BuildOn: "target", Attr: "nixosConfigurations.dns.config.system.build.toplevel"},
		{Host: "self", Platform: "nixos", Local: true, Sudo: true, BuildOn: "local", Attr: "nixosConfigurations.self.config.system.build.toplevel"},
		{Host: "mac", Platform: "darwin", User: "alex", Addr: "mac.local", Sudo: true, BuildOn: "local", Wave: 1, Attr: "darwinConfigurations.mac.system"},
		{Host: "web", Platform: "nixos", User: "root", Addr: "web.lan", BuildOn: "local", Wave: 1, Attr: "nixosConfigurations.web.config.system.build.toplevel"},
	}
	if d := cmp.Diff(want, plan, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if len(ds) != 1 || ds[0].Pos.File != "hosts/lost/host.toml" || ds[0].Message != "host lost has no deploy target" {
		t.Errorf("diagnostics: %v", ds)
	}
	if plan[3].Address() != "root@web.lan" || plan[1].Address() != "localhost" || plan[0].Address() != "dns.lan" {
		t.Errorf("addresses: %s %s %s", plan[3].Address(), plan[1].Address(), plan[0].Address())
	}
}

// TestPlanRoleWaves: a host without an order of its own deploys in the
// lowest deploy_order of its roles; its own order, even 0, decides over
// its roles.
func TestPlanRoleWaves(t *testing.T) {
	roles := map[string]*inventory.Role{
		"dns":     {DeployOrder: inventory.IntVal{V: -10, Pos: diag.Pos{File: "roles/dns.toml", Line: 2, Col: 16}}},
		"cache":   {DeployOrder: inventory.IntVal{V: -5, Pos: diag.Pos{File: "roles/cache.toml", Line: 2, Col: 16}}},
		"desktop": {},
	}
	withRoles := func(h *eval.Host, roles ...string) *eval.Host { h.Roles = roles; return h }
	own := host("own", "nixos", "own.lan", 0, "")
	own.Src.Deploy.Order = inventory.IntVal{V: 0, Pos: diag.Pos{File: own.Src.File, Line: 6, Col: 9}}
	hosts := []*eval.Host{
		withRoles(host("laptop", "nixos", "laptop.lan", 0, ""), "desktop"),
		withRoles(host("ns", "nixos", "ns.lan", 0, ""), "cache", "dns"),
		withRoles(host("mirror", "nixos", "mirror.lan", 0, ""), "cache"),
		withRoles(own, "dns"),
		withRoles(host("late", "nixos", "late.lan", 3, ""), "dns"),
	}
	plan, ds := Plan(hosts, nil, PlanOptions{Roles: roles})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	type w struct {
		Host, From string
		Wave       int
	}
	var got []w
	for _, p := range plan {
		got = append(got, w{p.Host, p.WaveFrom, p.Wave})
	}
	want := []w{{"ns", "role dns", -10}, {"mirror", "role cache", -5}, {"laptop", "", 0}, {"own", "", 0}, {"late", "", 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("waves (-want +got):\n%s", d)
	}
}

func TestNixAttr(t *testing.T) {
	for in, want := range map[string]string{"web": "web", "web-1": "web-1", "1web": `"1web"`, "a.b": `"a.b"`} {
		if got := nixAttr(in); got != want {
			t.Errorf("nixAttr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestChecks(t *testing.T) {
	ports := func(specs ...string) []containers.At[containers.Port] {
		var out []containers.At[containers.Port]
		for _, s := range specs {
			p, err := containers.ParsePort(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, containers.At[containers.Port]{V: p})
		}
		return out
	}
	hc := &containers.Host{Backend: containers.At[containers.Backend]{V: containers.Podman}, Instances: []*containers.Instance{
		{Name: "kuma", Spec: &containers.Spec{Ports: ports("127.0.0.1:3001:3001", "53:53/udp")}},
		{Name: "web", Spec: &containers.Spec{Ports: ports("8080-8081:80-81")}},
	}}
	want := []Check{
		{Kind: CheckUnit, Name: "podman-kuma.service", Why: "container kuma"},
		{Kind: CheckPort, Name: "3001", Why: "container kuma"},
		{Kind: CheckUnit, Name: "podman-web.service", Why: "container web"},
		{Kind: CheckPort, Name: "8080", Why: "container web"},
		{Kind: CheckPort, Name: "8081", Why: "container web"},
	}
	if d := cmp.Diff(want, Checks(hc)); d != "" {
		t.Errorf("checks (-want +got):\n%s", d)
	}
	if Checks(nil) != nil {
		t.Error("no containers: want no checks")
	}
}
