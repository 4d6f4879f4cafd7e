package containers

import (
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// ImageValue is an image reference as a fleet file writes it: a catalog
// definition's image, or the image an instance table gives in common, a
// profile, a role or a host, with the instances that run it.
type ImageValue struct {
	Image
	Pos diag.Pos // where the string starts
	// Definition is the catalog definition the value belongs to, or that
	// the instances running it run.
	Definition string
	// Instances are the instances of the evaluated hosts that run the
	// value, sorted ("host/instance" each).
	Instances []string
	// Follows is the auto_update policy of an instance that runs the
	// value and follows its tag ("registry", "local"), or of the catalog
	// definition for a value no instance runs: pinning it would break
	// that. "" when none does.
	Follows string
}

// Images lists the image values of the fleet's files that parse, by file
// and position: those the instances of f run (their winning image,
// merged across layers), and the catalog's that no instance runs.
func Images(inv *inventory.Inventory, f *Fleet) []ImageValue {
	byPos := map[diag.Pos]*ImageValue{}
	var out []*ImageValue
	value := func(img Image, pos diag.Pos, def string) *ImageValue {
		v := byPos[pos]
		if v == nil {
			v = &ImageValue{Image: img, Pos: pos, Definition: def}
			byPos[pos] = v
			out = append(out, v)
		}
		return v
	}
	if f != nil {
		for _, h := range f.Hosts {
			for _, i := range h.Instances {
				if !i.ImageOK || !i.Image.Pos.IsValid() {
					continue
				}
				v := value(i.Image.V, i.Image.Pos, i.Definition)
				v.Instances = append(v.Instances, h.Name+"/"+i.Name)
				if i.AutoUpdate.V != "none" && v.Follows == "" {
					v.Follows = i.AutoUpdate.V
				}
			}
		}
	}
	for name, c := range inv.Containers {
		iv := c.Body.Get("image")
		if iv == nil || iv.Kind != inventory.String || byPos[iv.Pos] != nil {
			continue
		}
		img, err := ParseImage(iv.Str)
		if err != nil {
			continue
		}
		v := value(img, iv.Pos, name)
		if a := c.Body.Get("auto_update"); a != nil && a.Kind == inventory.String && a.Str != "none" {
			v.Follows = a.Str
		}
	}
	res := make([]ImageValue, len(out))
	for k, v := range out {
		slices.Sort(v.Instances)
		res[k] = *v
	}
	slices.SortFunc(res, func(a, b ImageValue) int { return a.Pos.Compare(b.Pos) })
	return res
}

// Names are the names the value answers to: its definition and the
// instances that run it.
func (v *ImageValue) Names() []string {
	out := []string{v.Definition}
	for _, hi := range v.Instances {
		_, name, _ := strings.Cut(hi, "/")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
