package docs

import (
	"bytes"
	"encoding/json"
	"sort"
)

// literal is a Nix expression in options.json, as nixosOptionsDoc writes
// defaults and examples: { "_type": "literalExpression", "text": ... }.
type literal struct {
	Type string `json:"_type"`
	Text string `json:"text"`
}

// optionJSON is one entry of options.json, in nixosOptionsDoc's shape.
type optionJSON struct {
	Declarations []string `json:"declarations"`
	Default      *literal `json:"default,omitempty"`
	Description  string   `json:"description"`
	Example      *literal `json:"example,omitempty"`
	Loc          []string `json:"loc"`
	ReadOnly     bool     `json:"readOnly"`
	Type         string   `json:"type"`
}

// optionsJSON renders every module's options as nixosOptionsDoc's
// options.json: an object from option name to its entry, keys sorted.
// Declarations name the module file relative to the fleet root. An option
// declared by modules of several classes (a module for NixOS and darwin)
// lists every file.
func (m *model) optionsJSON() []byte {
	entries := map[string]*optionJSON{}
	for _, md := range m.modules {
		for _, fo := range md.options {
			o := fo.o
			if e, ok := entries[fo.name]; ok {
				e.Declarations = append(e.Declarations, md.mod.File)
				continue
			}
			e := &optionJSON{
				Declarations: []string{md.mod.File},
				Description:  o.Description,
				Loc:          fo.loc,
				Type:         typeDescription(o.Type),
			}
			if o.Default != nil {
				e.Default = &literal{Type: "literalExpression", Text: o.Default.Source}
			}
			if o.Example != "" {
				e.Example = &literal{Type: "literalExpression", Text: o.Example}
			}
			entries[fo.name] = e
		}
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, n := range names {
		k, _ := json.Marshal(n)
		v, _ := json.MarshalIndent(entries[n], "  ", "  ")
		b.WriteString("  " + string(k) + ": " + string(v))
		if i < len(names)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}
