package build

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Expr is a Nix expression to print. Values are built with the
// constructors of this package (Str, Path, Attrs, Call, ...); the set of
// kinds is closed.
type Expr interface{ isExpr() }

type (
	rawExpr string
	strLit  struct {
		s      string
		indent bool
	}
	intLit    int64
	floatLit  float64
	boolLit   bool
	nullLit   struct{}
	varRef    string
	pathLit   string
	listExpr  []Expr
	selectExp struct {
		x    Expr
		path []string
	}
	letExpr struct {
		binds *AttrSet
		body  Expr
	}
	lambdaExpr struct {
		formals []string
		arg     string
		body    Expr
	}
	callExpr struct {
		fn   Expr
		args []Expr
	}
	binaryExpr struct {
		l  Expr
		op string
		r  Expr
	}
	interpExpr []Expr
)

func (rawExpr) isExpr()     {}
func (strLit) isExpr()      {}
func (intLit) isExpr()      {}
func (floatLit) isExpr()    {}
func (boolLit) isExpr()     {}
func (nullLit) isExpr()     {}
func (varRef) isExpr()      {}
func (pathLit) isExpr()     {}
func (listExpr) isExpr()    {}
func (*selectExp) isExpr()  {}
func (*AttrSet) isExpr()    {}
func (*letExpr) isExpr()    {}
func (*lambdaExpr) isExpr() {}
func (*callExpr) isExpr()   {}
func (*binaryExpr) isExpr() {}
func (interpExpr) isExpr()  {}

// Str is a string literal. It prints as an indented string (between pairs of single quotes)
// when it spans several lines and Nix reads that form back as the same
// value, and as a double-quoted string otherwise.
func Str(s string) Expr { return strLit{s: s, indent: true} }

// Quoted is a string literal that always prints double-quoted.
func Quoted(s string) Expr { return strLit{s: s} }

// Indented is a string literal printed as an indented string when Nix
// reads that form back as the same value (Str's choice), double-quoted
// otherwise.
func Indented(s string) Expr { return Str(s) }

// Int is an integer literal.
func Int(i int64) Expr { return intLit(i) }

// Float is a float literal; NaN and infinities have none and are refused.
func Float(f float64) (Expr, error) {
	if _, ok := FormatFloat(f); !ok {
		return nil, fmt.Errorf("%v has no Nix literal", f)
	}
	return floatLit(f), nil
}

// Bool is true or false.
func Bool(b bool) Expr { return boolLit(b) }

// Null is null.
func Null() Expr { return nullLit{} }

// Var is a reference to a variable in scope (pkgs, lib, config, import).
// name must be an identifier that is not a keyword: it comes from the
// program, never from input (names from input are attribute names; use
// Select). Var panics otherwise.
func Var(name string) Expr {
	if !IsIdent(name) {
		panic("build.Var: not an identifier: " + name)
	}
	return varRef(name)
}

// Select is x.a.b: each name is printed by AttrName, so any string is a
// safe attribute name.
func Select(x Expr, path ...string) Expr {
	if len(path) == 0 {
		return x
	}
	return &selectExp{x: x, path: slices.Clone(path)}
}

// Path is a path relative to the file being written (./x, ../x) or
// absolute (/x). Segments made of path characters print as a path
// literal; the rest of the path from the first other segment on is
// appended as a string (`./. + "/x y.nix"`), so names with spaces, `$` or
// quotes stay data. A trailing slash is dropped.
func Path(p string) Expr { return pathLit(p) }

// List is a list literal.
func List(items ...Expr) Expr { return listExpr(slices.Clone(items)) }

// ListOf is the list literal of items, which it keeps: the caller no
// longer changes them (List copies them instead).
func ListOf(items []Expr) Expr { return listExpr(items) }

// Let is `let <binds> in body`.
func Let(binds *AttrSet, body Expr) Expr { return &letExpr{binds: binds, body: body} }

// Func is a function with a set pattern: { a, b, ... }: body. Formals are
// identifiers, or "..." for the ellipsis.
func Func(formals []string, body Expr) Expr {
	return &lambdaExpr{formals: slices.Clone(formals), body: body}
}

// Lambda is a function of one argument: arg: body.
func Lambda(arg string, body Expr) Expr {
	if !IsIdent(arg) {
		panic("build.Lambda: not an identifier: " + arg)
	}
	return &lambdaExpr{arg: arg, body: body}
}

// Call is the application fn arg1 arg2 ...
func Call(fn Expr, args ...Expr) Expr { return &callExpr{fn: fn, args: slices.Clone(args)} }

// Binary is l op r for one of Nix's binary operators (+ - * / ++ // ==
// != < <= > >= && || ->). It panics on another op: operators come from the
// program, never from input.
func Binary(l Expr, op string, r Expr) Expr {
	switch op {
	case "+", "-", "*", "/", "++", "//", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "->":
	default:
		panic("build.Binary: not an operator: " + op)
	}
	return &binaryExpr{l: l, op: op, r: r}
}

// Interp is a double-quoted string with interpolations: the parts made by
// Str or Quoted are literal text (escaped), any other part is interpolated
// as ${part}.
func Interp(parts ...Expr) Expr {
	var out interpExpr
	for _, p := range parts {
		// Adjacent literal parts become one, so that escaping sees what
		// follows each piece of text.
		if s, ok := p.(strLit); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(strLit); ok {
				out[len(out)-1] = strLit{s: prev.s + s.s}
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// Raw is Nix source printed as is, after a syntax check; at is where the
// source comes from (a TOML value), so that diagnostics point into it. Free
// variables are allowed.
func Raw(src string, at diag.Pos) (Expr, []diag.Diagnostic) {
	src = strings.TrimSpace(src)
	if ds := syntax.CheckExpr(src, at); len(ds) > 0 {
		return nil, ds
	}
	if src == "" {
		return nil, []diag.Diagnostic{{Pos: at, Code: "nix-syntax", Message: "empty Nix expression"}}
	}
	return rawExpr(src), nil
}

// FormatFloat renders f as a Nix float literal (always with a '.'); NaN
// and infinities have none.
func FormatFloat(f float64) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	s := strconvFloat(math.Abs(f))
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	if f < 0 || (f == 0 && math.Signbit(f)) {
		s = "-" + s
	}
	return s, true
}

// AttrSet is an attribute set (or the bindings of a let) under
// construction. Bindings print in the order they were added.
type AttrSet struct {
	binds []Binding
	rec   bool
	// printed is what printers made of a fixed set (see Fixed).
	printed *printMemo
}

// printMemo is the text of a fixed attribute set, by the depth it was
// printed at (its layout depends on nothing else).
type printMemo struct {
	mu   sync.Mutex
	text map[int][]byte
}

// Fixed marks a as final: nothing is added to it or below it any more.
// A printer then prints it once at each depth and copies that text where
// it is printed again (a set that many files share). It returns a.
func (a *AttrSet) Fixed() *AttrSet {
	if a.printed == nil {
		a.printed = &printMemo{}
	}
	return a
}

// Binding is one binding of an attribute set: `path = value;`, or
// `inherit (from) names;` when made by AttrSet.Inherit or InheritFrom.
type Binding struct {
	Path  []string
	Value Expr
	// Comments are printed before the binding, one `#` line per line of
	// text (a comment never ends early, whatever it holds).
	Comments []string
	// Blank puts an empty line before the binding (not the first).
	Blank bool
	// inherit makes the binding `inherit ...;` (see AttrSet.Inherit): a
	// pointer, since it is rare, keeps a Binding at 80 bytes (the host
	// files of a large fleet hold millions).
	inherit *inheritance
}

// inheritance is what `inherit (from) names;` inherits.
type inheritance struct {
	names []string
	from  Expr // nil: from the enclosing scope
}

// Attrs returns an empty attribute set.
func Attrs() *AttrSet { return &AttrSet{} }

// RecAttrs returns an empty recursive attribute set (rec { ... }).
func RecAttrs() *AttrSet { return &AttrSet{rec: true} }

// Set binds name = v.
func (a *AttrSet) Set(name string, v Expr) *AttrSet {
	a.binds = append(a.binds, Binding{Path: []string{name}, Value: v})
	return a
}

// SetPath binds a nested path: a.b.c = v.
func (a *AttrSet) SetPath(path []string, v Expr) *AttrSet {
	a.binds = append(a.binds, Binding{Path: slices.Clone(path), Value: v})
	return a
}

// Inherit adds `inherit names;`.
func (a *AttrSet) Inherit(names ...string) *AttrSet {
	a.binds = append(a.binds, Binding{inherit: &inheritance{names: slices.Clone(names)}})
	return a
}

// InheritFrom adds `inherit (from) names;`.
func (a *AttrSet) InheritFrom(from Expr, names ...string) *AttrSet {
	a.binds = append(a.binds, Binding{inherit: &inheritance{names: slices.Clone(names), from: from}})
	return a
}

// Add appends a binding as given (for comments and blank lines).
func (a *AttrSet) Add(b Binding) *AttrSet {
	a.binds = append(a.binds, b)
	return a
}

// Grow makes room for n more bindings.
func (a *AttrSet) Grow(n int) *AttrSet {
	a.binds = slices.Grow(a.binds, n)
	return a
}

// Len is the number of bindings.
func (a *AttrSet) Len() int { return len(a.binds) }

var keywords = []string{"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"}

// IsIdent reports whether s is a Nix identifier that is not a keyword:
// [a-zA-Z_][a-zA-Z0-9_'-]*. (A loop, not a regular expression: the
// printer asks for every attribute name it writes.)
func IsIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '\'' || c == '-'):
		default:
			return false
		}
	}
	return !isKeyword(s)
}

// isKeyword reports whether s is one of keywords (a switch: the printer
// asks for every attribute name it writes).
func isKeyword(s string) bool {
	switch s {
	case "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or":
		return true
	}
	return false
}

// AttrName renders one attribute name: bare when it is an identifier,
// quoted otherwise.
func AttrName(k string) string {
	if IsIdent(k) {
		return k
	}
	return Quote(k)
}

// AttrPath renders an attribute path, each name by AttrName.
func AttrPath(p ...string) string {
	parts := make([]string, len(p))
	for i, k := range p {
		parts[i] = AttrName(k)
	}
	return strings.Join(parts, ".")
}

// IsScalar reports whether e is a string, number, boolean or null literal.
func IsScalar(e Expr) bool {
	switch e.(type) {
	case strLit, intLit, floatLit, boolLit, nullLit:
		return true
	}
	return false
}
