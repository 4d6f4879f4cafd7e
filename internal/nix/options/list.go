package options

import (
	"encoding/json"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Entry is one option as fleet read it, flattened for listings: the
// options of submodules appear below their option, with <name> for the
// elements of an attribute set and * for those of a list.
type Entry struct {
	// Path is the dotted option path, such as "fleet.web.port" or
	// "fleet.web.vhosts.<name>.root".
	Path string `json:"option"`
	// Type is the type as written, or its kind when fleet could not read
	// it ("unknown").
	Type string `json:"type"`
	// Checked is false when values of the option are accepted unchecked
	// (an unreadable declaration or type); Note says why.
	Checked bool   `json:"checked"`
	Note    string `json:"note,omitempty"`
	// Default is the default's Nix source ("" without a default);
	// DefaultValue the decoded literal, absent when computed.
	Default      string `json:"default,omitempty"`
	DefaultValue any    `json:"default_value,omitempty"`
	Description  string `json:"description,omitempty"`
	// Pos is where the option is declared.
	Pos diag.Pos `json:"pos"`
}

// Entries lists a module's options, those of submodules included, in
// declaration order.
func (m *Module) Entries() []Entry {
	var out []Entry
	entries(m.Options, "", &out)
	return out
}

func entries(opts []*Option, prefix string, out *[]Entry) {
	for _, o := range opts {
		e := Entry{Path: prefix + strings.Join(o.Path, "."), Type: o.Type.Name, Checked: !o.Unread, Description: o.Description, Pos: o.Pos}
		if e.Type == "" {
			e.Type = string(o.Type.Kind)
		}
		if note := unreadNote(o.Type); note != "" {
			e.Checked, e.Note = false, note
		}
		if d := o.Default; d != nil {
			e.Default = d.Source
			if !d.Computed {
				e.DefaultValue = d.Value
				if d.Value == nil {
					e.DefaultValue = json.RawMessage("null")
				}
			}
		}
		*out = append(*out, e)
		for _, sub := range submodulesIn(o.Type, e.Path) {
			entries(sub.t.Options, sub.prefix, out)
		}
	}
}

// unreadNote returns why (part of) a type is not checked, or "".
func unreadNote(t *Type) string {
	if t == nil {
		return ""
	}
	if t.Kind == Unknown {
		if t.Note == "" {
			return "not readable statically"
		}
		return t.Note
	}
	if strings.HasPrefix(t.Note, "pattern not checked") {
		return t.Note
	}
	if n := unreadNote(t.Elem); n != "" {
		return n
	}
	for _, a := range t.Alts {
		if n := unreadNote(a); n != "" {
			return n
		}
	}
	return ""
}

type subAt struct {
	t      *Type
	prefix string
}

// submodulesIn finds the submodules of a type with the path prefix of
// their options.
func submodulesIn(t *Type, path string) []subAt {
	switch t.Kind {
	case Submodule:
		return []subAt{{t, path + "."}}
	case ListOf:
		return submodulesIn(t.Elem, path+".*")
	case AttrsOf:
		return submodulesIn(t.Elem, path+".<name>")
	case NullOr:
		return submodulesIn(t.Elem, path)
	case Either:
		var out []subAt
		for _, a := range t.Alts {
			out = append(out, submodulesIn(a, path)...)
		}
		return out
	}
	return nil
}
