package eval

import (
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// LayerContainer prefixes the label of a catalog definition in
// provenance: "container jellyfin".
const LayerContainer = "container"

// containersNode turns a layer's containers key into a table of
// instances: every listed or tabled instance gets enable = true defined
// where it is named, unless its table says enable itself.
func containersNode(ly *inventory.Layer, label string, level int) *Node {
	if len(ly.ContainerList) == 0 && ly.Containers == nil {
		return nil
	}
	var n *Node
	if ly.Containers != nil {
		n = fromValue(ly.Containers, label, level, false)
	} else {
		n = &Node{Kind: Table, Fields: map[string]*Node{}, Defs: []Def{{Layer: label, Pos: ly.ContainerList[0].Pos, level: int32(level)}}}
	}
	for _, s := range ly.ContainerList {
		n.Fields[s.V] = &Node{Kind: Table, Fields: map[string]*Node{}, Defs: []Def{{Layer: label, Pos: s.Pos, level: int32(level)}}}
	}
	for _, k := range n.Keys() {
		inst := n.Fields[k]
		if inst.Fields["enable"] == nil {
			pos := inst.Defs[0].Pos
			inst.Fields["enable"] = &Node{Kind: Bool, Bool: true, Defs: []Def{{Layer: label, Pos: pos, text: "true (listed in containers)", level: int32(level)}}}
		}
	}
	return n
}

// strNode is a single string of a layer, or nil when unset.
func strNode(s inventory.Str, label string, level int) *Node {
	if !s.IsSet() {
		return nil
	}
	return &Node{Kind: String, Str: s.V, Defs: []Def{{Layer: label, Pos: s.Pos, text: s.V, quote: true, level: int32(level)}}}
}

// containerInstances puts each enabled instance over its catalog
// definition (the instance's values replace the definition's, key by key
// below environment and labels) and returns the enabled instances' names,
// sorted, and the definitions' files. An instance naming no definition
// is reported once per place.
func (e *evaluator) containerInstances(ctrs *Node) (names, files []string) {
	for _, k := range ctrs.Keys() {
		inst := ctrs.Fields[k]
		if en := inst.Get("enable"); en == nil || en.Kind != Bool || !en.Bool {
			continue
		}
		names = append(names, k)
		defName, pos := k, inst.Fields["enable"].Won().Pos
		if from := inst.Get("from"); from != nil && from.Kind == String {
			defName, pos = from.Str, from.Won().Pos
		}
		def := e.inv.Containers[defName]
		if def == nil {
			e.once("container\x00"+pos.String(), func(l *diag.List) {
				d := l.Errorf(pos, "unknown-container", "no container definition named %q", defName)
				if hint := diag.DidYouMean(defName, sortedMapKeys(e.inv.Containers)); hint != "" {
					d.Hint("%s", hint)
				} else {
					d.Hint("create containers/%s.toml, or name a definition with from = \"<definition>\"", defName)
				}
			})
			continue
		}
		ctrs.Fields[k] = overlay(nil, e.definitions[defName], inst)
		files = append(files, def.File)
	}
	return names, files
}

// definitionNode is a catalog definition as the lowest layer of an
// instance: each top-level value (each variable of environment and
// labels) is replaced whole by an instance's value.
func definitionNode(c *inventory.Container) *Node {
	n := fromValue(c.Body, LayerContainer+" "+c.Name, 0, false)
	n.Defs[0].Pos = diag.Pos{File: c.File, Line: 1, Col: 1}
	for k, f := range n.Fields {
		if (k == "environment" || k == "labels") && f.Kind == Table {
			for _, v := range f.Fields {
				v.option = true
			}
			continue
		}
		f.option = true
	}
	return n
}
