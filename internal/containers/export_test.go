package containers

import (
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// Binding is a port a host's value takes, for the tests.
type Binding struct {
	From, To     int
	Proto, Owner string
	Pos          diag.Pos
}

// PortScanner scans hosts as Check does (one memo for the fleet).
type PortScanner struct{ s *portScan }

func NewPortScanner(modules map[string]map[string]*options.Module) *PortScanner {
	return &PortScanner{&portScan{typed: portOptions(modules)}}
}

// HostPorts is hostPorts; want nil lists every port.
func (p *PortScanner) HostPorts(h *eval.Host, want [][2]int) []Binding {
	var out []Binding
	nixos, pass := passThrough(h)
	for _, b := range hostPorts(h, nixos, pass, portRanges(want), p.s) {
		out = append(out, Binding{b.port.HostFrom, b.port.HostTo, b.port.Proto, b.owner, b.pos})
	}
	return out
}

// IsPortOption reports whether a host value path is a port-typed module
// option (portOptions), as the scan decides it.
func (p *PortScanner) IsPortOption(h *eval.Host, path []string) bool {
	return p.s.typed[portKey(h.Platform, path)]
}

// IsPortAttrs reports whether every attribute at path is a port.
func (p *PortScanner) IsPortAttrs(h *eval.Host, path []string) bool {
	return p.s.typed[portKey(h.Platform, path)+".*"]
}

// PortName and RemotePort are the name rules of the scan.
func PortName(key string) bool   { return portKeyRE.MatchString(key) }
func RemotePort(key string) bool { return remotePorts.MatchString(key) }
