package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"

	"github.com/fleetdev/fleet/internal/readfile"
)

// Inputs records what loading a fleet read from its folder: every file's
// bytes (or why it could not be read), every folder's listing, every path
// probed and every path refused. Everything fleet derives from a fleet -
// evaluation, option types, container instances, the generated Nix - is a
// function of what was read, so two loads with equal digests derive the
// same values. Generation records the digest beside the files it wrote
// (generated/fleet.sums), and check trusts a generated file without
// rendering it again only under an equal digest.
//
// Every read of the fleet's folder made while loading and evaluating goes
// through Inputs (TestReadsRecorded keeps it so). A nil *Inputs records
// nothing and has no digest.
type Inputs struct {
	mu   sync.Mutex
	seen map[string][sha256.Size]byte
	// unstable is set when one path answered twice differently (a file
	// changed while it was read): such a load has no digest.
	unstable bool
	// sealed is set by Digest; late, by a record after it.
	sealed, late bool
}

func newInputs() *Inputs { return &Inputs{seen: map[string][sha256.Size]byte{}} }

// File records that the file rel (relative to the root, slash-separated)
// was read: data when err is nil, the failure otherwise.
func (in *Inputs) File(rel string, data []byte, err error) {
	if in == nil {
		return
	}
	if err != nil {
		in.record("e\x00"+rel, sha256.Sum256([]byte(err.Error())))
		return
	}
	in.record("f\x00"+rel, sha256.Sum256(data))
}

// Listing records the entries of the folder rel: names, and which are
// folders.
func (in *Inputs) Listing(rel string, entries []fs.DirEntry) {
	if in == nil {
		return
	}
	h := sha256.New()
	for _, e := range entries {
		kind := "f"
		if e.IsDir() {
			kind = "d"
		}
		h.Write([]byte(kind + e.Name() + "\x00"))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	in.record("d\x00"+rel, sum)
}

// Probe records a yes-or-no answer fleet got about a path (whether it
// exists, whether it leads outside the fleet) or about how it was loaded.
func (in *Inputs) Probe(what string, yes bool) {
	if in == nil {
		return
	}
	var sum [sha256.Size]byte
	if yes {
		sum[0] = 1
	}
	in.record("p\x00"+what, sum)
}

func (in *Inputs) record(key string, sum [sha256.Size]byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.sealed {
		in.late = true
	}
	if prev, ok := in.seen[key]; ok && prev != sum {
		in.unstable = true
	}
	in.seen[key] = sum
}

// Digest returns the SHA-256 of everything recorded, in hex; ok is false
// when the load was unstable (a file changed while it was read). Digest
// seals the record: what is recorded after it makes Late true.
func (in *Inputs) Digest() (digest string, ok bool) {
	if in == nil {
		return "", false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.sealed = true
	if in.unstable {
		return "", false
	}
	keys := make([]string, 0, len(in.seen))
	for k := range in.seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		sum := in.seen[k]
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// Late reports whether anything was read after Digest: a digest taken
// before that read does not cover it.
func (in *Inputs) Late() bool {
	if in == nil {
		return true
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.late || in.unstable
}

// ReadFile reads the fleet's file rel (slash-separated, relative to the
// root) and records it in Inputs: the one way packages that derive values
// from a loaded fleet read its files.
func (inv *Inventory) ReadFile(rel string) ([]byte, error) {
	data, err := readfile.Read(filepath.Join(inv.Root, filepath.FromSlash(rel)), 0)
	inv.Inputs.File(rel, data, err)
	return data, err
}
