package containers_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/synth"
)

// referencePorts lists the ports a host's values take the plain way: a
// walk of the values with their keys sorted at each level, no memo and
// no filter (what hostPorts must list, in this order).
func referencePorts(p *containers.PortScanner, h *eval.Host) []containers.Binding {
	var out []containers.Binding
	add := func(n *eval.Node, path []string, proto string) {
		if n.Kind == eval.Int && n.Int >= 1 && n.Int <= 65535 {
			out = append(out, containers.Binding{From: int(n.Int), To: int(n.Int), Proto: proto, Owner: eval.JoinPath(path), Pos: n.Won().Pos})
		}
	}
	var walk func(n *eval.Node, path []string)
	walk = func(n *eval.Node, path []string) {
		if n == nil {
			return
		}
		key := path[len(path)-1]
		switch n.Kind {
		case eval.Table:
			for _, k := range n.Keys() {
				if len(path) == 1 && path[0] == "nixos" && k == "virtualisation" {
					continue
				}
				walk(n.Fields.At(k), append(path[:len(path):len(path)], k))
			}
		case eval.List:
			proto := ""
			switch {
			case strings.HasSuffix(key, "TCPPorts"), key == "ports", p.IsPortOption(h, path):
				proto = "tcp"
			case strings.HasSuffix(key, "UDPPorts"):
				proto = "udp"
			}
			if proto != "" {
				for _, it := range n.Items {
					add(it, path, proto)
				}
			}
		case eval.Int:
			named := containers.PortName(key) && !strings.HasPrefix(key, "allowed")
			typed := p.IsPortOption(h, path) || p.IsPortAttrs(h, path[:len(path)-1])
			if (named || typed) && !containers.RemotePort(key) {
				add(n, path, "tcp")
			}
		}
	}
	settings := h.Tree.Get("settings")
	for _, m := range h.Modules {
		walk(settings.Get(m), []string{"settings", m})
	}
	walk(h.Tree.Get("nixos"), []string{"nixos"})
	return out
}

// scanned leaves out what hostPorts adds after its scan of the values:
// pass-through containers and the deploy port.
func scanned(bs []containers.Binding) []containers.Binding {
	var out []containers.Binding
	for _, b := range bs {
		if b.Owner != "deploy.ssh_port" && !strings.HasSuffix(b.Owner, " of [nixos.virtualisation.oci-containers]") {
			out = append(out, b)
		}
	}
	return out
}

// TestHostPorts checks the scan (memo of shared values, no sorting,
// filter) against the plain walk on the example and a synthetic fleet:
// every port, and the ports in random ranges.
func TestHostPorts(t *testing.T) {
	dir := t.TempDir()
	if err := synth.WriteWith(dir, 60, synth.Options{Containers: 5}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, root := range []string{"../../examples/homelab", dir} {
		f, err := fleet.Load(context.Background(), root, fleet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := containers.NewPortScanner(f.Eval.Options)
		found := 0
		for _, h := range f.Eval.Hosts {
			want := referencePorts(p, h)
			found += len(want)
			got := scanned(p.HostPorts(h, nil))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %s: scan found\n%v\nthe plain walk\n%v", root, h.Name, got, want)
			}
			for range 5 {
				lo := 1 + rng.IntN(9000)
				ranges := [][2]int{{lo, lo + rng.IntN(200)}, {22, 22}}
				var in []containers.Binding
				for _, b := range want {
					if (b.From >= ranges[0][0] && b.From <= ranges[0][1]) || b.From == 22 {
						in = append(in, b)
					}
				}
				got := scanned(p.HostPorts(h, ranges))
				if !reflect.DeepEqual(got, in) {
					t.Fatalf("%s: %s: in %v the scan found\n%v\nthe plain walk\n%v", root, h.Name, ranges, got, in)
				}
			}
		}
		if found < 10 {
			t.Errorf("%s: %d ports found in all", root, found)
		}
	}
}
