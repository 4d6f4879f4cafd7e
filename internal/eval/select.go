package eval

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Select resolves host selectors to host names, in fleet order, without
// duplicates. A selector is a host name, a glob over names ("web-*"),
// "@role", "%profile" (hosts whose profile is or extends it) or
// "platform:nixos" / "platform:darwin". No selectors select every host.
func Select(inv *inventory.Inventory, selectors []string) ([]string, error) {
	if len(selectors) == 0 {
		return inv.HostNames(), nil
	}
	picked := map[string]bool{}
	for _, sel := range selectors {
		match, err := selector(inv, sel)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, h := range inv.Hosts {
			if match(h) {
				picked[h.Name] = true
				n++
			}
		}
		if n == 0 && !strings.ContainsAny(sel, "@%:*?[") {
			return nil, &SelectError{Selector: sel, Hint: diag.DidYouMean(sel, inv.HostNames())}
		}
		if n == 0 {
			return nil, &SelectError{Selector: sel}
		}
	}
	var out []string
	for _, h := range inv.Hosts {
		if picked[h.Name] {
			out = append(out, h.Name)
		}
	}
	return out, nil
}

// SelectError is a selector that selects nothing.
type SelectError struct {
	Selector string
	Hint     string
}

func (e *SelectError) Error() string {
	if strings.ContainsAny(e.Selector, "@%:*?[") {
		return fmt.Sprintf("selector %q matches no host", e.Selector)
	}
	return fmt.Sprintf("no host named %q", e.Selector)
}

func selector(inv *inventory.Inventory, sel string) (func(*inventory.Host) bool, error) {
	switch {
	case strings.HasPrefix(sel, "@"):
		role := sel[1:]
		if inv.Roles[role] == nil {
			return nil, &SelectError{Selector: sel, Hint: didYouMeanPrefixed("@", role, sortedMapKeys(inv.Roles))}
		}
		return func(h *inventory.Host) bool { return slices.Contains(inventory.Names(h.Roles), role) }, nil
	case strings.HasPrefix(sel, "%"):
		prof := sel[1:]
		if inv.Profiles[prof] == nil {
			return nil, &SelectError{Selector: sel, Hint: didYouMeanPrefixed("%", prof, sortedMapKeys(inv.Profiles))}
		}
		return func(h *inventory.Host) bool { return profileExtends(inv, h.Profile.V, prof) }, nil
	case strings.HasPrefix(sel, "platform:"):
		p := strings.TrimPrefix(sel, "platform:")
		if p != "nixos" && p != "darwin" {
			return nil, &SelectError{Selector: sel, Hint: `use platform:nixos or platform:darwin`}
		}
		return func(h *inventory.Host) bool { return h.Platform.V == p }, nil
	case strings.ContainsAny(sel, "*?["):
		if _, err := path.Match(sel, ""); err != nil {
			return nil, fmt.Errorf("bad selector %q: %v", sel, err)
		}
		return func(h *inventory.Host) bool { ok, _ := path.Match(sel, h.Name); return ok }, nil
	}
	return func(h *inventory.Host) bool { return h.Name == sel }, nil
}

func didYouMeanPrefixed(prefix, name string, known []string) string {
	if s := diag.Suggest(name, known); s != "" {
		return fmt.Sprintf("did you mean %q?", prefix+s)
	}
	return ""
}

// profileExtends reports whether profile p is want or extends it.
func profileExtends(inv *inventory.Inventory, p, want string) bool {
	for seen := 0; p != "" && seen < len(inv.Profiles)+1; seen++ {
		if p == want {
			return true
		}
		prof := inv.Profiles[p]
		if prof == nil {
			return false
		}
		p = prof.Extends.V
	}
	return false
}
