package secrets

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
)

// Names of the files a backup adds next to the secrets tree.
const (
	BackupManifest = "manifest.json"
	BackupKeys     = "keys.json"
)

// Limits on what a restore reads from an archive.
const (
	maxBackupFile  = 64 << 20
	maxBackupTotal = 512 << 20
)

// Manifest describes a backup: when it was made and the hash of every file.
type Manifest struct {
	Format  int            `json:"format"`
	Created time.Time      `json:"created"`
	Files   []ManifestFile `json:"files"`
	// Skipped are files of the secrets tree left out because they are not
	// SOPS files (a restore could not verify them), with the reason.
	Skipped []SkippedFile `json:"skipped,omitempty"`
}

// SkippedFile is a file Backup left out.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ManifestFile is one file of a backup.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Backup writes an age-encrypted tar archive to w, encrypted to
// recipients: every SOPS file of the secrets tree (others are listed in
// Manifest.Skipped), .sops.yaml, keys.json (the
// public key inventory: who holds which recipient and reads what) and
// manifest.json (the SHA-256 of every file). Secret files stay
// SOPS-encrypted inside; restoring one needs an identity that decrypts it.
// `age -d -i KEY OUT | tar -t` lists the archive.
func (r *Repo) Backup(ctx context.Context, w io.Writer, recipients []string) (*Manifest, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("backup: %w", ErrNoRecipients)
	}
	var rs []age.Recipient
	for _, s := range recipients {
		rc, err := ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		rs = append(rs, rc)
	}
	all, err := r.Files()
	if err != nil {
		return nil, err
	}
	now := r.now().UTC().Truncate(time.Second)
	man := &Manifest{Format: 1, Created: now}
	contents := map[string][]byte{}
	var files []string
	for _, rel := range all {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(r.abs(rel))
		if err != nil {
			return nil, err
		}
		if _, err := Parse(FormatForPath(rel), data); err != nil {
			man.Skipped = append(man.Skipped, SkippedFile{Path: rel, Reason: err.Error()})
			continue
		}
		files = append(files, rel)
		contents[rel] = data
	}
	if data, err := os.ReadFile(filepath.Join(r.Root, SopsConfigFile)); err == nil {
		files = append(files, SopsConfigFile)
		contents[SopsConfigFile] = data
	}
	keys, err := json.MarshalIndent(r.access().Keys(), "", "  ")
	if err != nil {
		return nil, err
	}
	contents[BackupKeys] = append(keys, '\n')
	names := append(slices.Clone(files), BackupKeys)
	for _, n := range names {
		sum := sha256.Sum256(contents[n])
		man.Files = append(man.Files, ManifestFile{Path: n, Size: int64(len(contents[n])), SHA256: hex.EncodeToString(sum[:])})
	}
	manData, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	contents[BackupManifest] = append(manData, '\n')
	auth, err := signBackup(r.Identities, adminRecipients(r.access().parties()), contents[BackupManifest])
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	authData, err := json.MarshalIndent(auth, "", "  ")
	if err != nil {
		return nil, err
	}
	contents[BackupAuth] = append(authData, '\n')
	names = append([]string{BackupManifest, BackupAuth}, names...)

	aw, err := age.Encrypt(w, rs...)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tw := tar.NewWriter(aw)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := path.Dir(n); d != "."; d = path.Dir(d) {
			if dirs[d] {
				break
			}
			dirs[d] = true
		}
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	slices.Sort(dirList)
	for _, d := range dirList {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: now, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		data := contents[n]
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(data)), ModTime: now, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return man, nil
}

// RestoreOptions drives Restore.
type RestoreOptions struct {
	// Overwrite replaces existing files whose content differs from the
	// backup. Without it such files make Restore fail before it writes.
	Overwrite bool
	// DryRun verifies the archive and reports, but writes nothing.
	DryRun bool
	// Unauthenticated restores a backup whose authentication cannot be
	// checked (none, or no identity of the restorer can verify it). A
	// backup whose authentication fails is refused all the same.
	Unauthenticated bool
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	Manifest *Manifest `json:"manifest"`
	// Written are the files written, Unchanged those already identical.
	Written   []string `json:"written"`
	Unchanged []string `json:"unchanged"`
	// Keys is the public key inventory stored in the backup.
	Keys []Key `json:"keys"`
	// Signer is the admin recipient that made the backup and VerifiedBy
	// the admin recipient of the restorer that verified it; both empty
	// when the backup was restored unauthenticated.
	Signer     string `json:"signer,omitempty"`
	VerifiedBy string `json:"verified_by,omitempty"`
	// Revived lists restored files that grant recipients the fleet's
	// access rules no longer give them (revoked since the backup).
	Revived []Revived `json:"revived,omitempty"`
}

// Revived is a restored file whose recipients include some the access
// rules do not grant it now.
type Revived struct {
	Path       string   `json:"path"`
	Recipients []string `json:"recipients"`
}

// Restore reads a backup made by Backup, decrypting it with the Repo's
// identities, and verifies everything before writing anything: the
// archive's names, the manifest's hashes, and for every secret file that
// its sops metadata loads, its data key unwraps and its MAC matches. Only
// then are the files written, each atomically, below Root.
func (r *Repo) Restore(ctx context.Context, in io.Reader, opts RestoreOptions) (*RestoreResult, error) {
	dr, err := age.Decrypt(in, r.Identities...)
	if err != nil {
		if errors.As(err, new(*age.NoIdentityMatchError)) {
			return nil, fmt.Errorf("restore: none of the identities decrypts the backup: %w", ErrNoIdentity)
		}
		// age's header errors may quote the input; never repeat it.
		return nil, fmt.Errorf("restore: the backup is not an age file or is damaged: %s", scrub(err.Error()))
	}
	contents := map[string][]byte{}
	var order []string
	tr := tar.NewReader(dr)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("restore: damaged archive: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("restore: %s is not a regular file", hdr.Name)
		}
		name, err := backupName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if _, dup := contents[name]; dup {
			return nil, fmt.Errorf("restore: %s appears twice in the archive", name)
		}
		if hdr.Size > maxBackupFile || total+hdr.Size > maxBackupTotal {
			return nil, fmt.Errorf("restore: %s is too large", name)
		}
		data, err := io.ReadAll(io.LimitReader(tr, hdr.Size+1))
		if err != nil {
			return nil, fmt.Errorf("restore: damaged archive: %w", err)
		}
		if int64(len(data)) != hdr.Size {
			return nil, fmt.Errorf("restore: %s is truncated", name)
		}
		total += hdr.Size
		contents[name] = data
		order = append(order, name)
	}

	// The manifest must list exactly the other files, with their hashes.
	var man Manifest
	mdata, ok := contents[BackupManifest]
	if !ok {
		return nil, fmt.Errorf("restore: the archive has no %s", BackupManifest)
	}
	if err := json.Unmarshal(mdata, &man); err != nil || man.Format != 1 {
		return nil, fmt.Errorf("restore: %s is not a fleet backup manifest", BackupManifest)
	}
	listed := map[string]bool{}
	for _, mf := range man.Files {
		data, ok := contents[mf.Path]
		if !ok {
			return nil, fmt.Errorf("restore: %s is listed in the manifest but missing", mf.Path)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != mf.SHA256 || int64(len(data)) != mf.Size {
			return nil, fmt.Errorf("restore: %s does not match its hash in the manifest", mf.Path)
		}
		listed[mf.Path] = true
	}
	for _, n := range order {
		if n != BackupManifest && n != BackupAuth && !listed[n] {
			return nil, fmt.Errorf("restore: %s is not listed in the manifest", n)
		}
	}
	res := &RestoreResult{Manifest: &man}
	var auth *backupAuth
	if ad, ok := contents[BackupAuth]; ok {
		auth = &backupAuth{}
		if err := json.Unmarshal(ad, auth); err != nil {
			return nil, fmt.Errorf("restore: %s is damaged: %w", BackupAuth, ErrTampered)
		}
	}
	verifier, err := verifyBackup(auth, r.Identities, adminRecipients(r.access().parties()), mdata)
	switch {
	case err == nil:
		res.Signer, res.VerifiedBy = auth.Signer, verifier
	case errors.Is(err, ErrUnauthenticated) && opts.Unauthenticated:
	default:
		return nil, fmt.Errorf("restore: nothing written: %w", err)
	}
	if kd, ok := contents[BackupKeys]; ok {
		if err := json.Unmarshal(kd, &res.Keys); err != nil {
			return nil, fmt.Errorf("restore: %s is damaged", BackupKeys)
		}
	}

	// Every secret must decrypt and verify.
	var bad []error
	var targets []string
	x := r.access().Index()
	for _, n := range order {
		switch n {
		case BackupManifest, BackupKeys, BackupAuth:
			continue
		case SopsConfigFile:
			targets = append(targets, n)
			continue
		}
		f, err := Parse(FormatForPath(n), contents[n])
		if err == nil {
			_, err = f.Decrypt(r.Identities)
		}
		if err != nil {
			bad = append(bad, fmt.Errorf("%s: %w", n, err))
			continue
		}
		targets = append(targets, n)
		if r.Access != nil {
			now := recipientsIn(x, n)
			var extra []string
			for _, rc := range f.Recipients() {
				if !slices.Contains(now, rc) {
					extra = append(extra, rc)
				}
			}
			if len(extra) > 0 {
				res.Revived = append(res.Revived, Revived{Path: n, Recipients: extra})
			}
		}
	}
	if len(bad) > 0 {
		what := fmt.Sprintf("%d files do not verify", len(bad))
		if len(bad) == 1 {
			what = "1 file does not verify"
		}
		return nil, fmt.Errorf("restore: nothing written, %s: %w", what, errors.Join(bad...))
	}

	// Refuse to clobber different content unless asked.
	var conflicts []string
	for _, n := range targets {
		have, err := os.ReadFile(r.abs(n))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Written = append(res.Written, n)
		case err != nil:
			return nil, err
		case bytes.Equal(have, contents[n]):
			res.Unchanged = append(res.Unchanged, n)
		default:
			conflicts = append(conflicts, n)
			res.Written = append(res.Written, n)
		}
	}
	if len(conflicts) > 0 && !opts.Overwrite {
		return nil, fmt.Errorf("restore: nothing written, these files exist with other content: %s: %w", strings.Join(conflicts, ", "), ErrExists)
	}
	if opts.DryRun {
		return res, nil
	}
	for _, n := range res.Written {
		// Under the folder's write lock, as every writer of secrets.
		unlock, err := r.lock(n)
		if err != nil {
			return res, err
		}
		err = writeFileAtomic(r.abs(n), contents[n], r.beforeRename)
		unlock()
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// backupName checks an archive entry's name: relative, clean, and either
// .sops.yaml, a file of the secrets tree or one of the backup's own files.
func backupName(name string) (string, error) {
	clean := path.Clean(name)
	switch {
	case clean != name || path.IsAbs(name) || strings.HasPrefix(clean, "../") || clean == "..":
		return "", fmt.Errorf("restore: unsafe name %q in the archive", name)
	case clean == SopsConfigFile || clean == BackupKeys || clean == BackupManifest || clean == BackupAuth:
		return clean, nil
	case strings.HasPrefix(clean, Dir+"/"):
		for _, seg := range strings.Split(clean, "/") {
			if strings.HasPrefix(seg, ".") {
				return "", fmt.Errorf("restore: unexpected hidden file %q in the archive", name)
			}
		}
		return clean, nil
	}
	return "", fmt.Errorf("restore: unexpected file %q in the archive", name)
}
