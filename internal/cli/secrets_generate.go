package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/generate"
	"github.com/fleetdev/fleet/internal/secrets"
)

// sopsConfig renders the generated .sops.yaml when the fleet has admins
// or secrets, so that the sops CLI encrypts new files for the same people
// as fleet; data is nil when there is none to write. Its diagnostics are
// the fleet's key errors, and a warning when nobody has a key.
func sopsConfig(l *loaded) (data []byte, dl *diag.List) {
	inv := l.Inventory
	if (inv.Fleet == nil || len(inv.Fleet.Admins) == 0) && len(inv.Secrets) == 0 {
		return nil, nil
	}
	access, kd := l.Access()
	dl = &diag.List{} // kd is shared: what this adds goes to a list of its own
	dl.Append(kd)
	if dl.HasErrors() {
		return nil, dl
	}
	data, err := access.SopsConfig()
	switch {
	case errors.Is(err, secrets.ErrNoRecipients):
		pos := diag.Pos{File: "fleet.toml"}
		if inv.Fleet != nil && inv.Fleet.File != "" {
			pos.File = inv.Fleet.File
		}
		dl.Warnf(pos, "secret-no-admins", "the fleet has secrets but nobody has a key to them, so %s is not written", secrets.SopsConfigFile).
			Hint("create an admin key with 'fleet secrets init' and add its public key to fleet.toml [admins]")
	case err != nil:
		dl.Errorf(diag.Pos{File: secrets.SopsConfigFile}, "secret-config", "cannot write %s: %v", secrets.SopsConfigFile, err).
			Hint("fix the access patterns it names")
	default:
		return data, dl
	}
	return nil, dl
}

// staleSopsConfig returns the removal of a .sops.yaml that fleet wrote but
// would not write now (the fleet lost its admins and secrets).
func staleSopsConfig(dir string, files map[string][]byte, changes []generate.Change) ([]generate.Change, error) {
	if _, ok := files[secrets.SopsConfigFile]; ok {
		return changes, nil
	}
	old, err := os.ReadFile(filepath.Join(dir, secrets.SopsConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return changes, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(old, []byte(generate.Header)) {
		return changes, nil
	}
	changes = append(changes, generate.Change{Path: secrets.SopsConfigFile, Old: old})
	slices.SortFunc(changes, func(a, b generate.Change) int { return strings.Compare(a.Path, b.Path) })
	return changes, nil
}
