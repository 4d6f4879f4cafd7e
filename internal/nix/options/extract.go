package options

import (
	"fmt"
	"math"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Extract reads the options a module file declares. A file with syntax
// errors yields its diagnostics and the options found in what parsed.
func Extract(filename string, src []byte) (*Module, []diag.Diagnostic) {
	f, ds := syntax.Parse(filename, src)
	x := &extractor{f: f, mod: &Module{File: filename}}
	if f.Expr != nil {
		x.module(f.Expr)
	}
	return x.mod, ds
}

type extractor struct {
	f   *syntax.File
	mod *Module
	// lets are the let bindings seen on the way to the options, so that a
	// type bound to a name (let container = types.submodule ...) is read.
	lets  map[string]syntax.Expr
	depth int // let indirections being followed, to stop cycles
	// bare is set under a module-level with types; or with lib.types;,
	// where type names stand alone.
	bare bool
}

// unwrap looks through parentheses, let, with and assert to the value an
// expression produces.
func unwrap(e syntax.Expr) syntax.Expr {
	for {
		switch x := e.(type) {
		case *syntax.Paren:
			e = x.X
		case *syntax.Let:
			e = x.Body
		case *syntax.With:
			e = x.Body
		case *syntax.Assert:
			e = x.Body
		default:
			return e
		}
	}
}

// module finds the options of a module: a function of the module
// arguments, or an attribute set, with options at "options".
func (x *extractor) module(e syntax.Expr) {
	e = x.unwrapLets(e)
	if l, ok := e.(*syntax.Lambda); ok {
		e = x.unwrapLets(l.Body)
	}
	set, ok := e.(*syntax.AttrSet)
	if !ok {
		return
	}
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok {
			continue
		}
		path, ok := staticPath(a.Path)
		if !ok || len(path) == 0 || path[0] != "options" {
			continue
		}
		x.declarations(a.Value, path[1:], x.f.NodePos(a.Path), &x.mod.Options)
	}
}

// unwrapLets is unwrap that records the let bindings it passes.
func (x *extractor) unwrapLets(e syntax.Expr) syntax.Expr {
	for {
		switch l := e.(type) {
		case *syntax.Let:
			for _, b := range l.Binds {
				if a, ok := b.(*syntax.Assign); ok {
					if p, ok := staticPath(a.Path); ok && len(p) == 1 {
						if x.lets == nil {
							x.lets = map[string]syntax.Expr{}
						}
						x.lets[p[0]] = a.Value
					}
				}
			}
			e = l.Body
		case *syntax.Paren:
			e = l.X
		case *syntax.With:
			if q := qualified(l.Env); q == "types" || q == "lib.types" {
				x.bare = true
			}
			e = l.Body
		case *syntax.Assert:
			e = l.Body
		default:
			return e
		}
	}
}

// staticPath returns the names of an attribute path, or false when a name
// is computed.
func staticPath(p *syntax.AttrPath) ([]string, bool) {
	if p == nil {
		return nil, false
	}
	out := make([]string, 0, len(p.Names))
	for _, n := range p.Names {
		name, ok := n.Static()
		if !ok {
			return nil, false
		}
		out = append(out, name)
	}
	return out, true
}

// declarations walks an options tree: attribute sets nest, option
// declarations are leaves.
func (x *extractor) declarations(e syntax.Expr, path []string, pos diag.Pos, out *[]*Option) {
	e = x.unwrapLets(e)
	if set, ok := e.(*syntax.AttrSet); ok && set.RecTok == nil {
		for _, b := range set.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				continue
			}
			sub, ok := staticPath(a.Path)
			if !ok {
				continue
			}
			x.declarations(a.Value, append(append([]string(nil), path...), sub...), x.f.NodePos(a.Path), out)
		}
		return
	}
	if o := x.declaration(e, path, pos); o != nil {
		*out = append(*out, o)
	}
}

// call splits an application into its function's name (the last
// attribute of a select: lib.mkOption is "mkOption") and arguments.
func call(e syntax.Expr) (name string, fn syntax.Expr, args []syntax.Expr) {
	e = unwrap(e)
	for {
		ap, ok := e.(*syntax.Apply)
		if !ok {
			break
		}
		args = append([]syntax.Expr{ap.Arg}, args...)
		e = unwrap(ap.Fn)
	}
	return lastName(e), e, args
}

// lastName is the name an identifier or select ends in.
func lastName(e syntax.Expr) string {
	switch x := e.(type) {
	case *syntax.Ident:
		return x.Tok.Text
	case *syntax.Select:
		if x.Default != nil {
			return ""
		}
		if p, ok := staticPath(x.Path); ok && len(p) > 0 {
			return p[len(p)-1]
		}
	}
	return ""
}

// qualified renders an identifier or select as a dotted name
// ("lib.types.str"), or "".
func qualified(e syntax.Expr) string {
	switch x := unwrap(e).(type) {
	case *syntax.Ident:
		return x.Tok.Text
	case *syntax.Select:
		if x.Default != nil {
			return ""
		}
		base := qualified(x.X)
		p, ok := staticPath(x.Path)
		if base == "" || !ok {
			return ""
		}
		return base + "." + strings.Join(p, ".")
	}
	return ""
}

// declaration reads one option declaration, or returns nil when e is not
// one.
func (x *extractor) declaration(e syntax.Expr, path []string, pos diag.Pos) *Option {
	name, _, args := call(e)
	o := &Option{Path: path, Pos: pos}
	switch name {
	case "mkOption":
		if len(args) != 1 {
			return nil
		}
		set, ok := unwrap(args[0]).(*syntax.AttrSet)
		if !ok {
			o.Type = &Type{Kind: Unknown, Note: "mkOption's argument is not an attribute set fleet can read"}
			return o
		}
		x.optionAttrs(o, set)
	case "mkEnableOption":
		o.Type = &Type{Kind: Bool, Name: "types.bool"}
		// The default is implied by the call.
		o.Default = &Default{Value: false, Source: "false", Pos: x.f.NodePos(e)}
		what := "this"
		if len(args) == 1 {
			if s, ok := x.literalString(args[0]); ok {
				what = s
			}
		}
		o.Description = "Whether to enable " + what + "."
		o.Example = "true"
	case "mkPackageOption":
		x.packageOption(o, e, args)
	default:
		return nil
	}
	if o.Type == nil {
		o.Type = &Type{Kind: Unknown, Note: "no type declared"}
	}
	return o
}

// packageOption reads lib.mkPackageOption pkgs name { ... } as nixpkgs
// defines it: the package at pkgs.<default> (default: name, a string or
// a list of attribute names), null when nullable and default = null.
func (x *extractor) packageOption(o *Option, call syntax.Expr, args []syntax.Expr) {
	o.Type = &Type{Kind: Package, Name: "types.package"}
	if len(args) < 2 {
		o.Type = &Type{Kind: Unknown, Name: "types.package", Note: "mkPackageOption without a package name"}
		return
	}
	attrPath := func(e syntax.Expr) (string, bool) {
		if s, ok := x.literalString(e); ok {
			return s, true
		}
		l, ok := unwrap(e).(*syntax.List)
		if !ok || len(l.Elems) == 0 {
			return "", false
		}
		parts := make([]string, 0, len(l.Elems))
		for _, el := range l.Elems {
			s, ok := x.literalString(el)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "."), true
	}
	name, ok := attrPath(args[1])
	if !ok {
		o.Type.Note = "the package name is computed"
		o.Default = &Default{Computed: true, Source: x.f.Text(call), Pos: x.f.NodePos(call)}
		return
	}
	short := name[strings.LastIndexByte(name, '.')+1:]
	o.Description = fmt.Sprintf("The %s package to use.", short)
	o.Default = &Default{Computed: true, Source: "pkgs." + name, Pos: x.f.NodePos(args[1])}
	if len(args) < 3 {
		return
	}
	set, ok := unwrap(args[2]).(*syntax.AttrSet)
	if !ok {
		return
	}
	nullable := false
	for _, b := range set.Binds {
		a, ok := b.(*syntax.Assign)
		if !ok || a.Value == nil {
			continue
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) != 1 {
			continue
		}
		switch p[0] {
		case "default":
			if id, ok := unwrap(a.Value).(*syntax.Ident); ok && id.Tok.Text == "null" {
				o.Default = nil
				continue
			}
			if d, ok := attrPath(a.Value); ok {
				o.Default = &Default{Computed: true, Source: "pkgs." + d, Pos: x.f.NodePos(a.Value)}
			} else {
				o.Default = &Default{Computed: true, Source: x.f.Text(a.Value), Pos: x.f.NodePos(a.Value)}
			}
		case "nullable":
			if id, ok := unwrap(a.Value).(*syntax.Ident); ok && id.Tok.Text == "true" {
				nullable = true
			}
		case "example":
			if ex, ok := attrPath(a.Value); ok {
				o.Example = "pkgs." + ex
			} else {
				o.Example = x.f.Text(a.Value)
			}
		case "extraDescription":
			if s, ok := x.literalString(a.Value); ok && s != "" {
				o.Description += " " + s
			}
		}
	}
	if nullable {
		o.Type = &Type{Kind: NullOr, Name: "types.nullOr types.package", Elem: o.Type}
		if o.Default == nil {
			o.Default = &Default{Value: nil, Source: "null", Pos: x.f.NodePos(call)}
		}
	}
}

// optionAttrs reads the attributes of mkOption { ... }.
func (x *extractor) optionAttrs(o *Option, set *syntax.AttrSet) {
	for _, b := range set.Binds {
		if in, ok := b.(*syntax.Inherit); ok {
			// inherit (jsonFormat) type; and the like: known only when
			// evaluated.
			for _, n := range in.Names {
				if name, _ := n.Static(); name == "type" {
					from := "the enclosing scope"
					if in.From != nil {
						from = x.f.Text(in.From)
					}
					o.Type = &Type{Kind: Unknown, Name: from + ".type", Note: "the type is inherited from " + from}
				}
			}
			continue
		}
		a, ok := b.(*syntax.Assign)
		if !ok || a.Value == nil {
			continue
		}
		p, ok := staticPath(a.Path)
		if !ok || len(p) != 1 {
			continue
		}
		switch p[0] {
		case "type":
			o.Type = x.typ(a.Value, x.bare)
		case "default":
			o.Default = x.defaultOf(a.Value)
		case "description":
			o.Description = x.text(a.Value)
		case "example":
			o.Example = x.exampleOf(a.Value)
		}
	}
}

// text reads a description: a string literal (through lib.mdDoc and
// lib.literalMD), or the source.
func (x *extractor) text(e syntax.Expr) string {
	if s, ok := x.literalString(e); ok {
		return strings.TrimSpace(s)
	}
	if name, _, args := call(e); (name == "mdDoc" || name == "literalMD") && len(args) == 1 {
		if s, ok := x.literalString(args[0]); ok {
			return strings.TrimSpace(s)
		}
	}
	return x.f.Text(e)
}

// exampleOf reads an example: the text of lib.literalExpression, or the
// source.
func (x *extractor) exampleOf(e syntax.Expr) string {
	if name, _, args := call(e); (name == "literalExpression" || name == "literalExample") && len(args) == 1 {
		if s, ok := x.literalString(args[0]); ok {
			return strings.TrimSpace(s)
		}
	}
	return x.f.Text(e)
}

func (x *extractor) literalString(e syntax.Expr) (string, bool) {
	s, ok := unwrap(e).(*syntax.String)
	if !ok {
		return "", false
	}
	return syntax.StringValue(s)
}

// defaultOf decodes a default: literal values become Go values, anything
// else is kept as source and marked computed.
func (x *extractor) defaultOf(e syntax.Expr) *Default {
	d := &Default{Source: x.f.Text(e), Pos: x.f.NodePos(e)}
	v, ok := x.literal(e)
	if !ok {
		d.Computed = true
		return d
	}
	d.Value = v
	return d
}

// literal decodes a literal Nix value: null, booleans, numbers, strings
// without interpolation, and lists and attribute sets of those.
func (x *extractor) literal(e syntax.Expr) (any, bool) {
	switch v := unwrapParen(e).(type) {
	case *syntax.Ident:
		switch v.Tok.Text {
		case "null":
			return nil, true
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case *syntax.Int:
		return v.Value, true
	case *syntax.Float:
		return v.Value, true
	case *syntax.Unary:
		if v.Op.Kind == syntax.TokMinus {
			switch n := unwrapParen(v.X).(type) {
			case *syntax.Int:
				if n.Value == math.MinInt64 {
					return nil, false
				}
				return -n.Value, true
			case *syntax.Float:
				return -n.Value, true
			}
		}
	case *syntax.String:
		return syntax.StringValue(v)
	case *syntax.List:
		out := make([]any, 0, len(v.Elems))
		for _, el := range v.Elems {
			lv, ok := x.literal(el)
			if !ok {
				return nil, false
			}
			out = append(out, lv)
		}
		return out, true
	case *syntax.AttrSet:
		if v.RecTok != nil {
			return nil, false
		}
		out := map[string]any{}
		for _, b := range v.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				return nil, false
			}
			p, ok := staticPath(a.Path)
			if !ok {
				return nil, false
			}
			lv, ok := x.literal(a.Value)
			if !ok {
				return nil, false
			}
			cur := out
			for _, k := range p[:len(p)-1] {
				next, ok := cur[k].(map[string]any)
				if !ok {
					next = map[string]any{}
					cur[k] = next
				}
				cur = next
			}
			cur[p[len(p)-1]] = lv
		}
		return out, true
	}
	return nil, false
}

func unwrapParen(e syntax.Expr) syntax.Expr {
	for {
		p, ok := e.(*syntax.Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// simpleType maps the types of lib.types that take no argument to kinds.
func simpleType(name string) (Kind, bool) {
	switch name {
	case "bool":
		return Bool, true
	case "str", "string", "lines", "commas", "nonEmptyStr", "singleLineStr", "envVar", "passwdEntry":
		return Str, true
	case "int":
		return Int, true
	case "float":
		return Float, true
	case "number":
		return Number, true
	case "path", "pathInStore", "externalPath":
		return Path, true
	case "package", "shellPackage":
		return Package, true
	case "attrs":
		return Attrs, true
	case "anything", "raw", "unspecified":
		return Anything, true
	}
	return "", false
}

func ptr(n int64) *int64 { return &n }

// intBounds returns the bounds of the integer types of lib.types.ints.
func intBounds(name string) (lo, hi *int64, ok bool) {
	switch name {
	case "unsigned", "u64":
		return ptr(0), nil, true
	case "positive":
		return ptr(1), nil, true
	case "u8":
		return ptr(0), ptr(255), true
	case "u16":
		return ptr(0), ptr(65535), true
	case "u32":
		return ptr(0), ptr(4294967295), true
	case "s8":
		return ptr(-128), ptr(127), true
	case "s16":
		return ptr(-32768), ptr(32767), true
	case "s32":
		return ptr(-2147483648), ptr(2147483647), true
	case "s64", "int":
		return nil, nil, true
	}
	return nil, nil, false
}

// typ reads a type expression. bare is true under `with types;` (or
// `with lib.types;`), where type names stand alone.
func (x *extractor) typ(e syntax.Expr, bare bool) *Type {
	name := x.typeName(e)
	if w, ok := unwrapParen(e).(*syntax.With); ok {
		if q := qualified(w.Env); q == "types" || q == "lib.types" {
			t := x.typ(w.Body, true)
			t.Name = name
			return t
		}
		t := x.typ(w.Body, bare)
		t.Name = name
		return t
	}
	fnName, fn, args := call(e)
	q := qualified(fn)
	if id, ok := fn.(*syntax.Ident); ok && len(args) == 0 && x.lets[id.Tok.Text] != nil && x.depth < 8 {
		// A type bound by let: read its definition.
		x.depth++
		t := x.typ(x.lets[id.Tok.Text], bare)
		x.depth--
		return t
	}
	isType := bare || strings.HasPrefix(q, "types.") || strings.HasPrefix(q, "lib.types.")
	if !isType {
		return &Type{Kind: Unknown, Name: name, Note: "type is not a lib.types expression"}
	}
	if strings.Contains(q, "ints.") {
		lo, hi, known := intBounds(fnName)
		switch {
		case fnName == "between" && len(args) == 2:
			lo, ok1 := x.literal(args[0])
			hi, ok2 := x.literal(args[1])
			l, ok3 := lo.(int64)
			h, ok4 := hi.(int64)
			if ok1 && ok2 && ok3 && ok4 {
				return &Type{Kind: Int, Name: name, Min: ptr(l), Max: ptr(h)}
			}
			return &Type{Kind: Int, Name: name}
		case known && len(args) == 0:
			return &Type{Kind: Int, Name: name, Min: lo, Max: hi}
		}
	}
	switch {
	case len(args) == 0:
		if fnName == "port" {
			return &Type{Kind: Int, Name: name, Min: ptr(0), Max: ptr(65535)}
		}
		if k, ok := simpleType(fnName); ok {
			return &Type{Kind: k, Name: name}
		}
	case fnName == "listOf" || fnName == "nonEmptyListOf":
		if len(args) == 1 {
			return &Type{Kind: ListOf, Name: name, Elem: x.typ(args[0], bare)}
		}
	case fnName == "attrsOf" || fnName == "lazyAttrsOf":
		if len(args) == 1 {
			return &Type{Kind: AttrsOf, Name: name, Elem: x.typ(args[0], bare)}
		}
	case fnName == "nullOr":
		if len(args) == 1 {
			return &Type{Kind: NullOr, Name: name, Elem: x.typ(args[0], bare)}
		}
	case fnName == "uniq" || fnName == "unique":
		if len(args) >= 1 {
			t := x.typ(args[len(args)-1], bare)
			t.Name = name
			return t
		}
	case fnName == "either":
		if len(args) == 2 {
			return &Type{Kind: Either, Name: name, Alts: []*Type{x.typ(args[0], bare), x.typ(args[1], bare)}}
		}
	case fnName == "oneOf":
		if len(args) == 1 {
			if l, ok := unwrapParen(args[0]).(*syntax.List); ok {
				t := &Type{Kind: Either, Name: name}
				for _, el := range l.Elems {
					t.Alts = append(t.Alts, x.typ(el, bare))
				}
				return t
			}
		}
	case fnName == "coercedTo":
		if len(args) == 3 {
			return &Type{Kind: Either, Name: name, Alts: []*Type{x.typ(args[0], bare), x.typ(args[2], bare)}}
		}
	case fnName == "enum":
		if len(args) == 1 {
			if l, ok := unwrapParen(args[0]).(*syntax.List); ok {
				t := &Type{Kind: Enum, Name: name}
				for _, el := range l.Elems {
					v, ok := x.literal(el)
					if !ok {
						return &Type{Kind: Unknown, Name: name, Note: "enum values are not literals"}
					}
					t.Values = append(t.Values, v)
				}
				return t
			}
		}
	case fnName == "strMatching" || fnName == "separatedString":
		return &Type{Kind: Str, Name: name}
	case fnName == "submodule" || fnName == "submoduleWith":
		if len(args) == 1 {
			return x.submodule(args[0], name, fnName == "submoduleWith")
		}
	}
	return &Type{Kind: Unknown, Name: name, Note: fmt.Sprintf("fleet does not read %s statically", strings.TrimPrefix(name, "lib."))}
}

// typeName renders a type expression's source on one line, without the
// lib. prefix, for documentation.
func (x *extractor) typeName(e syntax.Expr) string {
	// The modules given to submodule and submoduleWith are elided: their
	// whole source is too long for a type name.
	var elide []syntax.Node
	syntax.Inspect(e, func(n syntax.Node) bool {
		ap, ok := n.(*syntax.Apply)
		if !ok {
			return true
		}
		if name := lastName(unwrap(ap.Fn)); name == "submodule" || name == "submoduleWith" {
			if _, isPath := unwrapParen(ap.Arg).(*syntax.Path); !isPath {
				elide = append(elide, ap.Arg)
				return false
			}
		}
		return true
	})
	var b strings.Builder
	skipUntil := -1
	syntax.Tokens(e, func(t *syntax.Token) {
		if t.Off < skipUntil {
			return
		}
		for _, n := range elide {
			if first := syntax.FirstToken(n); first == t {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString("{ ... }")
				skipUntil = syntax.LastToken(n).End()
				return
			}
		}
		if t.Text == "" {
			return
		}
		// Tokens are joined by one space where the source has trivia.
		if b.Len() > 0 && t.Lead != "" {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	})
	return strings.ReplaceAll(b.String(), "lib.types.", "types.")
}

// submodule reads the options of types.submodule { options = ...; }, of a
// function returning such a set, or of submoduleWith { modules = [ ... ]; }.
func (x *extractor) submodule(arg syntax.Expr, name string, with bool) *Type {
	t := &Type{Kind: Submodule, Name: name}
	var modules []syntax.Expr
	if with {
		set, ok := x.resolve(arg).(*syntax.AttrSet)
		if !ok {
			return &Type{Kind: Unknown, Name: name, Note: "submoduleWith's argument is not readable"}
		}
		for _, b := range set.Binds {
			if a, ok := b.(*syntax.Assign); ok {
				if p, ok := staticPath(a.Path); ok && len(p) == 1 && p[0] == "modules" {
					if l, ok := x.resolve(a.Value).(*syntax.List); ok {
						modules = l.Elems
					}
				}
			}
		}
	} else if l, ok := x.resolve(arg).(*syntax.List); ok {
		// types.submodule [ moduleA moduleB ]
		modules = l.Elems
	} else {
		modules = []syntax.Expr{arg}
	}
	for _, m := range modules {
		e := x.resolve(m)
		if l, ok := e.(*syntax.Lambda); ok {
			e = x.resolve(l.Body)
		}
		set, ok := e.(*syntax.AttrSet)
		if !ok {
			return &Type{Kind: Unknown, Name: name, Note: "submodule is not an attribute set fleet can read"}
		}
		declared := false
		for _, b := range set.Binds {
			a, ok := b.(*syntax.Assign)
			if !ok {
				continue
			}
			p, ok := staticPath(a.Path)
			if !ok || len(p) == 0 || p[0] != "options" {
				continue
			}
			declared = true
			x.declarations(a.Value, p[1:], x.f.NodePos(a.Path), &t.Options)
		}
		if !declared {
			// A submodule written as a plain set of options.
			x.declarations(set, nil, x.f.NodePos(set), &t.Options)
		}
	}
	return t
}

// resolve looks through parentheses, let, with and assert, and through
// names bound by the module's let (a few levels, so that cycles end).
func (x *extractor) resolve(e syntax.Expr) syntax.Expr {
	for range 8 {
		e = unwrap(e)
		id, ok := e.(*syntax.Ident)
		if !ok || x.lets[id.Tok.Text] == nil {
			return e
		}
		e = x.lets[id.Tok.Text]
	}
	return e
}
