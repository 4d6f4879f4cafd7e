package syntax

import (
	"sync"

	"github.com/fleetdev/fleet/internal/diag"
)

// isBaseName reports whether name is bound in Nix 2.8's base environment
// with default settings (no experimental features): the builtins reachable
// without the builtins. prefix, and the __-prefixed ones.
func isBaseName(name string) bool {
	switch name {
	case "__add", "__addErrorContext", "__all", "__any", "__appendContext", "__attrNames",
		"__attrValues", "__bitAnd", "__bitOr", "__bitXor", "__catAttrs", "__ceil",
		"__compareVersions", "__concatLists", "__concatMap", "__concatStringsSep", "__currentSystem", "__currentTime",
		"__deepSeq", "__div", "__elem", "__elemAt", "__fetchurl", "__filter",
		"__filterSource", "__findFile", "__floor", "__foldl'", "__fromJSON", "__functionArgs",
		"__genList", "__genericClosure", "__getAttr", "__getContext", "__getEnv", "__groupBy",
		"__hasAttr", "__hasContext", "__hashFile", "__hashString", "__head", "__intersectAttrs",
		"__isAttrs", "__isBool", "__isFloat", "__isFunction", "__isInt", "__isList",
		"__isPath", "__isString", "__langVersion", "__length", "__lessThan", "__listToAttrs",
		"__mapAttrs", "__match", "__mul", "__nixPath", "__nixVersion", "__parseDrvName",
		"__partition", "__path", "__pathExists", "__readDir", "__readFile", "__replaceStrings",
		"__seq", "__sort", "__split", "__splitVersion", "__storeDir", "__storePath",
		"__stringLength", "__sub", "__substring", "__tail", "__toFile", "__toJSON",
		"__toPath", "__toXML", "__trace", "__tryEval", "__typeOf", "__unsafeDiscardOutputDependency",
		"__unsafeDiscardStringContext", "__unsafeGetAttrPos", "__zipAttrsWith", "abort", "baseNameOf", "builtins",
		"derivation", "derivationStrict", "dirOf", "false", "fetchGit", "fetchMercurial",
		"fetchTarball", "fetchTree", "fromTOML", "import", "isNull", "map",
		"null", "placeholder", "removeAttrs", "scopedImport", "throw", "toString",
		"true":
		return true
	}
	return false
}

// env is a static environment of Nix's bindVars: the names a let,
// recursive set or function binds, or a with (which may bind anything).
type env struct {
	up    *env
	with  bool
	names []string
	set   map[string]struct{} // for large environments
}

func (e *env) add(name string) {
	if e.set != nil {
		e.set[name] = struct{}{}
	} else {
		e.names = append(e.names, name)
	}
}

func (e *env) has(name string) bool {
	if e.set != nil {
		_, ok := e.set[name]
		return ok
	}
	for _, n := range e.names {
		if n == name {
			return true
		}
	}
	return false
}

type scoper struct {
	errs  []parseError
	seen  map[int]bool // offsets reported, created on the first error
	envs  slab[env]
	names pool[string]
}

func (sc *scoper) reset() {
	sc.errs, sc.seen = sc.errs[:0], nil
	sc.envs.reset()
	sc.names.reset()
}

func (sc *scoper) newEnv(up *env, n int) *env {
	e := sc.envs.new(env{up: up})
	if n > indexThreshold {
		e.set = make(map[string]struct{}, n)
	} else {
		e.names = sc.names.alloc(0, n)
	}
	return e
}

// CheckScope reports the variables of f that no let, recursive set,
// function or with binds and that are not in Nix's base environment: Nix
// rejects those while parsing ("undefined variable"). It reports nothing
// for a file with syntax errors.
func (f *File) CheckScope() []diag.Diagnostic {
	if f.low == nil {
		return nil
	}
	sc := &scoper{}
	if f.parser != nil {
		sc = &f.parser.sc
		sc.reset()
	}
	sc.bind(f.low, nil)
	return f.diagnostics(sc.errs)
}

func (sc *scoper) lookup(name string, off int, e *env) {
	for ; e != nil; e = e.up {
		if e.with || e.has(name) {
			return
		}
	}
	if isBaseName(name) || sc.seen[off] {
		return
	}
	if sc.seen == nil {
		sc.seen = map[int]bool{}
	}
	sc.seen[off] = true
	sc.errs = append(sc.errs, parseError{off: off, msg: "undefined variable '" + name + "'", relOff: -1})
}

func (sc *scoper) path(path []lName, e *env) {
	for _, n := range path {
		if n.dyn != nil {
			sc.bind(n.dyn, e)
		}
	}
}

func (sc *scoper) bind(x lexpr, e *env) {
	// Along a chain of operators and calls, bind the other children and
	// go on with the chain's child, without recursing along it.
	for {
		c, k := next(x)
		if k == -2 {
			break
		}
		skip := k
		if _, call := x.(*lCall); call {
			skip = k + 1 // children lists the function first
		}
		for i, y := range children(x) {
			if i != skip {
				sc.bind(y, e)
			}
		}
		x = c
	}
	switch x := x.(type) {
	case *lVar:
		sc.lookup(x.name, x.off, e)
	case *lSelect:
		sc.bind(x.e, e)
		sc.path(x.path, e)
		if x.def != nil {
			sc.bind(x.def, e)
		}
	case *lHas:
		sc.bind(x.e, e)
		sc.path(x.path, e)
	case *lAttrs:
		inner := e
		if x.rec {
			inner = sc.newEnv(e, len(x.defs))
			for _, d := range x.defs {
				inner.add(d.name)
			}
		}
		for _, d := range x.defs {
			if d.inherited {
				sc.bind(d.e, e)
			} else {
				sc.bind(d.e, inner)
			}
		}
		for _, d := range x.dyn {
			sc.bind(d.name, inner)
			sc.bind(d.val, inner)
		}
	case *lList:
		for _, y := range x.elems {
			sc.bind(y, e)
		}
	case *lLambda:
		inner := sc.newEnv(e, len(x.formals)+1)
		if x.arg != "" {
			inner.add(x.arg)
		}
		for _, f := range x.formals {
			inner.add(f.name)
		}
		for _, f := range x.formals {
			if f.def != nil {
				sc.bind(f.def, inner)
			}
		}
		sc.bind(x.body, inner)
	case *lCall:
		sc.bind(x.fn, e)
		for _, a := range x.args {
			sc.bind(a, e)
		}
	case *lLet:
		inner := sc.newEnv(e, len(x.attrs.defs))
		for _, d := range x.attrs.defs {
			inner.add(d.name)
		}
		for _, d := range x.attrs.defs {
			if d.inherited {
				sc.bind(d.e, e)
			} else {
				sc.bind(d.e, inner)
			}
		}
		sc.bind(x.body, inner)
	case *lWith:
		sc.bind(x.env, e)
		sc.bind(x.body, sc.envs.new(env{up: e, with: true}))
	case *lIf:
		sc.bind(x.c, e)
		sc.bind(x.t, e)
		sc.bind(x.e, e)
	case *lAssert:
		sc.bind(x.c, e)
		sc.bind(x.b, e)
	case *lNot:
		sc.bind(x.e, e)
	case *lBin:
		sc.bind(x.a, e)
		sc.bind(x.b, e)
	case *lConcat:
		for _, y := range x.es {
			sc.bind(y, e)
		}
	}
}

// Check reports everything `nix-instantiate --parse` of Nix 2.8 rejects in
// src: the errors of Parse and undefined variables. Generators run it on
// every file they write. It reuses parsers' memory from call to call
// (and is safe for concurrent use).
func Check(filename string, src []byte) []diag.Diagnostic {
	p := checkers.Get().(*Parser)
	defer checkers.Put(p)
	return p.Check(filename, src)
}

// checkers are the parsers Check reuses.
var checkers = sync.Pool{New: func() any { return new(Parser) }}

// Check is the package's Check with p's options and memory: the
// diagnostics stay valid after p parses another file.
func (p *Parser) Check(filename string, src []byte) []diag.Diagnostic {
	f, ds := p.Parse(filename, src)
	if len(ds) > 0 {
		return ds
	}
	return f.CheckScope()
}

// CheckExpr syntax-checks a standalone expression, such as the text of an
// { expr = "..." } value in TOML. Free variables are allowed (the
// expression is placed in a module where config, lib, pkgs and others are
// bound). Positions are reported as if the expression started at at: the
// first line is shifted by at's column, later lines by at's line.
func CheckExpr(expr string, at diag.Pos) []diag.Diagnostic {
	_, ds := Parse(at.File, []byte(expr))
	line, col := max(at.Line, 1), max(at.Col, 1)
	shift := func(p diag.Pos) diag.Pos {
		if p.Line == 1 {
			p.Col += col - 1
		}
		p.Line += line - 1
		return p
	}
	for i := range ds {
		ds[i].Pos = shift(ds[i].Pos)
		for j := range ds[i].Related {
			ds[i].Related[j].Pos = shift(ds[i].Related[j].Pos)
		}
	}
	return ds
}
