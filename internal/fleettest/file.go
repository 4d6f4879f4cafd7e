// Package fleettest owns a fleet's configuration tests: tests/<name>.toml
// files of assertions over evaluated hosts (values at a path, and facts
// fleet derives such as an enabled module, a readable secret, an open
// firewall port), snapshot tests of resolved subtrees, running them with
// the provenance of every failing value, and the reports (text, JSON,
// JUnit XML). It also owns the NixOS VM tests a fleet declares under
// tests/vm/, which generation wires into the flake's checks.
package fleettest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
)

// Dir is the folder of a fleet's tests.
const Dir = "tests"

// Test is one tests/<name>.toml file.
type Test struct {
	// Name is the file's name without .toml.
	Name string
	// File is the file relative to the fleet root.
	File        string
	Description string
	Asserts     []*Assertion
}

// Subject says what an assertion looks at.
type Subject string

// Subjects: a value at a path, or a fact fleet derives from the host.
const (
	SubjectPath      Subject = "path"
	SubjectModule    Subject = "module_enabled"
	SubjectContainer Subject = "container_enabled"
	SubjectDecrypt   Subject = "can_decrypt"
	SubjectUser      Subject = "user_exists"
	SubjectPort      Subject = "port_open"
	// SubjectSnapshot compares a resolved subtree with the recorded one.
	SubjectSnapshot Subject = "snapshot"
)

var factSubjects = []Subject{SubjectModule, SubjectContainer, SubjectDecrypt, SubjectUser, SubjectPort}

// Assertion is one [[assert]] or [[snapshot]] of a test.
type Assertion struct {
	// Pos is where the table starts in the test file.
	Pos  diag.Pos
	Name string
	// Hosts are the names of the hosts the assertion applies to, in fleet
	// order.
	Hosts []string

	Subject Subject
	// Path is the dotted path of SubjectPath and SubjectSnapshot.
	Path []string
	// Arg is the fact's argument: a module, container, secret or user
	// name, or a port ("22", "53/udp").
	Arg string
	// port and proto are SubjectPort's argument, parsed.
	port  int64
	proto string

	Equals   *inventory.Value
	Contains *inventory.Value
	Matches  *regexp.Regexp
	Absent   *bool
	OneOf    []*inventory.Value
	Min, Max *inventory.Value
}

// Label names the assertion in reports: its name, or what it checks.
func (a *Assertion) Label() string {
	if a.Name != "" {
		return a.Name
	}
	subj := a.Arg
	switch a.Subject {
	case SubjectPath:
		return eval.JoinPath(a.Path) + " " + a.expectation()
	case SubjectSnapshot:
		return "snapshot of " + eval.JoinPath(a.Path)
	case SubjectPort:
		subj = a.portName()
	}
	return string(a.Subject) + " " + subj + " " + a.expectation()
}

func (a *Assertion) portName() string { return strconv.FormatInt(a.port, 10) + "/" + a.proto }

var (
	testKeys   = []string{"description", "hosts", "assert", "snapshot"}
	assertKeys = []string{"name", "hosts", "path", "module_enabled", "container_enabled", "can_decrypt", "user_exists", "port_open",
		"equals", "contains", "matches", "absent", "one_of", "min", "max"}
	snapshotKeys = []string{"name", "hosts", "path"}
	expectKeys   = []string{"equals", "contains", "matches", "absent", "one_of", "min", "max"}
)

// Files lists the test files of the fleet at root, relative to it, sorted.
func Files(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, Dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".toml") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, Dir+"/"+e.Name())
		}
	}
	return out, nil
}

// Load reads every tests/*.toml of a fleet strictly, resolving host
// selectors and checking names against the inventory. Problems are
// positioned diagnostics; a test with errors is left out.
func Load(inv *inventory.Inventory) ([]*Test, *diag.List) {
	dl := &diag.List{}
	files, err := Files(inv.Root)
	if err != nil {
		dl.Errorf(diag.Pos{File: Dir}, "read", "cannot read %s: %v", Dir, err)
		return nil, dl
	}
	var tests []*Test
	for _, rel := range files {
		src, err := os.ReadFile(filepath.Join(inv.Root, filepath.FromSlash(rel)))
		if err != nil {
			dl.Errorf(diag.Pos{File: rel}, "read", "cannot read %s: %v", rel, errors.Unwrap(err))
			continue
		}
		if t := Parse(inv, rel, src, dl); t != nil {
			tests = append(tests, t)
		}
	}
	return tests, dl
}

// Parse reads one test file; rel names it in positions. It returns nil
// when the file has errors, which go to dl.
func Parse(inv *inventory.Inventory, rel string, src []byte, dl *diag.List) *Test {
	root, ds := inventory.ParseTOML(rel, src)
	local := &diag.List{}
	for _, d := range ds {
		local.Add(d)
	}
	if root == nil {
		dl.Append(local)
		return nil
	}
	p := &parser{inv: inv, dl: local, dec: inventory.NewDecoder(local)}
	t := &Test{Name: strings.TrimSuffix(filepath.Base(rel), ".toml"), File: rel}
	p.dec.Keys(root, filepath.Base(rel), testKeys...)
	t.Description = p.dec.Str(root, "description").V
	defaults := p.selectors(root, nil)
	for _, kind := range []string{"assert", "snapshot"} {
		v := root.Get(kind)
		if v == nil {
			continue
		}
		if v.Kind != inventory.Array || len(v.List) == 0 || v.List[0].Kind != inventory.Table || v.List[0].Inline {
			p.dec.WrongType(v, kind, "an array of tables: write [["+kind+"]] above each one")
			continue
		}
		for _, e := range v.List {
			if a := p.assertion(kind, e, defaults); a != nil {
				t.Asserts = append(t.Asserts, a)
			}
		}
	}
	if len(t.Asserts) == 0 && !local.HasErrors() {
		local.Errorf(diag.Pos{File: rel, Line: 1, Col: 1}, "empty-test", "test %s asserts nothing", t.Name).
			Hint("add an [[assert]] with a path and an expectation, such as path = \"settings.openssh.passwordAuthentication\" and equals = false")
	}
	dl.Append(local)
	if local.HasErrors() {
		return nil
	}
	return t
}

type parser struct {
	inv *inventory.Inventory
	dl  *diag.List
	dec *inventory.Decoder
}

// selectors resolves a table's hosts key; without one, def (all hosts
// when nil).
func (p *parser) selectors(t *inventory.Value, def []string) []string {
	sels := p.dec.StrList(t, "hosts")
	if sels == nil {
		if def != nil {
			return def
		}
		return p.inv.HostNames()
	}
	picked := map[string]bool{}
	for _, s := range sels {
		names, err := eval.Select(p.inv, []string{s.V})
		if err != nil {
			d := p.dl.Errorf(s.Pos, "select", "%v", err)
			var se *eval.SelectError
			if errors.As(err, &se) && se.Hint != "" {
				d.Hint("%s", se.Hint)
			} else {
				d.Hint("select hosts by name, glob (web-*), @role, %%profile or platform:nixos")
			}
			continue
		}
		for _, n := range names {
			picked[n] = true
		}
	}
	var out []string
	for _, n := range p.inv.HostNames() {
		if picked[n] {
			out = append(out, n)
		}
	}
	return out
}

func (p *parser) assertion(kind string, t *inventory.Value, defaults []string) *Assertion {
	errs := p.dl.Len()
	what := "[[" + kind + "]]"
	a := &Assertion{Pos: t.Pos, Name: p.dec.Str(t, "name").V}
	a.Hosts = p.selectors(t, defaults)
	if kind == "snapshot" {
		p.dec.Keys(t, what, snapshotKeys...)
		a.Subject = SubjectSnapshot
		path := p.dec.Str(t, "path")
		if !path.IsSet() {
			p.dl.Errorf(t.Pos, "missing-key", "%s needs a path", what).Hint(`add path = "settings.<module>", the subtree to record`)
			return nil
		}
		a.Path = p.path(path)
		return p.done(a, errs)
	}
	p.dec.Keys(t, what, assertKeys...)
	var subjects []string
	for _, k := range assertKeys[2:8] {
		if t.Get(k) != nil {
			subjects = append(subjects, k)
		}
	}
	switch len(subjects) {
	case 0:
		p.dl.Errorf(t.Pos, "missing-key", "%s says nothing to check", what).
			Hint("give one of path, module_enabled, container_enabled, can_decrypt, user_exists, port_open")
		return nil
	case 1:
	default:
		p.dl.Errorf(t.Get(subjects[1]).KeyPos, "assert-subject", "%s checks one thing, but has both %s and %s", what, subjects[0], subjects[1]).
			Hint("split it into two [[assert]] tables")
		return nil
	}
	a.Subject = Subject(subjects[0])
	v := t.Get(subjects[0])
	switch a.Subject {
	case SubjectPath:
		a.Path = p.path(p.dec.Str(t, "path"))
	case SubjectPort:
		p.port(a, v)
	default:
		s := p.dec.Str(t, string(a.Subject))
		if s.IsSet() {
			a.Arg = s.V
			p.checkName(a.Subject, s, a.Hosts)
		}
	}
	p.expectations(a, t)
	return p.done(a, errs)
}

func (p *parser) done(a *Assertion, errs int) *Assertion {
	if p.dl.Len() > errs {
		return nil
	}
	return a
}

func (p *parser) path(s inventory.Str) []string {
	if !s.IsSet() {
		return nil
	}
	keys, err := eval.ParsePath(s.V)
	if err != nil {
		p.dl.Errorf(s.Pos, "path", "%v", err).Hint(`write a dotted path such as "settings.openssh.port" or "nixos.services.\"my-app\".enable"`)
		return nil
	}
	return keys
}

func (p *parser) port(a *Assertion, v *inventory.Value) {
	a.proto = "tcp"
	switch v.Kind {
	case inventory.Int:
		a.port = v.Int
	case inventory.String:
		num, proto, ok := strings.Cut(v.Str, "/")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || (ok && proto != "tcp" && proto != "udp") {
			p.dl.Errorf(v.Pos, "value", "port_open must be a port such as 22, \"22/tcp\" or \"53/udp\", not %q", v.Str)
			return
		}
		a.port = n
		if ok {
			a.proto = proto
		}
	default:
		p.dec.WrongType(v, "port_open", "a port number or a string such as \"53/udp\"")
		return
	}
	if a.port < 1 || a.port > 65535 {
		p.dl.Errorf(v.Pos, "value", "port_open must be between 1 and 65535, not %d", a.port)
	}
	a.Arg = a.portName()
}

// checkName reports a fact about a module, secret or user the fleet does
// not have: such an assertion would test a typo.
func (p *parser) checkName(s Subject, name inventory.Str, hosts []string) {
	var known []string
	switch s {
	case SubjectModule:
		seen := map[string]bool{}
		for _, mods := range p.inv.Modules {
			for m := range mods {
				if !seen[m] {
					seen[m] = true
					known = append(known, m)
				}
			}
		}
	case SubjectContainer:
		seen := map[string]bool{}
		add := func(n string) {
			if !seen[n] {
				seen[n] = true
				known = append(known, n)
			}
		}
		for n := range p.inv.Containers {
			add(n)
		}
		for _, ly := range layers(p.inv) {
			for _, s := range ly.ContainerList {
				add(s.V)
			}
			if ly.Containers != nil {
				for k := range ly.Containers.Entries() {
					add(k)
				}
			}
		}
	case SubjectDecrypt:
		for k := range p.inv.Secrets {
			known = append(known, k)
		}
	case SubjectUser:
		for k := range p.inv.Users {
			known = append(known, k)
		}
	default:
		return
	}
	if s == SubjectDecrypt && strings.Contains(name.V, "{host}") {
		// One secret per host: each selected host's must exist.
		for _, h := range hosts {
			if n := strings.ReplaceAll(name.V, "{host}", h); !slices.Contains(known, n) {
				p.dl.Errorf(name.Pos, "unknown-secret", "the fleet has no secret named %q (for host %s)", n, h).
					Hint("create it with: fleet secrets edit secrets/%s.yaml, or select only the hosts that have one", n)
			}
		}
		return
	}
	if slices.Contains(known, name.V) {
		return
	}
	slices.Sort(known)
	what := map[Subject]string{SubjectModule: "module", SubjectContainer: "container", SubjectDecrypt: "secret", SubjectUser: "user"}[s]
	d := p.dl.Errorf(name.Pos, "unknown-"+what, "the fleet has no %s named %q", what, name.V)
	if hint := diag.DidYouMean(name.V, known); hint != "" {
		d.Hint("%s", hint)
	} else if len(known) > 0 && len(known) <= 12 {
		d.Hint("%ss: %s", what, strings.Join(known, ", "))
	} else {
		d.Hint("%s", map[Subject]string{
			SubjectModule:    "write modules/<platform>/" + name.V + "/default.nix",
			SubjectContainer: "write containers/" + name.V + ".toml and run it with containers = [\"" + name.V + "\"]",
			SubjectDecrypt:   "create it with: fleet secrets edit secrets/" + name.V + ".yaml",
			SubjectUser:      "create users/" + name.V + "/user.toml",
		}[s])
	}
}

func (p *parser) expectations(a *Assertion, t *inventory.Value) {
	fact := slices.Contains(factSubjects, a.Subject)
	var given []string
	for _, k := range expectKeys {
		if t.Get(k) != nil {
			given = append(given, k)
		}
	}
	if fact {
		for _, k := range given {
			if k != "equals" {
				p.dl.Errorf(t.Get(k).KeyPos, "assert-expect", "%s is a fact that is true or false: use equals = true or false, not %s", a.Subject, k).
					Hint("leave the expectation out to assert that it holds")
			}
		}
		if eq := t.Get("equals"); eq != nil {
			if eq.Kind != inventory.Bool {
				p.dec.WrongType(eq, "equals", "true or false for "+string(a.Subject))
			}
			a.Equals = eq
		}
		return
	}
	if len(given) == 0 {
		p.dl.Errorf(t.Pos, "missing-key", "[[assert]] on %s has no expectation", eval.JoinPath(a.Path)).
			Hint("add one of equals, contains, matches, absent, one_of, min, max")
		return
	}
	ok := len(given) == 1 || (len(given) == 2 && given[0] == "min" && given[1] == "max")
	if !ok {
		p.dl.Errorf(t.Get(given[1]).KeyPos, "assert-expect", "[[assert]] has both %s and %s", given[0], given[1]).
			Hint("one expectation per [[assert]] (min and max go together): split it in two")
		return
	}
	a.Equals = t.Get("equals")
	a.Contains = t.Get("contains")
	if m := t.Get("matches"); m != nil {
		s := p.dec.Str(t, "matches")
		if s.IsSet() {
			re, err := regexp.Compile(s.V)
			if err != nil {
				p.dl.Errorf(s.Pos, "value", "matches is not a regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: ")).
					Hint("write RE2 syntax (https://github.com/google/re2/wiki/Syntax) in a literal string: matches = '^/dev/disk/by-id/'")
			}
			a.Matches = re
		}
	}
	if ab := t.Get("absent"); ab != nil {
		b := p.dec.Bool(t, "absent")
		if b.IsSet() {
			a.Absent = &b.V
		}
	}
	if one := t.Get("one_of"); one != nil {
		switch {
		case one.Kind != inventory.Array:
			p.dec.WrongType(one, "one_of", "an array of the values allowed")
		case len(one.List) == 0:
			p.dl.Errorf(one.Pos, "value", "one_of is empty: nothing can pass").Hint("list the values allowed")
		default:
			a.OneOf = one.List
		}
	}
	for _, k := range []string{"min", "max"} {
		if v := t.Get(k); v != nil {
			if v.Kind != inventory.Int && v.Kind != inventory.Float {
				p.dec.WrongType(v, k, "a number")
				continue
			}
			if k == "min" {
				a.Min = v
			} else {
				a.Max = v
			}
		}
	}
	if a.Min != nil && a.Max != nil && number(a.Min) > number(a.Max) {
		p.dl.Errorf(a.Max.Pos, "value", "max %s is below min %s: nothing can pass", a.Max.Describe(), a.Min.Describe())
	}
}

func number(v *inventory.Value) float64 {
	if v.Kind == inventory.Int {
		return float64(v.Int)
	}
	return v.Float
}

// expectation describes what the assertion expects.
func (a *Assertion) expectation() string {
	switch {
	case a.Subject == SubjectSnapshot:
		return "the recorded snapshot"
	case a.Equals != nil && a.Subject != SubjectPath:
		if a.Equals.Bool {
			return "is true"
		}
		return "is false"
	case a.Subject != SubjectPath:
		return "is true"
	case a.Equals != nil:
		return "= " + a.Equals.Describe()
	case a.Contains != nil:
		return "contains " + a.Contains.Describe()
	case a.Matches != nil:
		return "matches " + strconv.Quote(a.Matches.String())
	case a.Absent != nil && *a.Absent:
		return "is absent"
	case a.Absent != nil:
		return "is present"
	case a.OneOf != nil:
		return "is one of " + describeList(a.OneOf)
	case a.Min != nil && a.Max != nil:
		return fmt.Sprintf("is between %s and %s", a.Min.Describe(), a.Max.Describe())
	case a.Min != nil:
		return ">= " + a.Min.Describe()
	case a.Max != nil:
		return "<= " + a.Max.Describe()
	}
	return ""
}

func describeList(vs []*inventory.Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Describe()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// layers lists the layers that may run containers: common, profiles,
// roles and hosts.
func layers(inv *inventory.Inventory) []*inventory.Layer {
	var out []*inventory.Layer
	if inv.Common != nil {
		out = append(out, inv.Common)
	}
	for _, n := range sortedKeys(inv.Profiles) {
		out = append(out, &inv.Profiles[n].Layer)
	}
	for _, n := range sortedKeys(inv.Roles) {
		out = append(out, &inv.Roles[n].Layer)
	}
	for _, h := range inv.Hosts {
		out = append(out, &h.Layer)
	}
	return out
}
