package eval

import (
	"slices"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
)

// LayerContainer prefixes the label of a catalog definition in
// provenance: "container jellyfin".
const LayerContainer = "container"

// containersNode turns a layer's containers key into a table of
// instances: every listed or tabled instance gets enable = true defined
// where it is named, unless its table says enable itself.
func (e *evaluator) containersNode(ly *inventory.Layer, label string, level int) *Node {
	if len(ly.ContainerList) == 0 && ly.Containers == nil {
		return nil
	}
	lv := int32(level)
	// table makes x an instance's table, sized for its keys and enable:
	// its definition's values are its base (see instance).
	table := func(x *instanceTable, pos diag.Pos, src *inventory.Value) *Node {
		size := 1
		if src != nil {
			size += src.Len()
		}
		x.defs[0] = Def{Layer: label, Pos: pos, src: src, level: lv}
		x.t.Kind, x.t.Fields, x.t.Defs = Table, NewFields(size), x.defs[:1]
		if src.Get("enable") == nil {
			x.enDef[0] = Def{Layer: label, Pos: pos, text: "true (listed in containers)", level: lv}
			x.en.Kind, x.en.Bool, x.en.Defs = Bool, true, x.enDef[:]
			x.t.Fields.Set("enable", &x.en)
		}
		return &x.t
	}
	var n *Node
	if c := ly.Containers; c != nil {
		n = newNode(Def{Layer: label, Pos: c.KeyPos, src: c, level: lv})
		n.Kind, n.Fields, n.inline = Table, NewFields(c.Len()), c.Inline
		tables := make([]instanceTable, c.Len()) // in one allocation
		x := 0
		for k, v := range c.Entries() {
			inst := table(&tables[x], v.KeyPos, v)
			x++
			inst.inline = v.Inline
			for fk, f := range v.Entries() {
				inst.Fields.Set(fk, fromValue(f, label, level, false))
			}
			n.Fields.Set(k, inst)
		}
	} else {
		n = newNode(Def{Layer: label, Pos: ly.ContainerList[0].Pos, level: lv})
		n.Kind, n.Fields = Table, NewFields(len(ly.ContainerList))
		tables := make([]instanceTable, len(ly.ContainerList))
		for x, s := range ly.ContainerList {
			n.Fields.Set(s.V, table(&tables[x], s.Pos, nil))
		}
	}
	return n
}

// instanceTable is an instance's table as a layer names it and its
// enable node (a layer's are made together, in one allocation). The
// table's definitions have room for its catalog definition's, which
// instance puts before them.
type instanceTable struct {
	t, en Node
	defs  [2]Def
	enDef [1]Def
}

// newNode returns a node defined once, by d, in one allocation with its
// definition.
func newNode(d Def) *Node {
	x := &struct {
		n Node
		d [1]Def
	}{d: [1]Def{d}}
	x.n.Defs = x.d[:]
	return &x.n
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
// below environment and labels) and returns the enabled instances,
// sorted. An instance naming no definition is reported once per place.
func (e *evaluator) containerInstances(ctrs *Node) (out []ContainerInstance) {
	keys := ctrs.Keys()
	out = make([]ContainerInstance, 0, len(keys))
	for _, k := range keys {
		inst := ctrs.Fields.At(k)
		en := inst.Get("enable")
		if en == nil || en.Kind != Bool || !en.Bool {
			continue
		}
		defName, pos := k, en.Won().Pos
		if from := inst.Get("from"); from != nil && from.Kind == String {
			defName, pos = from.Str, from.Won().Pos
		}
		def := e.inv.Containers[defName]
		if def == nil {
			out = append(out, ContainerInstance{Name: k, Table: inst, Enable: en})
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
		dn := e.definitions[defName]
		n, own, ok := instance(dn, inst)
		ctrs.Fields.Set(k, n)
		ci := ContainerInstance{Name: k, Definition: defName, Table: n, Enable: en, AsDefined: ok && len(own) == 0}
		if ok {
			ci.Def, ci.Own = dn, own
		}
		out = append(out, ci)
	}
	return out
}

// instance puts an instance's values over its definition, as overlay
// does, in the instance's own table when no other host shares it (a
// host's own layer builds it for the host alone). The definition is the
// table's base: the values the instance leaves as they are are the
// definition's, shared by every instance of it rather than copied into
// each. own lists the keys the layers give but enable and from (sorted);
// ok is false when the instance is not a table, and own says nothing.
func instance(def, inst *Node) (n *Node, own []string, ok bool) {
	if inst.Kind != Table {
		return overlay(nil, def, inst), nil, false
	}
	// A profile's or a role's instance is copied first.
	n = ownWithRoom(inst, 0)
	n.base = def
	n.Defs = slices.Insert(n.Defs, 0, def.Defs...) // in the room table left
	n.inline, n.option, n.Computed = def.inline, def.option, def.Computed
	// Nothing changes an instance once it is built: when no secret and
	// no conflict lies below it, the walks for those (and for secrets
	// naming the host) may skip it. The definition is shared, and knows
	// whether it is quiet; the instance's own values are looked at.
	quiet := def.quiet && n.conflict == nil
	if n.Fields.Len() > 1 { // more than enable: room for the others
		own = make([]string, 0, n.Fields.Len())
	}
	for k, v := range n.Fields.All() {
		quiet = quiet && quietBelow(v)
		if k != "enable" && k != "from" {
			own = append(own, k)
		}
		if d := def.Fields.At(k); d != nil {
			n.Fields.Set(k, overlay(nil, d, v))
		}
	}
	n.quiet = quiet
	slices.Sort(own)
	return n, own, true
}

// quietBelow reports whether no secret and no conflict lies in or below
// n.
func quietBelow(n *Node) bool {
	if n.shared {
		return n.quiet
	}
	if n.Kind == Secret || n.conflict != nil {
		return false
	}
	for _, f := range n.Entries() {
		if !quietBelow(f) {
			return false
		}
	}
	for _, it := range n.Items {
		if !quietBelow(it) {
			return false
		}
	}
	return true
}

// definitionNode is a catalog definition as the lowest layer of an
// instance: each top-level value (each variable of environment and
// labels, each file of secret_files and config_files) is replaced whole
// by an instance's value.
func definitionNode(c *inventory.Container) *Node {
	n := fromValue(c.Body, LayerContainer+" "+c.Name, 0, false)
	n.Defs[0].Pos = diag.Pos{File: c.File, Line: 1, Col: 1}
	for k, f := range n.Fields.All() {
		if (k == "environment" || k == "labels" || k == "secret_files" || k == "config_files") && f.Kind == Table {
			for _, v := range f.Fields.All() {
				v.option = true
			}
			continue
		}
		f.option = true
	}
	return n
}
