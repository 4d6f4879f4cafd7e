package eval

import (
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// checkUpstream checks the option paths of a pass-through table against
// an index of upstream options: unknown options (with the closest
// declared name), and renamed or removed ones (with the replacement).
// Paths below a declaration the index could not read, and values of
// options, are accepted.
func (e *evaluator) checkUpstream(ix *options.Index, t *inventory.Value, path []string, class string) {
	if t == nil || t.Kind != inventory.Table || inventory.IsSpecial(t) {
		return
	}
	for k, f := range t.Entries() {
		p := append(slices.Clip(path), k)
		found := ix.Lookup(p)
		switch found.Verdict {
		case options.Declared:
			if len(found.Options) == 1 {
				if t := found.Options[0].ValueType(); t != nil {
					tc := &typeChecker{diags: e.diags}
					if msg := tc.mismatch(f, t, "["+class+"] "+strings.Join(p, "."), nil); msg != "" {
						e.diags.Errorf(f.Pos, "type", "%s", msg).
							Hint("%s is declared at %s as %s", strings.Join(p, "."), found.Options[0].Pos, found.Options[0].Type)
					}
					continue
				}
			}
			e.checkUpstream(ix, f, p, class)
		case options.Moved:
			r := found.Rename
			if r.Kind == options.Renamed && f.Kind == inventory.Table && !inventory.IsSpecial(f) && f.Len() > 0 {
				// Name the moved options themselves: hardware.opengl.enable
				// is hardware.graphics.enable.
				for c, x := range f.Entries() {
					reportMoved(e.diags, x.KeyPos, class, append(slices.Clip(p), c), r)
				}
				continue
			}
			reportMoved(e.diags, f.KeyPos, class, p, r)
		case options.Unknown_:
			dotted := strings.Join(p, ".")
			if r, ok := findRename(renames[class], dotted); ok {
				reportRename(e.diags, f.KeyPos, class, dotted, r)
				continue
			}
			if e.declaredByFleet(class, p) {
				continue
			}
			e.reportUnknownUpstream(ix, f.KeyPos, class, p, found)
		}
	}
}

// declaredByFleet reports whether the fleet's own modules of a class
// declare an option at or above path, or below it.
func (e *evaluator) declaredByFleet(class string, path []string) bool {
	dotted := strings.Join(path, ".")
	for _, m := range e.options[class] {
		if m == nil {
			continue
		}
		for _, en := range m.Entries() {
			if en.Path == dotted || strings.HasPrefix(dotted, en.Path+".") || strings.HasPrefix(en.Path, dotted+".") {
				return true
			}
		}
	}
	return false
}

// reportUnknownUpstream reports an option no indexed module declares. An
// unknown top-level name without a close match is a warning: a module of
// an input that is not indexed may declare it.
func (e *evaluator) reportUnknownUpstream(ix *options.Index, pos diag.Pos, class string, p []string, found options.Found) {
	where := strings.Join(p[:found.Depth], ".")
	name := strings.Join(p[:found.Depth+1], ".")
	var d *diag.Diagnostic
	if found.Depth == 0 && found.Suggest == "" {
		d = e.diags.Warnf(pos, "unknown-option", "[%s] no option %s in the indexed %s modules (%s)", class, name, class, treesOf(ix))
		d.Hint("a module of an input that is not indexed may declare it; otherwise check the name")
		return
	}
	d = e.diags.Errorf(pos, "unknown-option", "[%s] no option %s (%s)", class, name, treesOf(ix))
	if found.Suggest != "" {
		s := found.Suggest
		if where != "" {
			s = where + "." + s
		}
		d.Hint("did you mean %s?", s)
	} else if where != "" && len(found.Known) > 0 && len(found.Known) <= 12 {
		d.Hint("%s declares %s", where, strings.Join(found.Known, ", "))
	}
	if where != "" {
		d.Hint("fleet options search %s lists the options below %s", where, where)
	}
}

// treesOf names the trees an index was read from, such as
// "home-manager 1a2b3c4".
func treesOf(ix *options.Index) string {
	var out []string
	for _, t := range ix.Trees {
		s := t.Input
		if rev := t.Rev; rev != "" && !strings.HasPrefix(rev, "/") && len(rev) >= 7 {
			s += " " + rev[:7]
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// reportMoved reports a path an option-moving module declares.
func reportMoved(dl *diag.List, pos diag.Pos, class string, p []string, r *options.IndexRename) {
	from := r.From
	rest := strings.Join(p[min(len(p), len(options.SplitPath(from))):], ".")
	to := r.To
	if to != "" && rest != "" && r.Kind == options.Renamed {
		to += "." + rest
	}
	since := ""
	if r.Since != "" {
		since = " in " + release(r.Since)
	}
	var d *diag.Diagnostic
	switch r.Kind {
	case options.Removed:
		d = dl.Errorf(pos, "removed-option", "[%s] %s was removed%s", class, from, since)
		if msg := strings.Join(strings.Fields(r.Message), " "); msg != "" {
			d.Hint("%s", msg)
		}
		d.Hint("delete it")
	case options.Alias:
		return
	case options.Changed:
		d = dl.Warnf(pos, "renamed-option", "[%s] %s is replaced by %s, with its value converted", class, from, r.To)
		d.Hint("write %s instead", r.To)
	default:
		d = dl.Warnf(pos, "renamed-option", "[%s] %s is renamed to %s%s", class, strings.Join(p, "."), to, since)
		d.Hint("write %s instead", to)
	}
	if r.Pos.IsValid() {
		d.Hint("declared at %s", r.Pos)
	}
}

// release renders a sinceRelease number (2311) as a release (23.11).
func release(s string) string {
	if len(s) == 4 {
		return s[:2] + "." + s[2:]
	}
	return s
}

// checkModuleBodies checks the option paths the fleet's modules assign in
// their config against the index of their class: a misspelled, removed
// or renamed upstream option is reported at the module's line.
func (e *evaluator) checkModuleBodies() {
	for _, class := range []string{"nixos", "darwin", "home"} {
		ix := e.cfg.Upstream[class]
		if ix == nil {
			continue
		}
		for _, name := range sortedMapKeys(e.inv.Modules[class]) {
			m := e.inv.Modules[class][name]
			as, _ := options.Assignments(m.File, m.Src)
			var stopped [][]string
			for _, a := range as {
				if slices.ContainsFunc(stopped, func(s []string) bool { return len(a.Path) >= len(s) && slices.Equal(a.Path[:len(s)], s) }) {
					continue
				}
				found := ix.Lookup(a.Path)
				switch found.Verdict {
				case options.Declared:
					continue
				case options.Moved:
					reportMoved(e.diags, a.NamePos[found.Depth-1], class, a.Path, found.Rename)
				case options.Unknown_:
					if !e.declaredByFleet(class, a.Path) {
						e.reportUnknownUpstream(ix, a.NamePos[found.Depth], class, a.Path[:found.Depth+1], found)
					}
				}
				stopped = append(stopped, a.Path)
			}
		}
	}
}
