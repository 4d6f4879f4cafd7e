package fleet

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// Upstream says where the source trees of the fleet's upstream inputs
// are, for the index of upstream options (see docs/options.md).
type Upstream struct {
	// Given maps input names (nixpkgs, home-manager, nix-darwin, sops-nix)
	// to source folders, relative to the fleet's root or absolute; they
	// win over flake.lock.
	Given map[string]string
	// Store is the Nix store (/nix/store) where flake.lock's inputs are
	// looked for; "" does not look.
	Store string
	// CacheDir holds built indexes by revision; "" builds every time.
	CacheDir string
}

// ParseUpstream reads input=folder pairs, separated by commas or given
// one by one (FLEET_UPSTREAM, --upstream).
func ParseUpstream(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		for _, kv := range strings.Split(spec, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			in, dir, ok := strings.Cut(kv, "=")
			if !ok || in == "" || dir == "" {
				return nil, fmt.Errorf("upstream tree %q: write INPUT=FOLDER, such as nixpkgs=../nixpkgs", kv)
			}
			out[in] = dir
		}
	}
	return out, nil
}

// UpstreamIndexes finds the trees of the fleet's inputs and returns the
// index of each class that has its own tree (nixpkgs for nixos,
// nix-darwin for darwin, home-manager for home), from the cache when it
// holds them. log (may be nil) receives one line per class.
// inputs are the flake inputs fleet.toml declares, added to flake.lock's.
func UpstreamIndexes(root string, inputs []string, u Upstream, log io.Writer, now func() time.Time) (map[string]*options.Index, error) {
	if now == nil {
		now = time.Now
	}
	sources, locked, err := options.Sources(root, u.Store, u.Given)
	if err != nil {
		return nil, err
	}
	plans := options.Plans(sources, append(locked, inputs...))
	out := map[string]*options.Index{}
	for _, class := range options.Classes {
		p := plans[class]
		if p == nil {
			if log != nil {
				fmt.Fprintf(log, "fleet: %s options not checked against upstream: no %s source tree (give one with --upstream %s=FOLDER or FLEET_UPSTREAM; see docs/options.md)\n",
					class, mainInput(class), mainInput(class))
			}
			continue
		}
		start := now()
		ix, cached, err := options.LoadIndex(p, u.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("indexing %s options: %w", class, err)
		}
		out[class] = ix
		if log != nil {
			how := "indexed"
			if cached {
				how = "read from the cache"
			}
			var trees []string
			for _, t := range p.Trees {
				trees = append(trees, t.Input)
			}
			st := ix.Stats()
			fmt.Fprintf(log, "fleet: %s options %s (%s): %d options, %d open paths, %d renames in %s\n",
				class, how, strings.Join(trees, ", "), st.Options, st.Open, st.Renames, now().Sub(start).Round(time.Microsecond))
		}
	}
	return out, nil
}

// mainInput is the input whose tree a class's index needs.
func mainInput(class string) string {
	switch class {
	case "nixos":
		return "nixpkgs"
	case "darwin":
		return "nix-darwin"
	}
	return "home-manager"
}

// InputNames are the names of the flake inputs fleet.toml declares.
func InputNames(inv *inventory.Inventory) []string {
	var out []string
	if inv != nil && inv.Fleet != nil {
		for _, in := range inv.Fleet.Inputs {
			out = append(out, in.Name.V)
		}
	}
	return out
}

// CacheDir is where indexes are cached: $XDG_CACHE_HOME/fleet/options,
// else ~/.cache/fleet/options; "" when neither is known.
func CacheDir(getenv func(string) string) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "fleet", "options")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "fleet", "options")
	}
	return ""
}
