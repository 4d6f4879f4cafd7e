package eval

import (
	"fmt"
	"strconv"

	"regexp"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// optTree indexes a module's options under fleet.<module> by attribute
// path.
type optTree struct {
	opt      *options.Option
	children map[string]*optTree
	// mod is set on the trees of a module's fleet.<module> options (not
	// on those of submodules): unknown options consult it.
	mod *moduleInfo
}

// moduleInfo is what an unknown option's diagnostic says about its
// module.
type moduleInfo struct {
	// open is set when the module may declare options fleet did not read.
	open *options.Opening
	// elsewhere names where the module declares options instead of
	// fleet.<module> ("services.backup"), when it declares none there.
	elsewhere string
	file      string
}

// setModule marks t and every tree below it as a module's.
func (t *optTree) setModule(m *moduleInfo) {
	t.mod = m
	for _, c := range t.children {
		c.setModule(m)
	}
}

func newOptTree(opts []*options.Option, prefix []string) *optTree {
	root := &optTree{children: map[string]*optTree{}}
	for _, o := range opts {
		if len(o.Path) < len(prefix) || !slices.Equal(o.Path[:len(prefix)], prefix) {
			continue
		}
		root.insert(o.Path[len(prefix):], o)
	}
	return root
}

func (t *optTree) insert(path []string, o *options.Option) {
	cur := t
	for _, k := range path {
		next := cur.children[k]
		if next == nil {
			next = &optTree{children: map[string]*optTree{}}
			cur.children[k] = next
		}
		cur = next
	}
	cur.opt = o
}

func (t *optTree) names() []string {
	out := make([]string, 0, len(t.children))
	for k := range t.children {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// typeChecker checks TOML values against declared option types.
type typeChecker struct {
	diags *diag.List
}

// checkTable checks a table of values against the options below t. where
// is the dotted path of the table for messages ("settings.monitoring").
func (c *typeChecker) checkTable(v *inventory.Value, t *optTree, where, module string) {
	for k, f := range v.Entries() {
		path := where + "." + inventory.QuoteKey(k)
		child := t.children[k]
		if child == nil {
			if t.mod != nil && t.mod.open != nil {
				// The module may declare it in a file fleet did not read.
				c.diags.Warnf(f.KeyPos, "option-unread", "%s is accepted unchecked: module %s declares no option %s that fleet could read", path, module, optionPath(path)).
					Also(t.mod.open.Pos, "the module may declare more options: %s", t.mod.open.Reason).
					Hint("declare the option in the module's own folder (or import the file declaring it with a relative path) for fleet to check it")
				continue
			}
			e := c.diags.Errorf(f.KeyPos, "unknown-option", "module %s has no option %s", module, optionPath(path))
			if t.mod != nil && t.mod.elsewhere != "" {
				e.Hint("%s declares its options under %s, not fleet.%s: settings in [settings.%s] are fleet.%s.*; declare options.fleet.%s.*, or set %s through [nixos.%s]",
					t.mod.file, t.mod.elsewhere, module, module, module, module, t.mod.elsewhere, t.mod.elsewhere)
			} else if hint := diag.DidYouMean(k, t.names()); hint != "" {
				e.Hint("%s", hint)
			} else if names := t.names(); len(names) > 0 {
				e.Hint("options here: %s", strings.Join(names, ", "))
			}
			continue
		}
		if child.opt != nil {
			if child.opt.Unread {
				c.diags.Warnf(f.KeyPos, "option-unread", "%s is accepted unchecked: fleet could not read the declaration of %s", path, optionPath(path)).
					Also(child.opt.Pos, "declared here: %s", strings.TrimPrefix(child.opt.Type.Note, "declaration not readable statically: "))
				continue
			}
			c.check(f, child.opt.Type, path, child.opt)
			continue
		}
		if f.Kind != inventory.Table || inventory.IsSpecial(f) {
			if inventory.SpecialKind(f) == "expr" {
				continue
			}
			c.diags.Errorf(f.Pos, "type", "%s is a group of options (%s), not a single value", path, strings.Join(child.names(), ", ")).
				Hint("write it as a table: [%s]", path)
			continue
		}
		c.checkTable(f, child, path, module)
	}
}

// check reports whether v fits typ, and reports a diagnostic when it
// does not (quiet: only report).
func (c *typeChecker) check(v *inventory.Value, typ *options.Type, path string, opt *options.Option) {
	if msg := c.mismatch(v, typ, path, opt); msg != "" {
		e := c.diags.Errorf(v.Pos, "type", "%s", msg)
		if opt != nil && opt.Pos.IsValid() {
			e.Also(opt.Pos, "declared here as %s", typeName(opt.Type))
		}
		if opt != nil && opt.Type != nil && opt.Type.Kind == options.Enum {
			e.Hint("use one of %s", enumValues(opt.Type))
		}
	}
}

var pkgNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$`)

// mismatch returns why v does not fit typ, or "". Nested values are
// checked recursively; their own diagnostics are reported directly.
func (c *typeChecker) mismatch(v *inventory.Value, typ *options.Type, path string, opt *options.Option) string {
	if typ == nil {
		return ""
	}
	if inventory.IsSpecial(v) {
		if inventory.SpecialKind(v) == "expr" {
			return "" // raw Nix: checked by the parser, not here
		}
		if accepts(typ, options.Path) || accepts(typ, options.Str) || typ.Kind == options.Unknown || typ.Kind == options.Anything {
			return ""
		}
		return fmt.Sprintf("%s takes %s, but a secret is a file path", path, typeName(typ))
	}
	bad := func(want string) string {
		return fmt.Sprintf("%s must be %s, not %s", path, want, v.Describe())
	}
	switch typ.Kind {
	case options.Unknown, options.Anything:
		return ""
	case options.Bool:
		if v.Kind != inventory.Bool {
			return bad("true or false")
		}
	case options.Str:
		if v.Kind != inventory.String {
			return bad("a string")
		}
		if typ.Pattern != "" {
			re, err := options.Matcher(typ.Pattern)
			if err != nil {
				return "" // reported where the type is declared
			}
			if re.MatchString(options.Bytes(v.Str)) == typ.Negate {
				if typ.Negate {
					return bad("a string that is not blank")
				}
				return bad(fmt.Sprintf("a string matching the pattern %s", strconv.Quote(typ.Pattern)))
			}
		}
	case options.Int:
		if v.Kind != inventory.Int {
			return bad(intDesc(typ))
		}
		if (typ.Min != nil && v.Int < *typ.Min) || (typ.Max != nil && v.Int > *typ.Max) {
			return bad(intDesc(typ))
		}
	case options.Float:
		if v.Kind != inventory.Float {
			return bad("a float (write 1.0, not 1)")
		}
	case options.Number:
		if v.Kind != inventory.Float && v.Kind != inventory.Int {
			return bad("a number")
		}
	case options.Path:
		if v.Kind != inventory.String || !strings.HasPrefix(v.Str, "/") {
			return bad(`an absolute path ("/...") or { secret = "category/name" }`)
		}
	case options.Package:
		if v.Kind != inventory.String || !pkgNameRE.MatchString(v.Str) {
			return bad(`a package attribute name such as "ripgrep" or "python3Packages.black"`)
		}
	case options.Enum:
		for _, want := range typ.Values {
			if enumEqual(v, want) {
				return ""
			}
		}
		return bad("one of " + enumValues(typ))
	case options.ListOf:
		if v.Kind != inventory.Array {
			return bad("a list of " + typeName(typ.Elem))
		}
		for i, e := range v.List {
			c.check(e, typ.Elem, fmt.Sprintf("%s[%d]", path, i), nil)
		}
	case options.AttrsOf:
		if v.Kind != inventory.Table {
			return bad("a table of " + typeName(typ.Elem))
		}
		for k, f := range v.Entries() {
			c.check(f, typ.Elem, path+"."+inventory.QuoteKey(k), nil)
		}
	case options.Attrs:
		if v.Kind != inventory.Table {
			return bad("a table")
		}
	case options.NullOr:
		return c.mismatch(v, typ.Elem, path, opt)
	case options.Either:
		for _, alt := range typ.Alts {
			probe := &typeChecker{diags: &diag.List{}}
			if probe.mismatch(v, alt, path, nil) == "" && !probe.diags.HasErrors() {
				return ""
			}
		}
		return bad(typeName(typ))
	case options.Submodule:
		if v.Kind != inventory.Table {
			return bad("a table of " + submoduleNames(typ))
		}
		t := newOptTree(typ.Options, nil)
		c.checkTable(v, t, path, moduleOf(path))
	}
	return ""
}

// checkDefaults checks the literal defaults of a module's options (and of
// their submodules' options) against their own types, at the default.
func checkDefaults(l *diag.List, opts []*options.Option, prefix string) {
	c := &typeChecker{diags: l}
	for _, o := range opts {
		name := prefix + strings.Join(o.Path, ".")
		if d := o.Default; d != nil && !d.Computed {
			what := "the default of " + name
			if d.Value == nil {
				if !acceptsNull(o.Type) {
					l.Errorf(d.Pos, "type", "%s is null, but %s takes %s", what, name, typeName(o.Type)).
						Also(o.Pos, "declared here as %s", typeName(o.Type)).
						Hint("use types.nullOr, or a default of the declared type")
				}
			} else if v, ok := literalValue(d.Value, d.Pos); ok {
				if msg := c.mismatch(v, o.Type, what, o); msg != "" {
					l.Errorf(d.Pos, "type", "%s", msg).
						Also(o.Pos, "declared here as %s", typeName(o.Type)).
						Hint("Nix rejects this default when the option is not set: fix the default or the type")
				}
			}
		}
		if o.Type != nil {
			for _, sub := range submodulesOf(o.Type) {
				checkDefaults(l, sub.Options, name+".<name>.")
			}
		}
	}
}

func submodulesOf(t *options.Type) []*options.Type {
	switch t.Kind {
	case options.Submodule:
		return []*options.Type{t}
	case options.ListOf, options.AttrsOf, options.NullOr:
		return submodulesOf(t.Elem)
	}
	return nil
}

// acceptsNull reports whether typ takes null.
func acceptsNull(typ *options.Type) bool {
	switch typ.Kind {
	case options.Unknown, options.Anything, options.NullOr:
		return true
	case options.Either:
		return slices.ContainsFunc(typ.Alts, acceptsNull)
	case options.Enum:
		return slices.Contains(typ.Values, nil)
	}
	return false
}

// literalValue converts a decoded Nix literal into a value the type
// checker reads; false when it holds a null below the top, which TOML
// cannot express.
func literalValue(x any, pos diag.Pos) (*inventory.Value, bool) {
	v := &inventory.Value{Pos: pos}
	switch x := x.(type) {
	case bool:
		v.Kind, v.Bool = inventory.Bool, x
	case int64:
		v.Kind, v.Int = inventory.Int, x
	case float64:
		v.Kind, v.Float = inventory.Float, x
	case string:
		v.Kind, v.Str = inventory.String, x
	case []any:
		v.Kind = inventory.Array
		for _, e := range x {
			ev, ok := literalValue(e, pos)
			if !ok {
				return nil, false
			}
			v.List = append(v.List, ev)
		}
	case map[string]any:
		v.Kind = inventory.Table
		for _, k := range sortedMapKeys(x) {
			ev, ok := literalValue(x[k], pos)
			if !ok {
				return nil, false
			}
			ev.KeyPos = pos
			v.Set(k, ev)
		}
	default:
		return nil, false
	}
	return v, true
}

// optionPath is a settings path without its "settings.<module>." (or
// "home_settings.<module>.") prefix: the option as the module names it.
func optionPath(path string) string {
	parts := strings.SplitN(path, ".", 3)
	if len(parts) == 3 {
		return parts[2]
	}
	return path
}

func moduleOf(path string) string {
	parts := strings.Split(path, ".")
	if len(parts) > 1 {
		return parts[1]
	}
	return path
}

// accepts reports whether typ takes values of kind k somewhere at its top
// (through nullOr and either).
func accepts(typ *options.Type, k options.Kind) bool {
	switch typ.Kind {
	case k:
		return true
	case options.NullOr:
		return accepts(typ.Elem, k)
	case options.Either:
		for _, a := range typ.Alts {
			if accepts(a, k) {
				return true
			}
		}
	}
	return false
}

func enumEqual(v *inventory.Value, want any) bool {
	switch w := want.(type) {
	case string:
		return v.Kind == inventory.String && v.Str == w
	case int64:
		return v.Kind == inventory.Int && v.Int == w
	case float64:
		return v.Kind == inventory.Float && v.Float == w
	case bool:
		return v.Kind == inventory.Bool && v.Bool == w
	}
	return false
}

func enumValues(t *options.Type) string {
	parts := make([]string, len(t.Values))
	for i, v := range t.Values {
		switch v := v.(type) {
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		case nil:
			parts[i] = "null"
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ", ")
}

func intDesc(t *options.Type) string {
	switch {
	case t.Min != nil && t.Max != nil && *t.Min == 0 && *t.Max == 65535:
		return "a port number (0 to 65535)"
	case t.Min != nil && t.Max != nil:
		return fmt.Sprintf("an integer from %d to %d", *t.Min, *t.Max)
	case t.Min != nil && *t.Min == 1:
		return "a positive integer"
	case t.Min != nil && *t.Min == 0:
		return "a non-negative integer"
	case t.Min != nil:
		return fmt.Sprintf("an integer of at least %d", *t.Min)
	case t.Max != nil:
		return fmt.Sprintf("an integer of at most %d", *t.Max)
	}
	return "an integer"
}

func submoduleNames(t *options.Type) string {
	var names []string
	for _, o := range t.Options {
		names = append(names, strings.Join(o.Path, "."))
	}
	if len(names) == 0 {
		return "options"
	}
	return strings.Join(names, ", ")
}

// typeName renders a type for messages.
func typeName(t *options.Type) string {
	if t == nil {
		return "anything"
	}
	if t.Name != "" {
		return t.Name
	}
	switch t.Kind {
	case options.ListOf:
		return "list of " + typeName(t.Elem)
	case options.AttrsOf:
		return "attribute set of " + typeName(t.Elem)
	case options.NullOr:
		return "null or " + typeName(t.Elem)
	case options.Either:
		parts := make([]string, len(t.Alts))
		for i, a := range t.Alts {
			parts[i] = typeName(a)
		}
		return strings.Join(parts, " or ")
	case options.Enum:
		return "one of " + enumValues(t)
	}
	return string(t.Kind)
}
