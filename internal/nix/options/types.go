package options

import "github.com/fleetdev/fleet/internal/diag"

// Kind is the kind of a declared option type.
type Kind string

// The option type kinds fleet understands. Anything else is Unknown and
// accepts every value.
const (
	Unknown   Kind = "unknown"   // not readable statically; accepts anything (Note says why)
	Anything  Kind = "anything"  // types.anything, types.raw, types.unspecified
	Bool      Kind = "bool"      // types.bool
	Str       Kind = "str"       // types.str, types.nonEmptyStr, types.singleLineStr, types.lines, types.commas, types.separatedString
	Int       Kind = "int"       // types.int, types.ints.*, types.port (Min/Max set where bounded)
	Float     Kind = "float"     // types.float
	Number    Kind = "number"    // types.number (int or float)
	Path      Kind = "path"      // types.path, types.pathInStore (a string starting with / is accepted)
	Package   Kind = "package"   // types.package (a package attribute name string in TOML)
	Enum      Kind = "enum"      // types.enum [ ... ] (Values)
	ListOf    Kind = "listOf"    // types.listOf Elem, types.nonEmptyListOf Elem
	AttrsOf   Kind = "attrsOf"   // types.attrsOf Elem, types.lazyAttrsOf Elem
	Attrs     Kind = "attrs"     // types.attrs (any attribute set)
	NullOr    Kind = "nullOr"    // types.nullOr Elem
	Either    Kind = "either"    // types.either A B, types.oneOf [ ... ] (Alts)
	Submodule Kind = "submodule" // types.submodule { options = ...; } (Options, relative paths)
)

// Type is a declared option type.
type Type struct {
	Kind Kind
	// Name is the type as written in the source, such as
	// "types.ints.positive" or "types.listOf types.str", for documentation.
	Name string
	// Elem is the element type of ListOf, AttrsOf and NullOr.
	Elem *Type
	// Alts are the alternatives of Either.
	Alts []*Type
	// Values are the allowed values of Enum: string, int64, float64, bool or
	// nil (null).
	Values []any
	// Min and Max bound Int when set (types.port is 0..65535,
	// types.ints.positive is 1..).
	Min, Max *int64
	// Options are a Submodule's options, with paths relative to the
	// submodule.
	Options []*Option
	// Note explains an Unknown type ("type computed by a function call").
	Note string
	// Pattern is the POSIX extended regular expression a Str must match
	// as a whole (types.strMatching, nonEmptyStr, singleLineStr), or "".
	Pattern string
	// Negate turns Pattern around: the string must not match it
	// (types.nonEmptyStr: not only blanks).
	Negate bool
	// Freeform is set for a Submodule with a freeformType: attributes it
	// declares no option for are accepted as values.
	Freeform bool
	// Renames are the option-moving modules a Submodule imports, with
	// paths relative to the submodule.
	Renames []*Rename
	// ImportsOpen says why a Submodule's other imports are not read
	// (they may declare options next to its own), or "".
	ImportsOpen string
}

// Default is an option's declared default.
type Default struct {
	// Computed is true when the default is not a literal (it refers to
	// config, pkgs, let bindings, ...). Value is then nil and Source holds
	// the expression.
	Computed bool
	// Value is the decoded literal when not Computed: nil (null), bool,
	// int64, float64, string, []any or map[string]any.
	Value any
	// Source is the default's Nix source text as written.
	Source string
	// Pos is where the default expression starts.
	Pos diag.Pos
}

// Option is one declared option.
type Option struct {
	// Path is the full attribute path, such as
	// ["fleet", "monitoring", "grafanaPort"]; relative to the submodule for
	// options of a Submodule.
	Path []string
	// Type is the declared type; a missing type is Unknown.
	Type *Type
	// Default is nil when the option declares no default.
	Default *Default
	// Description is the description text with Nix string escapes decoded
	// and indentation stripped.
	Description string
	// Example is the example's Nix source text, or "".
	Example string
	// Pos is the position of the option's attribute path in the source.
	Pos diag.Pos
	// Unread is set for a declaration fleet could not read statically (a
	// warning says why): its Type is Unknown and its settings are accepted
	// unchecked.
	Unread bool
}

// Module is the result of extracting one module file.
type Module struct {
	// File is the path the module was read from, as given to Extract.
	File string
	// Parts are the other files read for its declarations (submodules
	// given as files, helpers, imported option sets): parts of this
	// module, not modules of their own.
	Parts []string
	// Imports are the files its imports name as paths (./b.nix; a
	// folder as itself and its default.nix), read as modules of their own.
	Imports []string
	// Options are the declared options in source order, those of the
	// files it imports from its folder included.
	Options []*Option
	// Open is set when the module may declare options fleet did not read
	// (an import it could not follow).
	Open *Opening
	// Renames are the renamed, removed and aliased options the module
	// declares through lib.mkRenamedOptionModule and its kin in imports.
	Renames []*Rename
	// UnreadImports is set when an import is neither a path nor an
	// option-moving module fleet reads (a helper's call, a map over
	// names): it may declare options.
	UnreadImports *Opening
}

// RenameKind is how an option moved.
type RenameKind string

// The kinds of lib's option-moving modules.
const (
	Renamed RenameKind = "renamed" // mkRenamedOptionModule, mkRenamedOptionModuleWith: still works, with a warning
	Removed RenameKind = "removed" // mkRemovedOptionModule: evaluation fails
	Alias   RenameKind = "alias"   // mkAliasOptionModule: works silently
	Changed RenameKind = "changed" // mkChangedOptionModule, mkMergedOptionModule: moved, its value transformed
)

// Rename is one entry of an option-moving module.
type Rename struct {
	Kind RenameKind
	// From is the old option path; To the new one (nil when removed).
	From, To []string
	// Message is the removal's explanation, when a literal.
	Message string
	// Since is the release the move happened in, when stated
	// (mkRenamedOptionModuleWith's sinceRelease, such as "2311").
	Since string
	Pos   diag.Pos
}

// Opening says where and why a module may declare options fleet did not
// read.
type Opening struct {
	Pos    diag.Pos
	Reason string
}
