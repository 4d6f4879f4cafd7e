package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"

	"github.com/fleetdev/fleet/internal/secrets"
)

// checkSecretAccess adds to a checked fleet what only the secret files
// tell: keys that do not parse, hosts referencing a secret whose file is
// not encrypted to them (sops-nix would fail at activation), and secrets a
// host is granted (by a role, or its own hosts/<name>/*) whose file is not
// encrypted to it yet. Files are read without decrypting anything.
func (a *App) checkSecretAccess(l *loaded) {
	access, kd := secrets.FleetAccess(l.Inventory, l.Eval.Hosts)
	l.Diags.Append(kd)
	repo := a.repo(l.Dir, access)
	recipient := map[string]string{}
	for _, p := range access.Hosts {
		recipient[p.Name] = p.Recipient
	}
	type loadedFile struct {
		recipients []string
		err        error
	}
	cache := map[string]loadedFile{}
	load := func(rel string) loadedFile {
		lf, ok := cache[rel]
		if !ok {
			f, err := repo.Load(rel)
			if err == nil {
				lf.recipients = f.Recipients()
			}
			lf.err = err
			cache[rel] = lf
		}
		return lf
	}
	ids := make([]string, 0, len(l.Inventory.Secrets))
	for id := range l.Inventory.Secrets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, h := range l.Eval.Hosts {
		r := recipient[h.Name]
		if r == "" {
			continue // no key: eval reports it
		}
		seen := map[string]bool{}
		for _, ref := range h.Secrets {
			if ref.File == "" || seen[ref.File] {
				continue
			}
			seen[ref.File] = true
			lf := load(ref.File)
			switch {
			case errors.Is(lf.err, secrets.ErrNotEncrypted):
				l.Diags.Errorf(ref.Pos, "secret-access", "host %s cannot decrypt %s: it has no sops metadata", h.Name, ref.File).
					Hint("encrypt it with: fleet secrets encrypt %s", ref.File)
			case lf.err != nil:
				l.Diags.Errorf(ref.Pos, "secret-access", "host %s cannot decrypt %s: %v", h.Name, ref.File, errors.Unwrap(lf.err)).
					Hint("see what is wrong with: fleet secrets audit")
			case !slices.Contains(lf.recipients, r):
				l.Diags.Errorf(ref.Pos, "secret-access", "host %s cannot decrypt %s: the file is not encrypted to the host's key", h.Name, ref.File).
					Hint("run 'fleet secrets rekey'")
			default:
				continue
			}
			h.Errors++
		}
		// Granted but not referenced: the host's own Nix may read it. One
		// warning per grant, naming its files.
		type grant struct {
			pos  diag.Pos
			by   string
			rels []string
		}
		var grants []*grant
		for _, id := range ids {
			rel := l.Inventory.Secrets[id]
			if seen[rel] {
				continue
			}
			pos, by, ok := grantOf(l, h, id)
			if !ok {
				continue
			}
			if lf := load(rel); lf.err != nil || slices.Contains(lf.recipients, r) {
				continue
			}
			i := slices.IndexFunc(grants, func(g *grant) bool { return g.pos == pos && g.by == by })
			if i < 0 {
				grants = append(grants, &grant{pos: pos, by: by})
				i = len(grants) - 1
			}
			grants[i].rels = append(grants[i].rels, rel)
		}
		for _, g := range grants {
			what, verb := g.rels[0], "it is"
			if n := len(g.rels); n > 1 {
				shown := g.rels[:min(n, 3)]
				what = fmt.Sprintf("%d files: %s", n, strings.Join(shown, ", "))
				if n > len(shown) {
					what += fmt.Sprintf(" and %d more", n-len(shown))
				}
				verb = "they are"
			}
			l.Diags.Warnf(g.pos, "secret-access", "host %s may read %s (%s), but %s not encrypted to the host's key yet", h.Name, what, g.by, verb).
				Hint("run 'fleet secrets rekey'")
			h.Warnings++
		}
	}
}

// grantOf finds what lets host h read secret id without referencing it:
// one of its roles' secrets patterns, or its own hosts/<name>/* folder.
func grantOf(l *loaded, h *eval.Host, id string) (diag.Pos, string, bool) {
	for _, rn := range h.Roles {
		if role := l.Inventory.Roles[rn]; role != nil {
			for _, s := range role.Secrets {
				if secrets.MatchPattern(s.V, id) {
					return s.Pos, fmt.Sprintf("role %s grants %s", rn, s.V), true
				}
			}
		}
	}
	if own := "hosts/" + h.Name + "/*"; secrets.MatchPattern(own, id) {
		return diag.Pos{File: h.Src.File}, "its own " + own, true
	}
	return diag.Pos{}, "", false
}
