package cli

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fleetdev/fleet/internal/fleet"
)

// recordKeySize is the size of the key of generated/fleet.sums.
const recordKeySize = 32

// recordKey is this machine's key for generated/fleet.sums, made on first
// use: $XDG_CACHE_HOME/fleet/record.key (~/.cache/fleet/record.key),
// readable by the user alone. A record is trusted only under the key that
// wrote it, so a record that came from elsewhere (committed with a change
// to a host file, say) is never trusted: that check renders every file.
// nil when there is no cache folder (FLEET_CACHE_DIR=none, no HOME) or the
// key cannot be read or made; check and generate then render every host.
func (a *App) recordKey() []byte {
	if a.Env.Get("FLEET_CACHE_DIR") == "none" {
		return nil
	}
	opts := fleet.CacheDir(a.Env.Get)
	if opts == "" {
		return nil
	}
	p := filepath.Join(filepath.Dir(opts), "record.key")
	if key, err := os.ReadFile(p); err == nil {
		if len(key) == recordKeySize {
			return key
		}
		return nil // not ours: leave it, and trust no record
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil
	}
	// Written aside, then linked into place: never replaced, never seen
	// half-written by another fleet making it at the same time.
	key := make([]byte, recordKeySize)
	rand.Read(key)
	tmp, err := os.CreateTemp(filepath.Dir(p), ".record.key-*")
	if err != nil {
		return nil
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(key)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil
	}
	if err := os.Link(tmp.Name(), p); err != nil {
		// Another fleet made it meanwhile: use theirs.
		if theirs, err := os.ReadFile(p); err == nil && len(theirs) == recordKeySize {
			return theirs
		}
		return nil
	}
	return key
}
