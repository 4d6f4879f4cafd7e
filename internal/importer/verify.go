package importer

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/runner"
)

// verifyNix evaluates the hosts of both flakes with stand-ins for the
// module system and the inputs (see the file's comment).
//
//go:embed verify.nix
var verifyNix []byte

// Difference is one option value that is not the same in the old flake
// and the fleet.
type Difference struct {
	Host string `json:"host"`
	Path string `json:"path"`
	Old  string `json:"old,omitempty"` // JSON; "" when the old flake does not set it
	New  string `json:"new,omitempty"`
}

// Verification compares every host's configuration in the old flake and
// the fleet, evaluated by Nix with stand-ins.
type Verification struct {
	Hosts       []string     `json:"hosts"`
	Compared    int          `json:"compared"` // option values compared
	Differences []Difference `json:"differences"`
	// FleetAdds are values only the fleet sets, that every fleet host
	// gets (its overlay, home-manager's settings).
	FleetAdds []Difference `json:"fleet_adds"`
}

// fleetAdds are the options generated hosts set for fleet's own wiring.
var fleetAdds = []string{"nixpkgs.overlays", "home-manager.useGlobalPkgs", "home-manager.useUserPackages",
	"home-manager.extraSpecialArgs", "home-manager.sharedModules", "nix.settings.extra-trusted-public-keys"}

// Verify evaluates the hosts of the flake in src and of the fleet in dir
// with nix-instantiate and compares their configurations value by value.
func Verify(ctx context.Context, rn runner.Runner, src, dir string) (*Verification, error) {
	tmp, err := os.CreateTemp("", "fleet-import-verify-*.nix")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(verifyNix); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	res, err := rn.Run(ctx, runner.Cmd{Name: "nix-instantiate", Args: []string{
		"--eval", "--strict", "--json", "--option", "substituters", "",
		"--argstr", "old", src, "--argstr", "new", dir, tmp.Name(),
	}})
	if err != nil {
		msg := strings.TrimSpace(string(res.Stderr))
		if i := strings.Index(msg, "error:"); i >= 0 {
			msg = msg[i:]
		}
		return nil, fmt.Errorf("evaluating the hosts with stand-ins failed: %v\n%s", err, msg)
	}
	var out struct {
		Old map[string]any `json:"old"`
		New map[string]any `json:"new"`
	}
	if err := json.Unmarshal(res.Stdout, &out); err != nil {
		return nil, fmt.Errorf("reading nix-instantiate's output: %v", err)
	}
	v := &Verification{Differences: []Difference{}, FleetAdds: []Difference{}}
	names := map[string]bool{}
	for n := range out.Old {
		names[n] = true
	}
	for n := range out.New {
		names[n] = true
	}
	for n := range names {
		v.Hosts = append(v.Hosts, n)
	}
	slices.Sort(v.Hosts)
	for _, h := range v.Hosts {
		o, n := map[string]string{}, map[string]string{}
		flat("", out.Old[h], o)
		flat("", out.New[h], n)
		_, inOld := out.Old[h]
		_, inNew := out.New[h]
		if !inOld || !inNew {
			d := Difference{Host: h, Path: "(host)"}
			if inOld {
				d.Old = "defined"
			} else {
				d.New = "defined"
			}
			v.Differences = append(v.Differences, d)
			continue
		}
		var paths []string
		for p := range o {
			paths = append(paths, p)
		}
		for p := range n {
			if _, ok := o[p]; !ok {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		for _, p := range paths {
			v.Compared++
			if o[p] == n[p] {
				continue
			}
			d := Difference{Host: h, Path: p, Old: o[p], New: n[p]}
			if d.Old == "" && slices.ContainsFunc(fleetAdds, func(a string) bool { return p == a || strings.HasPrefix(p, a+".") || strings.HasPrefix(p, a+"[") }) {
				v.FleetAdds = append(v.FleetAdds, d)
				continue
			}
			v.Differences = append(v.Differences, d)
		}
	}
	return v, nil
}

// flat records the leaves of a JSON value by their option path.
func flat(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 && prefix != "" {
			out[prefix] = "{}"
		}
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flat(p, e, out)
		}
	default:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		out[prefix] = strings.TrimSpace(b.String())
	}
}
