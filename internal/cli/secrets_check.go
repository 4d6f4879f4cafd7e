package cli

import (
	"errors"
	"slices"

	"github.com/fleetdev/fleet/internal/secrets"
)

// checkSecretAccess adds to a checked fleet what only the secret files
// tell: keys that do not parse, and hosts referencing a secret whose file
// is not encrypted to them (sops-nix would fail at activation). Files are
// read without decrypting anything.
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
			lf, ok := cache[ref.File]
			if !ok {
				f, err := repo.Load(ref.File)
				if err == nil {
					lf.recipients = f.Recipients()
				}
				lf.err = err
				cache[ref.File] = lf
			}
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
	}
}
