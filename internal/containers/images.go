package containers

import (
	"slices"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// ImageValue is an image reference as a fleet file writes it: a catalog
// definition's image, or an instance table's in common, a profile, a role
// or a host.
type ImageValue struct {
	Image
	Pos diag.Pos // where the string starts
	// Definition is the catalog definition the value runs (an instance's
	// from, or its name).
	Definition string
	// Instance names the instance table ("" for the catalog's value).
	Instance string
	// Follows is the auto_update policy of the definition, when the
	// definition or any instance of it follows the image's tag
	// ("registry", "local"): pinning the image would break that.
	Follows string
}

// Images lists the image values of the fleet's files that parse, by file
// and position. An instance table's is listed only when it names a
// catalog definition (evaluation reports the others).
func Images(inv *inventory.Inventory) []ImageValue {
	var out []ImageValue
	follows := map[string]string{} // definition -> auto_update
	follow := func(t *inventory.Value, def string) {
		if a := t.Get("auto_update"); a != nil && a.Kind == inventory.String && a.Str != "none" && follows[def] == "" {
			follows[def] = a.Str
		}
	}
	add := func(v *inventory.Value, def, inst string) {
		if v == nil || v.Kind != inventory.String {
			return
		}
		if img, err := ParseImage(v.Str); err == nil {
			out = append(out, ImageValue{Image: img, Pos: v.Pos, Definition: def, Instance: inst})
		}
	}
	for name, c := range inv.Containers {
		add(c.Body.Get("image"), name, "")
		follow(c.Body, name)
	}
	layers := []*inventory.Layer{inv.Common}
	for _, p := range inv.Profiles {
		layers = append(layers, &p.Layer)
	}
	for _, r := range inv.Roles {
		layers = append(layers, &r.Layer)
	}
	for _, h := range inv.Hosts {
		layers = append(layers, &h.Layer)
	}
	for _, ly := range layers {
		if ly == nil || ly.Containers == nil {
			continue
		}
		for _, name := range ly.Containers.Keys {
			t := ly.Containers.Fields[name]
			def := name
			if from := t.Get("from"); from != nil && from.Kind == inventory.String {
				def = from.Str
			}
			if inv.Containers[def] != nil {
				add(t.Get("image"), def, name)
				follow(t, def)
			}
		}
	}
	for k := range out {
		out[k].Follows = follows[out[k].Definition]
	}
	slices.SortFunc(out, func(a, b ImageValue) int { return a.Pos.Compare(b.Pos) })
	return out
}
