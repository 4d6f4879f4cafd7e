package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/parallel"
	"github.com/fleetdev/fleet/internal/secrets"
)

// checkSecretAccess adds to a checked fleet what only the secret files
// tell: keys that do not parse, hosts referencing a secret whose file is
// not encrypted to them (sops-nix would fail at activation), and secrets a
// host is granted (by a role, or its own hosts/<name>/*) whose file is not
// encrypted to it yet. Files are read without decrypting anything.
func (a *App) checkSecretAccess(l *loaded) {
	access, kd := l.Access()
	l.Diags.Append(kd)
	repo := a.repo(l.Dir, access)
	recipient := map[string]string{}
	for _, p := range access.Hosts {
		recipient[p.Name] = p.Recipient
	}
	type loadedFile struct {
		has map[string]bool // its recipients
		err error
	}
	read := func(rel string) loadedFile {
		rs, err := repo.EncryptedTo(rel)
		lf := loadedFile{err: err}
		if err == nil {
			lf.has = make(map[string]bool, len(rs))
			for _, r := range rs {
				lf.has[r] = true
			}
		}
		return lf
	}
	// The files hosts reference are read on every CPU first: parsing
	// thousands of them is most of this check's work. The most shared
	// come first: they have the most recipients, so the longest parses
	// do not start last.
	cache := map[string]loadedFile{}
	readers := map[string]int{}
	var refs []string
	for _, h := range l.Eval.Hosts {
		for _, ref := range h.Secrets {
			if ref.File == "" || recipient[h.Name] == "" {
				continue
			}
			if readers[ref.File] == 0 {
				refs = append(refs, ref.File)
			}
			readers[ref.File]++
		}
	}
	slices.SortStableFunc(refs, func(a, b string) int { return readers[b] - readers[a] })
	read1 := make([]loadedFile, len(refs))
	parallel.Each(len(refs), func(i int) { read1[i] = read(refs[i]) })
	for i, rel := range refs {
		cache[rel] = read1[i]
	}
	load := func(rel string) loadedFile {
		lf, ok := cache[rel]
		if !ok {
			lf = read(rel)
			cache[rel] = lf
		}
		return lf
	}
	names := l.Inventory.SecretNames()
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
			case !lf.has[r]:
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
		hg := grantsOf(l, h)
		for _, id := range hg.matching(names) {
			rel := l.Inventory.Secrets[id]
			if seen[rel] {
				continue
			}
			pos, by, ok := hg.grant(id)
			if !ok {
				continue
			}
			if lf := load(rel); lf.err != nil || lf.has[r] {
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

// hostGrants are the patterns that let a host read secrets without
// referencing them: its roles' secrets patterns, in order, then its own
// hosts/<name>/* folder.
type hostGrants struct {
	pats []inventory.SecretPattern
	pos  []diag.Pos
	by   []string
}

func grantsOf(l *loaded, h *eval.Host) *hostGrants {
	g := &hostGrants{}
	for _, rn := range h.Roles {
		if role := l.Inventory.Roles[rn]; role != nil {
			for _, s := range role.Secrets {
				g.pats = append(g.pats, inventory.ParseSecretPattern(s.V))
				g.pos = append(g.pos, s.Pos)
				g.by = append(g.by, fmt.Sprintf("role %s grants %s", rn, s.V))
			}
		}
	}
	own := "hosts/" + h.Name + "/*"
	g.pats = append(g.pats, inventory.ParseSecretPattern(own))
	g.pos = append(g.pos, diag.Pos{File: h.Src.File})
	g.by = append(g.by, "its own "+own)
	return g
}

// matching returns the names any grant matches, sorted.
func (g *hostGrants) matching(names *inventory.SecretNames) []string {
	var out []string
	for i := range g.pats {
		names.Each(&g.pats[i], func(id string) bool {
			out = append(out, id)
			return true
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// grant finds the first grant that lets the host read secret id.
func (g *hostGrants) grant(id string) (diag.Pos, string, bool) {
	for i := range g.pats {
		if g.pats[i].Match(id) {
			return g.pos[i], g.by[i], true
		}
	}
	return diag.Pos{}, "", false
}
