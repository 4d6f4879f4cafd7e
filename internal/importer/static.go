package importer

import (
	"path/filepath"
	"strings"

	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// The flake is read by a small static evaluator over the syntax tree: it
// follows let bindings, attribute sets, lists, functions defined in the
// flake (helpers that build hosts), string and path interpolation, ++ and
// //, and knows the inputs by name. Anything else is an opaque value that
// keeps its expression, so that the report can point at it.

type value interface{}

type (
	vStr  string
	vPath string // absolute
	vList struct {
		items []*thunk
	}
	vAttrs struct {
		names []string
		m     map[string]*thunk
		src   syntax.Expr // where the set is written, nil when built
		env   *env
	}
	vLambda struct {
		l   *syntax.Lambda
		env *env
	}
	// vInput is a flake input, or an attribute path below one
	// (home-manager.nixosModules.home-manager).
	vInput struct {
		name string
		path []string
	}
	// vInputs is the set of all inputs (the @inputs of outputs).
	vInputs struct{}
	// vImport is import PATH.
	vImport string
	// vSystem is a call of nixpkgs.lib.nixosSystem or
	// nix-darwin.lib.darwinSystem.
	vSystem struct {
		platform string // nixos | darwin
		input    string
		arg      *thunk
		call     syntax.Expr
	}
	vUnknown struct{ x syntax.Expr }
)

type env struct {
	vars map[string]*thunk
	up   *env
}

func (e *env) lookup(name string) *thunk {
	for ; e != nil; e = e.up {
		if t, ok := e.vars[name]; ok {
			return t
		}
	}
	return nil
}

type thunk struct {
	x    syntax.Expr
	env  *env
	v    value
	fn   func() value // computes the value instead of x
	done bool
	busy bool
}

func valueThunk(v value) *thunk { return &thunk{v: v, done: true} }

type evaluator struct {
	f     *syntax.File
	dir   string // the flake's folder
	steps int
}

// maxSteps bounds the evaluation of pathological input (recursive
// helpers): past it every value is opaque.
const maxSteps = 100000

func (ev *evaluator) force(t *thunk) value {
	if t == nil {
		return vUnknown{}
	}
	if t.done {
		return t.v
	}
	if t.busy {
		return vUnknown{x: t.x}
	}
	t.busy = true
	if t.fn != nil {
		t.v = t.fn()
	} else {
		t.v = ev.eval(t.x, t.env)
	}
	t.busy, t.done = false, true
	return t.v
}

func (ev *evaluator) eval(x syntax.Expr, e *env) value {
	ev.steps++
	if ev.steps > maxSteps || x == nil {
		return vUnknown{x: x}
	}
	switch x := x.(type) {
	case *syntax.Paren:
		return ev.eval(x.X, e)
	case *syntax.String:
		if s, ok := syntax.StringValue(x); ok {
			return vStr(s)
		}
		if s, ok := ev.parts(x.Parts, e); ok && x.Open != nil && x.Open.Kind == syntax.TokQuote {
			return vStr(s)
		}
	case *syntax.Path:
		s, ok := ev.parts(x.Parts, e)
		if !ok {
			break
		}
		if strings.HasPrefix(s, "/") {
			return vPath(filepath.Clean(s))
		}
		if strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
			return vPath(filepath.Join(ev.dir, s))
		}
	case *syntax.Ident:
		if x.Tok == nil {
			break
		}
		if t := e.lookup(x.Tok.Text); t != nil {
			return ev.force(t)
		}
	case *syntax.List:
		l := vList{}
		for _, it := range x.Elems {
			l.items = append(l.items, &thunk{x: it, env: e})
		}
		return l
	case *syntax.AttrSet:
		inner := e
		if x.RecTok != nil {
			inner = &env{vars: map[string]*thunk{}, up: e}
		}
		a := ev.attrs(x.Binds, inner, e)
		if a == nil {
			break
		}
		a.src, a.env = x, e
		if x.RecTok != nil {
			for n, t := range a.m {
				inner.vars[n] = t
			}
		}
		return *a
	case *syntax.Let:
		inner := &env{vars: map[string]*thunk{}, up: e}
		a := ev.attrs(x.Binds, inner, inner)
		if a == nil {
			break
		}
		for n, t := range a.m {
			inner.vars[n] = t
		}
		return ev.eval(x.Body, inner)
	case *syntax.Lambda:
		return vLambda{l: x, env: e}
	case *syntax.Select:
		v := ev.eval(x.X, e)
		if x.Path == nil {
			break
		}
		for _, n := range x.Path.Names {
			name, ok := ev.f.AttrNameText(n)
			if !ok {
				return vUnknown{x: x}
			}
			switch cur := v.(type) {
			case vAttrs:
				t, ok := cur.m[name]
				if !ok {
					if x.Default != nil {
						return ev.eval(x.Default, e)
					}
					return vUnknown{x: x}
				}
				v = ev.force(t)
			case vInputs:
				v = vInput{name: name}
			case vInput:
				v = vInput{name: cur.name, path: append(append([]string(nil), cur.path...), name)}
			default:
				return vUnknown{x: x}
			}
		}
		return v
	case *syntax.Apply:
		return ev.apply(x, e)
	case *syntax.Binary:
		if x.Op == nil {
			break
		}
		switch x.Op.Text {
		case "++":
			l, ok1 := ev.eval(x.X, e).(vList)
			r, ok2 := ev.eval(x.Y, e).(vList)
			if ok1 && ok2 {
				return vList{items: append(append([]*thunk(nil), l.items...), r.items...)}
			}
		case "//":
			l, ok1 := ev.eval(x.X, e).(vAttrs)
			r, ok2 := ev.eval(x.Y, e).(vAttrs)
			if ok1 && ok2 {
				out := vAttrs{m: map[string]*thunk{}}
				for _, n := range l.names {
					out.names = append(out.names, n)
					out.m[n] = l.m[n]
				}
				for _, n := range r.names {
					if _, ok := out.m[n]; !ok {
						out.names = append(out.names, n)
					}
					out.m[n] = r.m[n]
				}
				return out
			}
		case "+":
			l, ok1 := ev.eval(x.X, e).(vStr)
			r, ok2 := ev.eval(x.Y, e).(vStr)
			if ok1 && ok2 {
				return l + r
			}
		}
	}
	return vUnknown{x: x}
}

// parts evaluates the pieces of a string or path made of text and
// interpolated strings.
func (ev *evaluator) parts(ps []syntax.Part, e *env) (string, bool) {
	var b strings.Builder
	for _, p := range ps {
		switch p := p.(type) {
		case *syntax.Text:
			if p.Tok == nil || strings.Contains(p.Tok.Text, `\`) {
				return "", false
			}
			b.WriteString(p.Tok.Text)
		case *syntax.Interp:
			s, ok := ev.eval(p.X, e).(vStr)
			if !ok {
				return "", false
			}
			b.WriteString(string(s))
		}
	}
	return b.String(), true
}

// attrs reads bindings: values are evaluated in valEnv, inherited names
// looked up in inheritEnv. Nested paths (a.b = x) make nested sets. It
// returns nil when a name is not static.
func (ev *evaluator) attrs(binds []syntax.Binding, valEnv, inheritEnv *env) *vAttrs {
	a := &vAttrs{m: map[string]*thunk{}}
	for _, b := range binds {
		switch b := b.(type) {
		case *syntax.Assign:
			if b.Path == nil || len(b.Path.Names) == 0 {
				return nil
			}
			var path []string
			for _, n := range b.Path.Names {
				name, ok := ev.f.AttrNameText(n)
				if !ok {
					return nil
				}
				path = append(path, name)
			}
			ev.setPath(a, path, &thunk{x: b.Value, env: valEnv}, valEnv)
		case *syntax.Inherit:
			for _, n := range b.Names {
				name, ok := ev.f.AttrNameText(n)
				if !ok {
					return nil
				}
				var t *thunk
				if b.From != nil {
					from := &thunk{x: b.From, env: inheritEnv}
					nm := name
					t = &thunk{fn: func() value { return ev.selectLazy(from, nm) }}
				} else {
					t = inheritEnv.lookup(name)
					if t == nil {
						t = valueThunk(vUnknown{})
					}
				}
				ev.setPath(a, []string{name}, t, valEnv)
			}
		default:
			return nil
		}
	}
	return a
}

func (ev *evaluator) selectLazy(from *thunk, name string) value {
	switch v := ev.force(from).(type) {
	case vAttrs:
		if t, ok := v.m[name]; ok {
			return ev.force(t)
		}
	case vInputs:
		return vInput{name: name}
	case vInput:
		return vInput{name: v.name, path: append(append([]string(nil), v.path...), name)}
	}
	return vUnknown{}
}

func (ev *evaluator) setPath(a *vAttrs, path []string, t *thunk, e *env) {
	name := path[0]
	if len(path) == 1 {
		if old, ok := a.m[name]; ok {
			// { a.b = 1; a = { c = 2; }; }: merge two sets.
			ov, ok1 := ev.force(old).(vAttrs)
			nv, ok2 := ev.force(t).(vAttrs)
			if ok1 && ok2 {
				for _, n := range nv.names {
					ev.setPath(&ov, []string{n}, nv.m[n], e)
				}
				a.m[name] = valueThunk(ov)
				return
			}
		} else {
			a.names = append(a.names, name)
		}
		a.m[name] = t
		return
	}
	var inner vAttrs
	if old, ok := a.m[name]; ok {
		if ov, ok := ev.force(old).(vAttrs); ok {
			inner = ov
		}
	} else {
		a.names = append(a.names, name)
	}
	if inner.m == nil {
		inner.m = map[string]*thunk{}
	}
	ev.setPath(&inner, path[1:], t, e)
	a.m[name] = valueThunk(inner)
}

func (ev *evaluator) apply(x *syntax.Apply, e *env) value {
	fn, args := flatten(x)
	if id, ok := fn.(*syntax.Ident); ok && id.Tok != nil && id.Tok.Text == "import" && e.lookup("import") == nil && len(args) == 1 {
		if p, ok := ev.eval(args[0], e).(vPath); ok {
			return vImport(p)
		}
		return vUnknown{x: x}
	}
	f := ev.eval(fn, e)
	for i, arg := range args {
		at := &thunk{x: arg, env: e}
		switch cur := f.(type) {
		case vLambda:
			f = ev.call(cur, at)
		case vInput:
			if len(cur.path) == 2 && cur.path[0] == "lib" && cur.path[1] == "mkFlake" && i == len(args)-2 {
				return ev.mkFlake(&thunk{x: args[i+1], env: e})
			}
			if len(cur.path) == 2 && cur.path[0] == "lib" && (cur.path[1] == "nixosSystem" || cur.path[1] == "darwinSystem") && i == len(args)-1 {
				platform := "nixos"
				if cur.path[1] == "darwinSystem" {
					platform = "darwin"
				}
				return vSystem{platform: platform, input: cur.name, arg: at, call: x}
			}
			return vUnknown{x: x}
		default:
			return vUnknown{x: x}
		}
	}
	return f
}

func (ev *evaluator) call(l vLambda, arg *thunk) value {
	inner := &env{vars: map[string]*thunk{}, up: l.env}
	if l.l.Arg != nil {
		inner.vars[l.l.Arg.Text] = arg
	}
	if l.l.Formals != nil {
		a, _ := ev.force(arg).(vAttrs)
		for _, fm := range l.l.Formals.Items {
			if fm.Name == nil {
				continue
			}
			if t, ok := a.m[fm.Name.Text]; ok {
				inner.vars[fm.Name.Text] = t
			} else if fm.Default != nil {
				inner.vars[fm.Name.Text] = &thunk{x: fm.Default, env: inner}
			} else {
				inner.vars[fm.Name.Text] = valueThunk(vUnknown{})
			}
		}
	}
	return ev.eval(l.l.Body, inner)
}

// flatten turns f a b c into f and [a b c].
func flatten(x *syntax.Apply) (syntax.Expr, []syntax.Expr) {
	var args []syntax.Expr
	var fn syntax.Expr = x
	for {
		a, ok := fn.(*syntax.Apply)
		if !ok {
			break
		}
		args = append([]syntax.Expr{a.Arg}, args...)
		fn = a.Fn
	}
	return fn, args
}

// mkFlake reads flake-parts' mkFlake { inherit inputs; } module: the
// outputs are the module's flake attribute (perSystem outputs are not
// read).
func (ev *evaluator) mkFlake(module *thunk) value {
	m := ev.force(module)
	if l, ok := m.(vLambda); ok {
		args := vAttrs{names: []string{"inputs", "self"}, m: map[string]*thunk{
			"inputs": valueThunk(vInputs{}), "self": valueThunk(vInput{name: "self"}),
		}}
		m = ev.call(l, valueThunk(args))
	}
	a, ok := m.(vAttrs)
	if !ok {
		return vUnknown{x: module.x}
	}
	t, ok := a.m["flake"]
	if !ok {
		return vAttrs{m: map[string]*thunk{}}
	}
	return ev.force(t)
}
