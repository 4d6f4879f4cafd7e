package secrets

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Codes of audit findings, stable for scripts and tests.
const (
	CodePlaintextValue   = "secret-plaintext" // a value that should be encrypted is not
	CodePlaintextComment = "secret-plaintext-comment"
	CodeNoMetadata       = "secret-not-encrypted" // a file in secrets/ without sops metadata
	CodeSyntax           = "secret-syntax"        // a file that does not parse
	CodeUnsupported      = "secret-unsupported"   // pgp/KMS keys or several key groups
	CodeUnreadable       = "secret-unreadable"    // no current key can decrypt the file
	CodeRecipients       = "secret-recipients"    // recipients differ from the access rules
	CodeUnused           = "secret-unused"        // only admins read it and nothing references it
	CodeMissing          = "secret-missing"       // referenced but no file exists
	CodeTampered         = "secret-tampered"      // a value or the MAC fails authentication
	CodeNoKey            = "secret-no-key"        // a host or user reads secrets but has no key
	CodeBadKey           = "secret-bad-key"       // a recipient that does not parse
	CodeNoAdmins         = "secret-no-admins"     // fleet.toml names no admin
	CodeConfigStale      = "secret-config-stale"  // .sops.yaml differs from the access rules
	CodePrivateKey       = "secret-private-key"   // private key material in the repository
	CodeLayout           = "secret-layout"        // a file fleet does not recognise as a secret
	CodeLeftover         = "secret-leftover"      // a temporary file of an interrupted write
)

// Reference is a secret a host's configuration names with
// { secret = "category/name" }.
type Reference struct {
	Secret string   `json:"secret"`
	Host   string   `json:"host"`
	Pos    diag.Pos `json:"pos"`
}

// AuditOptions drives Audit.
type AuditOptions struct {
	// References are the secrets the evaluated hosts reference.
	References []Reference
	// ScanFiles are the files (relative to Root) searched for private key
	// material, typically the tracked files. Nil means every file below
	// Root outside hidden folders.
	ScanFiles []string
	// KeysAllowed are path prefixes where private keys are expected, such
	// as an example's published throwaway keys.
	KeysAllowed []string
}

// Audit checks the secrets tree against the access rules and returns its
// findings, each with a position and a hint saying what to do: plaintext
// values and comments, files without sops metadata, files nobody can read,
// recipients out of date, unused secrets, secrets referenced but missing,
// a stale .sops.yaml, leftovers of interrupted writes and private keys in
// the repository. With Identities set, every file it can decrypt is also
// verified. Findings never quote a value.
func (r *Repo) Audit(ctx context.Context, opts AuditOptions) ([]diag.Diagnostic, error) {
	var dl diag.List
	a := r.access()
	x := a.Index()
	known := map[string]bool{}
	for _, p := range x.ps {
		if p.Recipient != "" {
			known[p.Recipient] = true
			if _, err := ParseRecipient(p.Recipient); err != nil {
				dl.Errorf(diag.Pos{File: p.Source}, CodeBadKey, "%s %s: %v", p.kind, p.Name, err).
					Hint("use the age recipient printed by age-keygen -y, or the host's ssh-ed25519 key converted with fleet secrets keys ssh-to-age")
			}
		}
	}
	if len(a.Admins) == 0 {
		dl.Errorf(diag.Pos{File: "fleet.toml"}, CodeNoAdmins, "no admin may read the secrets").
			Hint("create an admin key with fleet secrets init and add its recipient to fleet.toml [admins]")
	}
	if _, err := a.Rules(); err != nil {
		dl.Errorf(diag.Pos{}, CodeBadKey, "%v", err)
	}

	files, err := r.Files()
	if err != nil {
		return nil, err
	}
	existing := map[string]bool{}
	for _, rel := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if id, ok := SecretID(rel); ok {
			existing[id] = true
		}
		r.auditFile(x, rel, opts, known, &dl)
	}
	r.auditLeftovers(&dl)

	// Who reads what but has no key.
	for _, p := range x.ps {
		if p.kind == KindAdmin || p.Recipient != "" {
			continue
		}
		for id := range existing {
			if slices.ContainsFunc(p.patterns, func(pat string) bool { return MatchPattern(pat, id) }) {
				dl.Errorf(diag.Pos{File: p.Source}, CodeNoKey, "%s %s may read %s but has no key to decrypt it with", p.kind, p.Name, id).
					Hint("%s", noKeyHint(p.kind))
				break
			}
		}
	}

	// References to secrets that do not exist.
	for _, ref := range opts.References {
		if existing[ref.Secret] {
			continue
		}
		d := dl.Errorf(ref.Pos, CodeMissing, "secret %q does not exist", ref.Secret)
		if s := diag.Suggest(ref.Secret, sortedKeys(existing)); s != "" {
			d.Hint("did you mean %q?", s)
		}
		d.Hint("create it with: fleet secrets edit %s/%s.yaml", Dir, ref.Secret)
	}

	// The generated .sops.yaml.
	if want, err := a.SopsConfig(); err == nil {
		have, err := os.ReadFile(filepath.Join(r.Root, SopsConfigFile))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			dl.Errorf(diag.Pos{File: SopsConfigFile}, CodeConfigStale, "%s is missing, so the sops command does not know who reads what", SopsConfigFile).
				Hint("run fleet generate")
		case err != nil:
			return nil, err
		case !bytes.Equal(have, want):
			dl.Errorf(diag.Pos{File: SopsConfigFile}, CodeConfigStale, "%s is out of date with the fleet's access rules", SopsConfigFile).
				Hint("run fleet generate")
		}
	}

	if err := r.auditPrivateKeys(ctx, opts, &dl); err != nil {
		return nil, err
	}
	return dl.Items(), nil
}

func noKeyHint(k PartyKind) string {
	if k == KindHost {
		return "add host_key (the host's ssh-ed25519 public key, from ssh-keyscan -t ed25519 HOST) or age_key to its host.toml"
	}
	return "add age_key (the user's age recipient) to the user's user.toml"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (r *Repo) auditFile(x *Index, rel string, opts AuditOptions, known map[string]bool, dl *diag.List) {
	at := diag.Pos{File: rel}
	id, isSecret := SecretID(rel)
	if !isSecret {
		dl.Warnf(at, CodeLayout, "%s is not named like a secret (want %s/<category>/<name> with one of %s)", rel, Dir, strings.Join(Extensions(), " ")).
			Hint("rename it; sops reads it as a binary secret and only admins may read it")
	} else if !strings.Contains(id, "/") {
		dl.Warnf(at, CodeLayout, "secret %s is not in a category folder", rel).
			Hint("move it to %s/<category>/%s", Dir, path.Base(rel))
	}
	data, err := os.ReadFile(r.abs(rel))
	if err != nil {
		dl.Errorf(at, CodeSyntax, "cannot read %s: %v", rel, err)
		return
	}
	f, err := Parse(FormatForPath(rel), data)
	switch {
	case errors.Is(err, ErrNotEncrypted), FormatForPath(rel) == FormatBinary && errors.Is(err, ErrSyntax):
		dl.Errorf(at, CodeNoMetadata, "%s has no sops metadata: it is stored in plaintext", rel).
			Hint("encrypt it in place with fleet secrets encrypt %s", rel).
			Hint("if it was ever committed, treat its values as leaked and change them")
		return
	case errors.Is(err, ErrUnsupported):
		dl.Errorf(at, CodeUnsupported, "%s: %v", rel, err).
			Hint("decrypt it with sops and encrypt it again with fleet secrets encrypt")
		return
	case err != nil:
		var se *SyntaxError
		if errors.As(err, &se) {
			at.Line, at.Col = int32(se.Line), int32(se.Col)
		}
		dl.Errorf(at, CodeSyntax, "%s does not parse as a sops file: %v", rel, err).
			Hint("restore it from version control")
		return
	}
	versionErr := checkSopsVersion(f.md.Version)
	switch {
	case f.md.Version == "":
		dl.Errorf(at, CodeNoMetadata, "%s has incomplete sops metadata: no version, so sops and fleet refuse to decrypt it", rel).
			Hint("restore it from version control")
	case versionErr != nil:
		dl.Errorf(at, CodeNoMetadata, "%s: its sops metadata's version is not a semantic version, so sops and fleet refuse to decrypt it", rel).
			Hint("restore it from version control")
	case !f.Complete():
		dl.Errorf(at, CodeNoMetadata, "%s has incomplete sops metadata: no MAC", rel).
			Hint("restore it from version control")
	}
	for _, lf := range f.plaintextLeaves() {
		p := diag.Pos{File: rel, Line: int32(lf.pos.Line), Col: int32(lf.pos.Col)}
		if lf.isComment {
			dl.Warnf(p, CodePlaintextComment, "a comment in %s is not encrypted", rel).
				Hint("comments are encrypted like values; remove it, or re-save the file with fleet secrets edit %s", rel)
			continue
		}
		dl.Errorf(p, CodePlaintextValue, "the value at %q in %s is not encrypted", keyPath(lf.path), rel).
			Hint("treat it as leaked: restore the file from version control and set a new value with fleet secrets set %s %s", rel, keyPath(lf.path))
	}

	have := f.Recipients()
	if !slices.ContainsFunc(have, func(rc string) bool { return known[rc] }) {
		dl.Errorf(at, CodeUnreadable, "nobody in the fleet can decrypt %s: none of its %d recipients is a current key", rel, len(have)).
			Hint("restore it from a backup (fleet secrets restore), or delete it and create it again")
	} else {
		want := recipientsIn(x, rel)
		var missing, extra []string
		for _, w := range want {
			if !slices.Contains(have, w) {
				missing = append(missing, x.Describe(w))
			}
		}
		for _, h := range have {
			if !slices.Contains(want, h) {
				extra = append(extra, x.Describe(h))
			}
		}
		if len(missing)+len(extra) > 0 {
			var parts []string
			if len(missing) > 0 {
				parts = append(parts, "missing "+strings.Join(missing, ", "))
			}
			if len(extra) > 0 {
				parts = append(parts, "extra "+strings.Join(extra, ", "))
			}
			d := dl.Errorf(at, CodeRecipients, "recipients of %s are out of date: %s", rel, strings.Join(parts, "; "))
			if len(extra) > 0 {
				d.Hint("run fleet secrets rekey --rotate: a removed key still knows the data key; then change the values it could read")
			} else {
				d.Hint("run fleet secrets rekey")
			}
		}
	}
	if isSecret && len(x.reading(id)) == len(x.admins) && !slices.ContainsFunc(opts.References, func(ref Reference) bool { return ref.Secret == id }) {
		dl.Warnf(at, CodeUnused, "no host or user reads secret %s; only admins can", id).
			Hint("grant it with secrets = [%q] in a role, reference it with { secret = %q }, or delete it", id, id)
	}
	if len(r.Identities) > 0 && versionErr == nil {
		if _, err := f.Decrypt(r.Identities); err != nil {
			if errors.Is(err, ErrTampered) {
				dl.Errorf(at, CodeTampered, "%s: %v", rel, err).
					Hint("restore it from version control or a backup, and find out who changed it")
			} else if !errors.Is(err, ErrNoIdentity) {
				dl.Errorf(at, CodeSyntax, "%s: %v", rel, err)
			}
		}
	}
}

// Describe names a recipient for people: by the parties holding it
// ("host web and user alex"), or as an unknown key with the recipient
// abbreviated.
func (a *Access) Describe(recipient string) string { return describe(a.Who(recipient), recipient) }

// describe names a recipient by its holders, or abbreviates it.
func describe(holders []string, recipient string) string {
	if len(holders) > 0 {
		return strings.Join(holders, " and ")
	}
	return "unknown key " + abbrev(recipient)
}

// plaintextLeaf is a value or comment stored in plaintext at a place the
// file's crypt rule encrypts.
type plaintextLeaf struct {
	path      []string
	pos       pos
	isComment bool
}

func (f *File) plaintextLeaves() []plaintextLeaf {
	rule, err := f.md.cryptRule()
	if err != nil {
		return nil
	}
	var out []plaintextLeaf
	docs := cloneDocs(f.docs)
	walkDocs(docs, func(v any, p []string, stack [][]string, isComment bool, at pos) (any, error) {
		if !rule.encrypted(p, stack, isComment) {
			return v, nil
		}
		switch v := v.(type) {
		case comment:
			if v.Value != "" && !isEncValue(v.Value) {
				out = append(out, plaintextLeaf{path: slices.Clone(p), pos: at, isComment: true})
			}
		case string:
			if v != "" && !isEncValue(v) {
				out = append(out, plaintextLeaf{path: slices.Clone(p), pos: at})
			}
		default:
			out = append(out, plaintextLeaf{path: slices.Clone(p), pos: at})
		}
		return v, nil
	})
	return out
}

func (r *Repo) auditLeftovers(dl *diag.List) {
	dirs := map[string]bool{}
	filepath.WalkDir(r.abs(Dir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isLeftover(d.Name()) {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	var list []string
	for d := range dirs {
		list = append(list, d)
	}
	slices.Sort(list)
	for _, dir := range list {
		relDir, _ := filepath.Rel(r.Root, dir)
		relDir = filepath.ToSlash(relDir)
		// The folder's write lock removes them (see Repo.lock).
		var removed []string
		if unlock, err := lockDir(dir); err == nil {
			removed = removeLeftovers(dir)
			unlock()
		}
		for _, name := range removed {
			rel := relDir + "/" + name
			dl.Warnf(diag.Pos{File: rel}, CodeLeftover, "%s was left over from an interrupted write: removed it", rel).
				Hint("nothing to do: its rename never happened, so the secret kept its previous content; any write to the folder removes such files")
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if isLeftover(e.Name()) && !slices.Contains(removed, e.Name()) {
				rel := relDir + "/" + e.Name()
				dl.Warnf(diag.Pos{File: rel}, CodeLeftover, "%s is left over from an interrupted write", rel).
					Hint("delete it; the secret next to it is complete")
			}
		}
	}
}

// privateKeyMarkers are the beginnings of private keys that must never be
// committed, with what they are.
func privateKeyMarkers() [][2]string {
	return [][2]string{
		{"AGE-SECRET-KEY-1", "an age identity"},
		{"AGE-SECRET-KEY-PQ-1", "a post-quantum age identity"},
		{"AGE-PLUGIN-", "an age plugin identity"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----", "an OpenSSH private key"},
		{"-----BEGIN RSA PRIVATE KEY-----", "an RSA private key"},
		{"-----BEGIN EC PRIVATE KEY-----", "an EC private key"},
		{"-----BEGIN PRIVATE KEY-----", "a PKCS#8 private key"},
	}
}

func (r *Repo) auditPrivateKeys(ctx context.Context, opts AuditOptions, dl *diag.List) error {
	files := opts.ScanFiles
	if files == nil {
		err := filepath.WalkDir(r.Root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if p != r.Root && strings.HasPrefix(d.Name(), ".") && d.IsDir() {
				return fs.SkipDir
			}
			if d.Type().IsRegular() {
				rel, _ := filepath.Rel(r.Root, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	const maxScan = 4 << 20
	for _, rel := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if slices.ContainsFunc(opts.KeysAllowed, func(pre string) bool { return strings.HasPrefix(rel, pre) }) {
			continue
		}
		st, err := os.Stat(r.abs(rel))
		if err != nil || !st.Mode().IsRegular() || st.Size() > maxScan {
			continue
		}
		data, err := os.ReadFile(r.abs(rel))
		if err != nil {
			continue
		}
		for _, m := range privateKeyMarkers() {
			i := bytes.Index(data, []byte(m[0]))
			if i < 0 {
				continue
			}
			line := bytes.Count(data[:i], []byte("\n")) + 1
			col := i - bytes.LastIndexByte(data[:i], '\n')
			dl.Errorf(diag.Pos{File: rel, Line: int32(line), Col: int32(col)}, CodePrivateKey, "%s holds %s", rel, m[1]).
				Hint("remove it from the repository and its history, and replace the key: anyone with the repository can use it")
			break
		}
	}
	return nil
}

// AuditErrors reports whether findings hold an error, for the exit code.
func AuditErrors(ds []diag.Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Severity == diag.Error })
}
