package generate

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/buildinfo"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/readfile"
)

// SumsFile is where generate records what each host's file was generated
// from: the build of fleet, the digest of the fleet's files as read, and
// the SHA-256 of each host file written. With the same build and the same
// digest, a host file whose bytes still have the recorded SHA-256 is what
// fleet would render now, and check and generate compare it without
// rendering it. Anything else - no sums, another build, another digest,
// a file edited by hand - renders and compares as without the sums. The
// file is a record, never a source: deleting it only makes the next check
// slower, and check never reports it stale.
//
// The record ends with an HMAC-SHA256 under a key of the machine that
// wrote it (kept outside the fleet, see the command line's recordKey):
// only that machine trusts it. A record that came with a change - a host
// file edited together with its line - is not trusted by anyone else, so
// a check in CI renders and compares every file as before.
const SumsFile = Dir + "/fleet.sums"

// sumsVersion is the first line's format version.
const sumsVersion = "fleet-sums 1"

// generatorID names the build that renders (tests stand in another).
var generatorID = buildinfo.ID

// sums is the parsed SumsFile.
type sums struct {
	generator, inputs string
	files             map[string][sha256.Size]byte // by path relative to the root
}

// sumsKey is what the sums of a run must name to be trusted: the build and
// the digest of the fleet as this run read it. ok is false when either is
// unknown or the inputs are incomplete (Digest seals them).
func sumsKey(f *eval.Fleet) (generator, inputs string, ok bool) {
	generator = generatorID()
	inputs, ok = f.Inv.Inputs.Digest()
	return generator, inputs, ok && generator != ""
}

// readSums reads root's SumsFile when its MAC is key's and it names
// generator and inputs, and returns nil otherwise (missing, malformed,
// written elsewhere, or from another build or another state of the
// fleet).
func readSums(root, generator, inputs string, key []byte) *sums {
	if len(key) == 0 {
		return nil
	}
	data, err := readfile.Read(filepath.Join(root, filepath.FromSlash(SumsFile)), 64<<20)
	if err != nil {
		return nil
	}
	return parseSums(data, generator, inputs, key)
}

// parseSums parses a SumsFile: nil unless its last line is the MAC of the
// lines before it under key and it names generator and inputs.
func parseSums(data []byte, generator, inputs string, key []byte) *sums {
	i := bytes.LastIndex(data, []byte("\n"+macPrefix))
	if i < 0 {
		return nil
	}
	body, tag := data[:i+1], data[i+1+len(macPrefix):]
	got, err := hex.DecodeString(strings.TrimSuffix(string(tag), "\n"))
	if err != nil || !hmac.Equal(got, sumsMAC(key, body)) {
		return nil
	}
	s := &sums{files: map[string][sha256.Size]byte{}}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if first {
			if line != sumsVersion {
				return nil
			}
			first = false
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		switch {
		case !ok:
			return nil
		case k == "generator":
			s.generator = v
		case k == "inputs":
			s.inputs = v
		default:
			var sum [sha256.Size]byte
			if len(k) != hex.EncodedLen(len(sum)) || !strings.HasPrefix(v, Dir+"/") {
				return nil
			}
			if _, err := hex.Decode(sum[:], []byte(k)); err != nil {
				return nil
			}
			s.files[v] = sum
		}
	}
	if sc.Err() != nil || s.generator != generator || s.inputs != inputs {
		return nil
	}
	return s
}

// HasSums reports whether the fleet at root has a generated/fleet.sums.
func HasSums(root string) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(SumsFile)))
	return err == nil
}

// fresh reports whether the file at rel (relative to root) has the
// SHA-256 the sums recorded for it. It reads the file into buf's storage
// (readfile.ReadInto) and returns that storage for the next file.
func (s *sums) fresh(root, rel string, buf []byte) (bool, []byte) {
	want, ok := s.files[rel]
	if !ok {
		return false, buf
	}
	data, err := readfile.ReadInto(buf, filepath.Join(root, filepath.FromSlash(rel)), 0)
	if err != nil {
		return false, buf
	}
	return sha256.Sum256(data) == want, data[:0]
}

// macPrefix starts the SumsFile's last line, the MAC of all before it.
const macPrefix = "mac "

// sumsMAC is the HMAC-SHA256 of a SumsFile's body under key.
func sumsMAC(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// renderSums prints the SumsFile recording files (path -> SHA-256), with
// its MAC under key.
func renderSums(generator, inputs string, files map[string][sha256.Size]byte, key []byte) []byte {
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	b.WriteString("# What each host's file was generated from, so that fleet check can\n")
	b.WriteString("# compare it without rendering it again. A record, not a source:\n")
	b.WriteString("# deleting it only makes the next check slower.\n")
	b.WriteString(sumsVersion + "\n")
	fmt.Fprintf(&b, "generator %s\ninputs %s\n", generator, inputs)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		sum := files[p]
		fmt.Fprintf(&b, "%s %s\n", hex.EncodeToString(sum[:]), p)
	}
	b.WriteString(macPrefix + hex.EncodeToString(sumsMAC(key, b.Bytes())) + "\n")
	return b.Bytes()
}

// WriteSums writes data (FilesOn's sums) to root's SumsFile, atomically,
// when it differs from what is there; nil writes nothing. Callers hold
// Lock and have written the files it records.
func WriteSums(root string, data []byte) error {
	if data == nil {
		return nil
	}
	p := filepath.Join(root, filepath.FromSlash(SumsFile))
	if old, err := readfile.Read(p, 0); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := atomicfs.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("cannot record what was generated in %s: %w", SumsFile, err)
	}
	return nil
}
