package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"filippo.io/age"
)

// File is an encrypted SOPS file as stored: its documents with encrypted
// values, and its metadata. A File is read-only; decrypting it gives a
// Document.
type File struct {
	format Format
	docs   []mapping
	md     *Metadata
}

// Parse reads an encrypted file. It returns ErrNotEncrypted when the file
// has no sops metadata, an *UnsupportedError for pgp, KMS or multi-group
// files, and a *SyntaxError when the file does not parse.
func Parse(format Format, data []byte) (*File, error) {
	docs, md, err := storeFor(format).loadEncrypted(data)
	if err != nil {
		return nil, err
	}
	return &File{format: format, docs: docs, md: md}, nil
}

// Format returns the file's format.
func (f *File) Format() Format { return f.format }

// Metadata returns a copy of the file's sops metadata.
func (f *File) Metadata() Metadata { return *f.md.clone() }

// Recipients returns the recipients of the file's data key, in file order.
func (f *File) Recipients() []string { return f.md.Recipients() }

// Complete reports what `sops filestatus` reports as encrypted: metadata
// with a version and a MAC.
func (f *File) Complete() bool { return f.md.Version != "" && f.md.MAC != "" }

// Marshal renders the file in its format.
func (f *File) Marshal() ([]byte, error) {
	return storeFor(f.format).emitEncrypted(f.docs, f.md)
}

// Decrypt unwraps the data key with one of ids, decrypts every value and
// verifies the MAC. It returns a *NoIdentityError when no identity fits and
// a *TamperError when a value or the MAC fails authentication.
func (f *File) Decrypt(ids []age.Identity) (*Document, error) {
	if err := checkSopsVersion(f.md.Version); err != nil {
		return nil, err
	}
	key, err := unwrapKey(f.md.Age, ids)
	if err != nil {
		return nil, err
	}
	return f.decryptWithKey(key)
}

// semverRE is a semantic version as sops parses its metadata's version
// (github.com/blang/semver Make, after a leading "v" is trimmed).
var semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// checkSopsVersion refuses what the sops CLI refuses to decrypt: metadata
// without a version, or with one that is not a semantic version (sops 1.x
// files aside).
func checkSopsVersion(v string) error {
	switch {
	case v == "":
		return &TamperError{Reason: `its sops metadata has no version, and sops refuses such a file ("Version string empty")`}
	case strings.HasPrefix(v, "1."), semverRE.MatchString(strings.TrimPrefix(v, "v")):
		return nil
	}
	return &TamperError{Reason: "its sops metadata's version is not a semantic version, and sops refuses such a file"}
}

func (f *File) decryptWithKey(key []byte) (*Document, error) {
	vc, err := newValueCipher(key)
	if err != nil {
		return nil, err
	}
	docs := cloneDocs(f.docs)
	computed, err := decryptDocs(docs, f.md, vc)
	if err != nil {
		return nil, err
	}
	stored, err := vc.decrypt(f.md.MAC, f.md.LastModified.Format(time.RFC3339))
	if err != nil {
		return nil, &TamperError{Reason: "the MAC does not decrypt: lastmodified or mac was changed"}
	}
	if s, ok := stored.(string); !ok || s != computed {
		if s == "" {
			return nil, &TamperError{Reason: "the file has no MAC"}
		}
		return nil, &TamperError{Reason: "MAC mismatch: values were changed, reordered, added or removed"}
	}
	return &Document{format: f.format, docs: docs, md: f.md.clone(), key: key, vc: vc}, nil
}

// Rekey returns the file with its data key wrapped for recipients instead
// of its current recipients, as `sops updatekeys` does: values, IVs,
// lastmodified and MAC stay as they are. The file is decrypted and its MAC
// verified first, so a tampered file is never re-signed by a new key set.
func (f *File) Rekey(recipients []string, ids []age.Identity) (*File, error) {
	key, err := unwrapKey(f.md.Age, ids)
	if err != nil {
		return nil, err
	}
	if _, err := f.decryptWithKey(key); err != nil {
		return nil, err
	}
	wrapped, err := wrapKeys(key, recipients)
	if err != nil {
		return nil, err
	}
	md := f.md.clone()
	md.Age = wrapped
	return &File{format: f.format, docs: f.docs, md: md}, nil
}

// Document is a decrypted SOPS file: its plaintext tree, its metadata and
// its data key. Encrypting a Document again keeps the ciphertext of every
// value that did not change.
type Document struct {
	format Format
	docs   []mapping
	md     *Metadata
	key    []byte
	vc     *valueCipher
}

// NewDocument starts a new file from plaintext in format, with a fresh data
// key wrapped for recipients. Structured formats get the crypt rule sops'
// encrypt command writes (unencrypted_suffix: _unencrypted); binary files
// get none. Plaintext that already carries sops metadata is refused with
// ErrAlreadyEncrypted.
func NewDocument(format Format, plaintext []byte, recipients []string) (*Document, error) {
	docs, err := storeFor(format).loadPlain(plaintext)
	if err != nil {
		return nil, err
	}
	if hasMetadata(format, docs) {
		return nil, ErrAlreadyEncrypted
	}
	key, err := newDataKey()
	if err != nil {
		return nil, err
	}
	wrapped, err := wrapKeys(key, recipients)
	if err != nil {
		return nil, err
	}
	vc, err := newValueCipher(key)
	if err != nil {
		return nil, err
	}
	md := &Metadata{Age: wrapped, Version: SopsVersion}
	if format != FormatBinary {
		md.UnencryptedSuffix = DefaultUnencryptedSuffix
	}
	return &Document{format: format, docs: docs, md: md, key: key, vc: vc}, nil
}

// hasMetadata reports whether plaintext documents carry a sops block.
func hasMetadata(format Format, docs []mapping) bool {
	for _, d := range docs {
		for _, n := range d {
			if _, isC := n.Value.(comment); isC {
				continue
			}
			switch format {
			case FormatYAML, FormatJSON:
				if n.Key == metadataKey {
					return true
				}
			case FormatDotenv:
				if strings.HasPrefix(n.Key, flatPrefix) {
					return true
				}
			case FormatINI:
				if n.Key == metadataKey {
					return true
				}
			}
		}
	}
	return false
}

// Format returns the document's format.
func (d *Document) Format() Format { return d.format }

// Recipients returns the recipients of the document's data key.
func (d *Document) Recipients() []string { return d.md.Recipients() }

// Plaintext renders the decrypted document in its format, as
// `sops decrypt` prints it.
func (d *Document) Plaintext() ([]byte, error) {
	if len(d.docs) == 0 {
		return nil, nil
	}
	return storeFor(d.format).emitPlain(d.docs)
}

// Get returns the value at a key path ("db/password"; list items by
// index). Strings come back as they are, other scalars formatted, and
// mappings and lists rendered in the document's format. The empty key is
// the whole document.
func (d *Document) Get(key string) ([]byte, error) {
	segs := splitKey(key)
	if d.format == FormatBinary {
		if len(segs) > 1 || (len(segs) == 1 && segs[0] != binaryKey) {
			return nil, fmt.Errorf("a binary secret has no keys; leave the key out")
		}
		return d.Plaintext()
	}
	if len(segs) == 0 {
		return d.Plaintext()
	}
	if len(d.docs) == 0 {
		return nil, &KeyNotFoundError{Key: key}
	}
	v, ok := lookup(d.docs[0], segs)
	if !ok {
		return nil, &KeyNotFoundError{Key: strings.Join(segs, "/")}
	}
	switch v := v.(type) {
	case mapping, list:
		return emitValue(d.format, v)
	}
	return []byte(formatScalar(v)), nil
}

func emitValue(format Format, v any) ([]byte, error) {
	switch format {
	case FormatJSON:
		var raw, out bytes.Buffer
		if err := jsonEncode(&raw, v); err != nil {
			return nil, err
		}
		if err := jsonIndent(&out, raw.Bytes()); err != nil {
			return nil, err
		}
		out.WriteByte('\n')
		return out.Bytes(), nil
	default:
		if m, ok := v.(mapping); ok {
			return yamlStore{}.emitPlain([]mapping{m})
		}
		n, err := yamlValueNode(v)
		if err != nil {
			return nil, err
		}
		return yamlMarshalNode(n)
	}
}

// Set stores value as a string at a key path, creating mappings on the
// way, and reports whether the document changed. In a binary secret the
// key must be empty and value replaces the whole content.
func (d *Document) Set(key, value string) (bool, error) {
	segs := splitKey(key)
	switch d.format {
	case FormatBinary:
		if len(segs) > 1 || (len(segs) == 1 && segs[0] != binaryKey) {
			return false, fmt.Errorf("a binary secret has no keys; leave the key out")
		}
		segs = []string{binaryKey}
	case FormatDotenv:
		if len(segs) != 1 {
			return false, fmt.Errorf("a dotenv secret has flat keys; %q is not one", key)
		}
		if err := checkDotenvKey(segs[0]); err != nil {
			return false, err
		}
	case FormatINI:
		if err := checkINIKey(segs); err != nil {
			return false, err
		}
	default:
		if len(segs) == 0 {
			return false, errors.New("set needs a key")
		}
		if segs[0] == metadataKey {
			return false, fmt.Errorf("the key %q is reserved for sops metadata", metadataKey)
		}
	}
	if len(d.docs) == 0 {
		d.docs = []mapping{{}}
	}
	m, changed, err := setValue(d.docs[0], segs, value)
	if err != nil {
		return false, err
	}
	d.docs[0] = m
	return changed, nil
}

func checkDotenvKey(k string) error {
	switch {
	case k == "":
		return errors.New("empty dotenv key")
	case strings.ContainsAny(k, "=\n"):
		return fmt.Errorf("a dotenv key cannot hold = or a newline")
	case strings.HasPrefix(k, "#"):
		return fmt.Errorf("a dotenv key cannot start with #")
	case strings.HasPrefix(k, flatPrefix):
		return fmt.Errorf("keys starting with %q are reserved for sops metadata", flatPrefix)
	}
	return nil
}

// Replace swaps the document's content for edited plaintext and reports
// whether anything changed. Values left as they were keep their
// ciphertext when the document is encrypted again.
func (d *Document) Replace(plaintext []byte) (bool, error) {
	docs, err := readPlain(d.format, plaintext)
	if err != nil {
		return false, err
	}
	changed := len(docs) != len(d.docs)
	for i := 0; !changed && i < len(docs); i++ {
		changed = !equalValue(docs[i], d.docs[i])
	}
	d.docs = docs
	return changed, nil
}

// Rotate gives the document a new data key wrapped for recipients, as
// `sops rotate` does. The next Encrypt re-encrypts every value with fresh
// IVs. Use it when a recipient loses access: it still knows the old key.
func (d *Document) Rotate(recipients []string) error {
	key, err := newDataKey()
	if err != nil {
		return err
	}
	wrapped, err := wrapKeys(key, recipients)
	if err != nil {
		return err
	}
	vc, err := newValueCipher(key)
	if err != nil {
		return err
	}
	d.key, d.vc = key, vc
	d.md.Age = wrapped
	return nil
}

// Encrypt renders the document encrypted, with lastmodified set to now and
// a new MAC. Unchanged values keep their IVs and so their ciphertext.
func (d *Document) Encrypt(now time.Time) ([]byte, error) {
	if len(d.docs) == 0 {
		d.docs = []mapping{{}}
	}
	docs := cloneDocs(d.docs)
	mac, err := encryptDocs(docs, d.md, d.vc)
	if err != nil {
		return nil, err
	}
	md := d.md.clone()
	md.LastModified = now.UTC().Truncate(time.Second)
	md.Version = SopsVersion
	if md.MAC, err = d.vc.encrypt(mac, md.LastModified.Format(time.RFC3339)); err != nil {
		return nil, err
	}
	out, err := storeFor(d.format).emitEncrypted(docs, md)
	if err != nil {
		return nil, err
	}
	d.md = md
	return out, nil
}

// Encrypt encrypts plaintext in format for recipients: a new file with a
// new data key.
func Encrypt(format Format, plaintext []byte, recipients []string, now time.Time) ([]byte, error) {
	d, err := NewDocument(format, plaintext, recipients)
	if err != nil {
		return nil, err
	}
	return d.Encrypt(now)
}

// Decrypt decrypts an encrypted file in format with one of ids, verifies
// its MAC and returns the plaintext.
func Decrypt(format Format, data []byte, ids []age.Identity) ([]byte, error) {
	f, err := Parse(format, data)
	if err != nil {
		return nil, err
	}
	d, err := f.Decrypt(ids)
	if err != nil {
		return nil, err
	}
	return d.Plaintext()
}

// readPlain parses plaintext that is to replace a document's values.
func readPlain(format Format, plaintext []byte) ([]mapping, error) {
	docs, err := storeFor(format).loadPlain(plaintext)
	if err != nil {
		return nil, err
	}
	if hasMetadata(format, docs) {
		return nil, fmt.Errorf("the edited content holds a sops block: %w", ErrAlreadyEncrypted)
	}
	return docs, nil
}

// checkPlain reports what Replace would refuse in plaintext.
func checkPlain(format Format, plaintext []byte) error {
	_, err := readPlain(format, plaintext)
	return err
}
