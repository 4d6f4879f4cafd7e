package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
)

// Repo is the secrets tree of one fleet: the files under Root/secrets, and
// the access rules and identities every operation on them needs. Paths
// given to its methods are relative to Root (with / or the OS separator)
// or absolute; they must lie below Root/secrets.
type Repo struct {
	// Root is the fleet's root folder, where fleet.toml and .sops.yaml are.
	Root string
	// Access decides who reads what; the CLI builds it from the evaluated
	// fleet.
	Access *Access
	// Identities decrypt; LoadIdentities finds them the way sops does.
	// Operations that only encrypt do not need them.
	Identities []age.Identity
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TempDir is where Edit puts the plaintext for the editor; "" means
	// the system's temporary folder. It must not be inside Root.
	TempDir string

	// beforeRename, when set, runs after a new file version is written
	// and synced and before it replaces the old one. Tests use it to
	// interrupt writes.
	beforeRename func(path string) error
}

func (r *Repo) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Repo) access() *Access {
	if r.Access == nil {
		return &Access{}
	}
	return r.Access
}

// Rel turns a path into the slash-separated path relative to Root that
// names a secret file, checking that it lies below Root/secrets.
func (r *Repo) Rel(p string) (string, error) {
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(r.Root, filepath.FromSlash(p))
	}
	rel, err := filepath.Rel(r.Root, abs)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, ErrOutsideTree)
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasPrefix(rel, Dir+"/") || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s: %w", p, ErrOutsideTree)
	}
	return rel, nil
}

func (r *Repo) abs(rel string) string { return filepath.Join(r.Root, filepath.FromSlash(rel)) }

// Find returns the file of the secret with the given ID
// ("backup/restic-password" finds secrets/backup/restic-password.yaml),
// trying the extensions in order.
func (r *Repo) Find(id string) (string, error) {
	for _, ext := range Extensions() {
		rel := Dir + "/" + id + ext
		if _, err := os.Stat(r.abs(rel)); err == nil {
			return rel, nil
		}
	}
	return "", fmt.Errorf("secret %q: %w", id, fs.ErrNotExist)
}

// Recipients returns the recipients a secret file must be encrypted to.
// Files whose names fleet does not recognise as secrets (an unknown
// extension) go to the admins only, as the generated .sops.yaml says.
func (r *Repo) Recipients(p string) ([]string, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return nil, err
	}
	return r.recipients(rel), nil
}

func (r *Repo) recipients(rel string) []string { return recipientsIn(r.access().Index(), rel) }

// recipientsIn is Repo.Recipients for a relative path, looked up in x:
// operations over many files build the index once.
func recipientsIn(x *Index, rel string) []string {
	if id, ok := SecretID(rel); ok {
		return x.Recipients(id)
	}
	return x.Admins()
}

// Files lists the files of the secrets tree, relative to Root, sorted.
// Hidden files and folders (including the leftovers of interrupted writes)
// are left out.
func (r *Repo) Files() ([]string, error) {
	var out []string
	base := r.abs(Dir)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != base {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(r.Root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// Load parses an encrypted secret file without decrypting it.
func (r *Repo) Load(p string) (*File, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return nil, err
	}
	return r.load(rel)
}

func (r *Repo) load(rel string) (*File, error) { return readAs(r, rel, Parse) }

// EncryptedTo returns the recipients a secret file's data key is
// encrypted to now, without decrypting it, with the errors Load would
// return (see ReadRecipients). Recipients says whom it must be encrypted
// to.
func (r *Repo) EncryptedTo(p string) ([]string, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return nil, err
	}
	return readAs(r, rel, ReadRecipients)
}

// readAs reads the secret file rel and parses it in its format: a
// missing file is fs.ErrNotExist, and every error names the file.
func readAs[T any](r *Repo, rel string, parse func(Format, []byte) (T, error)) (T, error) {
	var zero T
	data, err := os.ReadFile(r.abs(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return zero, fmt.Errorf("%s: %w", rel, fs.ErrNotExist)
	}
	if err != nil {
		return zero, err
	}
	v, err := parse(FormatForPath(rel), data)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", rel, err)
	}
	return v, nil
}

// Open decrypts a secret file and verifies its MAC.
func (r *Repo) Open(p string) (*Document, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return nil, err
	}
	return r.open(rel)
}

func (r *Repo) open(rel string) (*Document, error) {
	f, err := r.load(rel)
	if err != nil {
		return nil, err
	}
	d, err := f.Decrypt(r.Identities)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return d, nil
}

// Decrypt returns the plaintext of a secret file, as `sops decrypt`
// prints it.
func (r *Repo) Decrypt(p string) ([]byte, error) {
	d, err := r.Open(p)
	if err != nil {
		return nil, err
	}
	return d.Plaintext()
}

// Get returns one value of a secret file (see Document.Get); the empty key
// is the whole plaintext.
func (r *Repo) Get(p, key string) ([]byte, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return nil, err
	}
	d, err := r.open(rel)
	if err != nil {
		return nil, err
	}
	v, err := d.Get(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return v, nil
}

// Encrypt creates a secret file from plaintext, encrypted to the
// recipients the access rules give it, with a new data key. It replaces a
// plaintext file of that name (encrypting in place), but refuses to
// replace an encrypted one: use Set or Edit to change it.
func (r *Repo) Encrypt(p string, plaintext []byte) error {
	rel, err := r.Rel(p)
	if err != nil {
		return err
	}
	unlock, err := r.lock(rel)
	if err != nil {
		return err
	}
	defer unlock()
	if existing, err := os.ReadFile(r.abs(rel)); err == nil {
		if _, err := Parse(FormatForPath(rel), existing); err == nil || !errors.Is(err, ErrNotEncrypted) && !errors.Is(err, ErrSyntax) {
			return fmt.Errorf("%s is already an encrypted secret; change it with set or edit: %w", rel, ErrExists)
		}
	}
	recipients := r.recipients(rel)
	if len(recipients) == 0 {
		return fmt.Errorf("%s: nobody may read it: %w", rel, ErrNoRecipients)
	}
	d, err := NewDocument(FormatForPath(rel), plaintext, recipients)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	out, err := d.Encrypt(r.now())
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return r.write(rel, out)
}

// emptyPlaintext is the content a new secret starts from.
func emptyPlaintext(f Format) []byte {
	if f == FormatJSON {
		return []byte("{}")
	}
	return nil
}

// openOrNew decrypts a secret file, or starts a new one encrypted to the
// access rules' recipients when it does not exist.
func (r *Repo) openOrNew(rel string) (d *Document, created bool, err error) {
	d, err = r.open(rel)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return d, false, err
	}
	recipients := r.recipients(rel)
	if len(recipients) == 0 {
		return nil, false, fmt.Errorf("%s: nobody may read it: %w", rel, ErrNoRecipients)
	}
	f := FormatForPath(rel)
	d, err = NewDocument(f, emptyPlaintext(f), recipients)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", rel, err)
	}
	return d, true, nil
}

// Set stores value as a string at key in a secret file (creating the file
// when missing) and reports whether the file changed. Unchanged values
// keep their ciphertext, so the diff shows only this value, lastmodified
// and the MAC. A binary secret takes the empty key.
func (r *Repo) Set(p, key, value string) (bool, error) {
	rel, err := r.Rel(p)
	if err != nil {
		return false, err
	}
	unlock, err := r.lock(rel)
	if err != nil {
		return false, err
	}
	defer unlock()
	d, created, err := r.openOrNew(rel)
	if err != nil {
		return false, err
	}
	changed, err := d.Set(key, value)
	if err != nil {
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	if !changed && !created {
		return false, nil
	}
	out, err := d.Encrypt(r.now())
	if err != nil {
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	return true, r.write(rel, out)
}

// EditOptions drives Edit.
type EditOptions struct {
	// Run opens an editor on the plaintext file at path and waits for it
	// to exit. The CLI runs $EDITOR.
	Run func(ctx context.Context, path string) error
	// Retry is asked, when the edited content does not parse, whether to
	// open the editor again on it. Nil means never: the edit is dropped.
	Retry func(err error) bool
}

// Edit decrypts a secret file (or starts a new one) into a private
// temporary file (mode 0600 in a fresh 0700 folder outside the fleet),
// lets opts.Run edit it, and encrypts the result back, keeping the
// ciphertext of unchanged values. The temporary folder is removed before
// Edit returns. ErrNotModified means nothing changed and nothing was
// written.
func (r *Repo) Edit(ctx context.Context, p string, opts EditOptions) error {
	if opts.Run == nil {
		return errors.New("edit: no editor")
	}
	rel, err := r.Rel(p)
	if err != nil {
		return err
	}
	tmpBase := r.TempDir
	if tmpBase == "" {
		tmpBase = os.TempDir()
	}
	if inside(r.Root, tmpBase) {
		return fmt.Errorf("edit: the temporary folder %s is inside the fleet; plaintext must not land in the repository", tmpBase)
	}
	// The lock creates the secret's folder; an edit of a new secret in a
	// new folder that writes nothing leaves no empty folder behind.
	folder := filepath.Dir(r.abs(rel))
	if _, err := os.Stat(folder); errors.Is(err, fs.ErrNotExist) {
		defer os.Remove(folder) // fails, harmlessly, once it holds the secret
	}
	unlock, err := r.lock(rel)
	if err != nil {
		return err
	}
	snapshot, _ := os.ReadFile(r.abs(rel))
	d, created, err := r.openOrNew(rel)
	unlock()
	if err != nil {
		return err
	}
	before, err := d.Plaintext()
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if created {
		before = nil
	}
	dir, err := os.MkdirTemp(tmpBase, "fleet-secret-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, path.Base(rel))
	if err := writePrivate(tmp, before); err != nil {
		return err
	}
	for {
		if err := opts.Run(ctx, tmp); err != nil {
			return err
		}
		after, err := os.ReadFile(tmp)
		if err != nil {
			return err
		}
		if bytes.Equal(after, before) || (created && len(bytes.TrimSpace(after)) == 0) {
			return ErrNotModified
		}
		if err := checkPlain(d.Format(), after); err != nil {
			if opts.Retry != nil && opts.Retry(err) {
				continue
			}
			return fmt.Errorf("%s: %w", rel, err)
		}
		return r.saveEdit(rel, snapshot, before, after, d, created)
	}
}

// saveEdit writes an edited secret under the folder's write lock. When
// another command rewrote the file during the edit (a rekey, a set), the
// edit is applied to the file as it is now, so that its recipients and
// data key as they are now are kept (a recipient revoked meanwhile is not
// granted again); when the values changed too, nothing is written and
// ErrChanged says so.
func (r *Repo) saveEdit(rel string, snapshot, before, after []byte, d *Document, created bool) error {
	unlock, err := r.lock(rel)
	if err != nil {
		return err
	}
	defer unlock()
	current, err := os.ReadFile(r.abs(rel))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !bytes.Equal(current, snapshot) {
		if current == nil {
			return fmt.Errorf("%s was removed while it was being edited: %w", rel, ErrChanged)
		}
		now, err := r.open(rel)
		if err != nil {
			return err
		}
		plain, err := now.Plaintext()
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if created || !bytes.Equal(plain, before) {
			return fmt.Errorf("%s: %w", rel, ErrChanged)
		}
		d, created = now, false
	}
	changed, err := d.Replace(after)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if !changed && !created {
		return ErrNotModified
	}
	out, err := d.Encrypt(r.now())
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return r.write(rel, out)
}

// writePrivate creates a file readable by its owner only.
func writePrivate(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// inside reports whether p is root or below it.
func inside(root, p string) bool {
	ra, err1 := filepath.Abs(root)
	pa, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return false
	}
	if r, err := filepath.EvalSymlinks(ra); err == nil {
		ra = r
	}
	if q, err := filepath.EvalSymlinks(pa); err == nil {
		pa = q
	}
	rel, err := filepath.Rel(ra, pa)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// lock takes the write lock of the secret rel (the lock of its folder,
// created when missing) for a read-change-write.
// Holding it, the temporary files that interrupted writes left in the
// folder are removed.
func (r *Repo) lock(rel string) (unlock func(), err error) {
	dir := filepath.Dir(r.abs(rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err = lockDir(dir)
	if err == nil && strings.HasPrefix(rel, Dir+"/") {
		removeLeftovers(dir)
	}
	return unlock, err
}

// isLeftover reports whether a base name is one of the temporary files
// writeFileAtomic creates (".<name>.tmp-<digits>").
func isLeftover(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i <= 1 {
		return false
	}
	digits := name[i+len(".tmp-"):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// removeLeftovers deletes the temporary files of interrupted writes in
// dir and returns their names. It must be called with dir's write lock
// held: every writer creates its temporary file under that lock, so any
// found then belongs to a write that ended without renaming it (a killed
// process). Where locks do not work it does nothing.
func removeLeftovers(dir string) (removed []string) {
	if !locksWork {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isLeftover(e.Name()) {
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				removed = append(removed, e.Name())
			}
		}
	}
	return removed
}

func (r *Repo) write(rel string, data []byte) error {
	return writeFileAtomic(r.abs(rel), data, r.beforeRename)
}

// writeFileAtomic replaces path with data: it writes a temporary file in
// the same folder, syncs it, renames it over path and syncs the folder, so
// that a crash leaves either the old or the new content. A new file gets
// mode 0644 (its content is encrypted); an existing file keeps its mode.
func writeFileAtomic(p string, data []byte, beforeRename func(string) error) (err error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(p); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if beforeRename != nil {
		if err = beforeRename(p); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, p); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// FileStatus is one secret file as `fleet secrets` lists it.
type FileStatus struct {
	Path   string `json:"path"`
	ID     string `json:"id,omitempty"`
	Format Format `json:"format"`
	// Encrypted is false for a file without sops metadata or that does not
	// parse; Error then says why.
	Encrypted bool   `json:"encrypted"`
	Error     string `json:"error,omitempty"`
	// Recipients are the file's, Readers the parties the access rules
	// allow ("admin alex", "host web").
	Recipients []string `json:"recipients,omitempty"`
	Readers    []string `json:"readers"`
	// UpToDate is true when the file's recipients are the rules'.
	UpToDate bool `json:"up_to_date"`
}

// List describes every file of the secrets tree without decrypting
// anything.
func (r *Repo) List() ([]FileStatus, error) {
	rels, err := r.Files()
	if err != nil {
		return nil, err
	}
	x := r.access().Index()
	var out []FileStatus
	for _, rel := range rels {
		st := FileStatus{Path: rel, Format: FormatForPath(rel)}
		if id, ok := SecretID(rel); ok {
			st.ID = id
			st.Readers = x.Readers(id)
		} else {
			for _, i := range x.admins {
				st.Readers = append(st.Readers, string(x.ps[i].kind)+" "+x.ps[i].Name)
			}
		}
		f, err := r.load(rel)
		if err != nil {
			st.Error = strings.TrimPrefix(err.Error(), rel+": ")
		} else {
			st.Encrypted = true
			st.Recipients = f.Recipients()
			st.UpToDate = sameSet(st.Recipients, recipientsIn(x, rel))
		}
		out = append(out, st)
	}
	return out, nil
}
