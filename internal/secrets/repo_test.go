package secrets

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func TestRepoEncryptDecrypt(t *testing.T) {
	tf := newTestFleet(t)
	for f, plain := range samples() {
		rel := "secrets/app/sample" + extFor(f)
		t.Run(f.String(), func(t *testing.T) {
			if err := tf.repo.Encrypt(rel, plain); err != nil {
				t.Fatal(err)
			}
			file, err := tf.repo.Load(rel)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tf.access().Recipients("app/sample"), file.Recipients()); diff != "" {
				t.Errorf("recipients (-rules +file):\n%s", diff)
			}
			got, err := tf.repo.Decrypt(rel)
			if err != nil {
				t.Fatal(err)
			}
			sameTree(t, f, plain, got)
			web := *tf.repo
			web.Identities = []age.Identity{tf.web.ageIdentIt}
			if _, err := web.Decrypt(rel); err != nil {
				t.Errorf("host web cannot read app/sample: %v", err)
			}
			db := *tf.repo
			db.Identities = []age.Identity{tf.db.ageIdentIt}
			if _, err := db.Decrypt(rel); !errors.Is(err, ErrNoIdentity) {
				t.Errorf("host db reads app/sample: %v", err)
			}
			if err := tf.repo.Encrypt(rel, plain); !errors.Is(err, ErrExists) {
				t.Errorf("encrypting over an encrypted file: %v, want ErrExists", err)
			}
		})
	}
	// Encrypting in place: the plaintext file is replaced by its encryption.
	tf.write(t, "secrets/app/inplace.yaml", []byte("k: "+marker+"\n"))
	if err := tf.repo.Encrypt("secrets/app/inplace.yaml", tf.read(t, "secrets/app/inplace.yaml")); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(tf.read(t, "secrets/app/inplace.yaml"), []byte(marker)) {
		t.Error("in-place encryption left the plaintext")
	}
	for _, bad := range []string{"fleet.toml", "../x/secrets/a.yaml", "secretsx/a.yaml", filepath.Join(t.TempDir(), "secrets/a.yaml")} {
		if err := tf.repo.Encrypt(bad, []byte("a: b")); !errors.Is(err, ErrOutsideTree) {
			t.Errorf("Encrypt(%q): %v, want ErrOutsideTree", bad, err)
		}
	}
}

func TestRepoSetGet(t *testing.T) {
	tf := newTestFleet(t)
	rel := "secrets/app/db.yaml"
	changed, err := tf.repo.Set(rel, "db/password", marker)
	if err != nil || !changed {
		t.Fatalf("Set on a new file = %v, %v", changed, err)
	}
	if _, err := tf.repo.Set(rel, "db/user", "app"); err != nil {
		t.Fatal(err)
	}
	before := tf.read(t, rel)
	changed, err = tf.repo.Set(rel, "db/user", "app")
	if err != nil || changed {
		t.Fatalf("Set of an equal value = %v, %v", changed, err)
	}
	if !bytes.Equal(before, tf.read(t, rel)) {
		t.Error("an unchanged Set rewrote the file")
	}
	got, err := tf.repo.Get(rel, "db/password")
	if err != nil || string(got) != marker {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if found, err := tf.repo.Find("app/db"); err != nil || found != rel {
		t.Errorf("Find(app/db) = %q, %v", found, err)
	}
	if _, err := tf.repo.Find("app/none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Find of a missing secret: %v", err)
	}
	if _, err := tf.repo.Get(rel, "db/nope"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get of a missing key: %v", err)
	}
	tf.repo.Now = func() time.Time { return testNow().Add(time.Hour) }
	if _, err := tf.repo.Set(rel, "db/password", "new"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"password", "lastmodified", "mac"}, changedLines(t, before, tf.read(t, rel))); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
	// A binary secret takes the empty key; a dotenv secret flat keys.
	if _, err := tf.repo.Set("secrets/app/cert.bin", "", "PEM DATA"); err != nil {
		t.Fatal(err)
	}
	if got, _ := tf.repo.Get("secrets/app/cert.bin", ""); string(got) != "PEM DATA" {
		t.Errorf("binary Get = %q", got)
	}
	if _, err := tf.repo.Set("secrets/app/env.env", "A/B", "x"); err == nil {
		t.Error("nested key in a dotenv file accepted")
	}
	if _, err := tf.repo.Set("secrets/app/env.env", "TOKEN", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := tf.repo.Set("secrets/app/conf.json", "a/b", "x"); err != nil {
		t.Fatal(err)
	}
	if got, _ := tf.repo.Get("secrets/app/conf.json", ""); string(got) != "{\n\t\"a\": {\n\t\t\"b\": \"x\"\n\t}\n}\n" {
		t.Errorf("JSON after Set:\n%s", got)
	}
}

// editor returns an EditOptions.Run that checks the temporary file and
// applies change to it.
func editor(t *testing.T, root string, seen *string, change func([]byte) []byte) func(context.Context, string) error {
	return func(_ context.Context, p string) error {
		*seen = p
		if inside(root, p) {
			t.Errorf("plaintext file %s is inside the fleet", p)
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("plaintext file mode %v, want 0600", st.Mode().Perm())
		}
		dst, err := os.Stat(filepath.Dir(p))
		if err != nil {
			return err
		}
		if dst.Mode().Perm() != 0o700 {
			t.Errorf("plaintext folder mode %v, want 0700", dst.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, change(data), 0o600)
	}
}

func TestRepoEdit(t *testing.T) {
	tf := newTestFleet(t)
	ctx := context.Background()
	rel := "secrets/app/edit.yaml"
	var seen string
	err := tf.repo.Edit(ctx, rel, EditOptions{Run: editor(t, tf.root, &seen, func([]byte) []byte {
		return []byte("# a comment\ndb:\n    password: " + marker + "\n    user: app\n")
	})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(seen)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary folder %s left behind: %v", filepath.Dir(seen), err)
	}
	if filepath.Base(seen) != "edit.yaml" {
		t.Errorf("temporary file %s does not keep the secret's name", seen)
	}
	before := tf.read(t, rel)
	if bytes.Contains(before, []byte(marker)) {
		t.Fatal("edited file holds plaintext")
	}

	// An edit that changes nothing writes nothing.
	if err := tf.repo.Edit(ctx, rel, EditOptions{Run: editor(t, tf.root, &seen, func(b []byte) []byte { return b })}); !errors.Is(err, ErrNotModified) {
		t.Fatalf("no-op edit: %v, want ErrNotModified", err)
	}
	if !bytes.Equal(before, tf.read(t, rel)) {
		t.Fatal("no-op edit rewrote the file")
	}

	// A change keeps the other values' ciphertext; the comment too.
	tf.repo.Now = func() time.Time { return testNow().Add(time.Hour) }
	err = tf.repo.Edit(ctx, rel, EditOptions{Run: editor(t, tf.root, &seen, func(b []byte) []byte {
		return bytes.Replace(b, []byte("user: app"), []byte("user: admin"), 1)
	})})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"user", "lastmodified", "mac"}, changedLines(t, before, tf.read(t, rel))); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}

	// Invalid content: Retry reopens the editor; without it the edit is dropped.
	calls := 0
	err = tf.repo.Edit(ctx, rel, EditOptions{
		Run: func(_ context.Context, p string) error {
			calls++
			content := "a: [" + marker + "\n"
			if calls == 2 {
				content = "a: fixed\n"
			}
			return os.WriteFile(p, []byte(content), 0o600)
		},
		Retry: func(err error) bool {
			if strings.Contains(err.Error(), marker) {
				t.Errorf("parse error shows content: %v", err)
			}
			return true
		},
	})
	if err != nil || calls != 2 {
		t.Fatalf("edit with a retry: %v after %d calls", err, calls)
	}
	err = tf.repo.Edit(ctx, rel, EditOptions{Run: func(_ context.Context, p string) error { return os.WriteFile(p, []byte("a: ["), 0o600) }})
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("invalid edit without retry: %v, want ErrSyntax", err)
	}

	// A new file left empty is not created.
	err = tf.repo.Edit(ctx, "secrets/app/new.yaml", EditOptions{Run: func(context.Context, string) error { return nil }})
	if !errors.Is(err, ErrNotModified) {
		t.Errorf("empty new file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tf.root, "secrets/app/new.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty new file was created")
	}

	// The temporary folder may not be inside the fleet.
	inTree := *tf.repo
	inTree.TempDir = filepath.Join(tf.root, "tmp")
	os.MkdirAll(inTree.TempDir, 0o700)
	if err := inTree.Edit(ctx, rel, EditOptions{Run: func(context.Context, string) error { return nil }}); err == nil {
		t.Error("Edit used a temporary folder inside the fleet")
	}
}

// TestNoPlaintextInRepo runs every operation that handles plaintext and
// then searches the fleet folder for it.
func TestNoPlaintextInRepo(t *testing.T) {
	tf := newTestFleet(t)
	ctx := context.Background()
	for f, plain := range samples() {
		if err := tf.repo.Encrypt("secrets/app/s"+extFor(f), plain); err != nil {
			t.Fatal(err)
		}
	}
	// A file without an extension is a binary secret.
	if _, err := tf.repo.Set("secrets/shared/token", "", marker); err != nil {
		t.Fatal(err)
	}
	if _, err := tf.repo.Set("secrets/shared/token.yaml", "token", marker+"-set"); err != nil {
		t.Fatal(err)
	}
	var seen string
	if err := tf.repo.Edit(ctx, "secrets/db/main.yaml", EditOptions{Run: editor(t, tf.root, &seen, func([]byte) []byte { return []byte("pw: " + marker + "-edit\n") })}); err != nil {
		t.Fatal(err)
	}
	tf.repo.Access.Hosts = tf.repo.Access.Hosts[:1]
	if _, err := tf.repo.Rekey(ctx, RekeyOptions{Rotate: true}); err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if _, err := tf.repo.Backup(ctx, &backup, []string{tf.admin.Recipient().String()}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.root, "backup.age"), backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	restored := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: tf.repo.Identities, Now: testNow}
	if _, err := restored.Restore(ctx, bytes.NewReader(backup.Bytes()), RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{tf.root, restored.Root} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(marker)) || bytes.Contains(data, []byte(marker[:8])) {
				t.Errorf("%s holds plaintext", p)
			}
			return nil
		})
	}
	// The temporary folder of the edit is empty again.
	entries, _ := os.ReadDir(tf.repo.TempDir)
	if len(entries) != 0 {
		t.Errorf("temporary folder holds %d entries after edits", len(entries))
	}
}

// TestErrorsHideSecrets provokes every kind of failure on files holding
// the marker and checks that no error shows it.
func TestErrorsHideSecrets(t *testing.T) {
	tf := newTestFleet(t)
	ctx := context.Background()
	for f, plain := range samples() {
		if err := tf.repo.Encrypt("secrets/app/s"+extFor(f), plain); err != nil {
			t.Fatal(err)
		}
	}
	yml := string(tf.read(t, "secrets/app/s.yaml"))
	plantings := map[string]string{
		"plaintext value": strings.Replace(yml, "port: ENC[", "port: "+marker+" # ENC[", 1),
		"value moved":     strings.Replace(yml, "password: ENC[", "passwd: ENC[", 1),
		"broken yaml":     yml + "\n  : [" + marker,
		"bad mac":         strings.Replace(yml, "mac: ENC[AES256_GCM,data:", "mac: ENC[AES256_GCM,data:AAAA", 1),
		"no metadata":     "password: " + marker + "\n",
	}
	var errs []error
	for name, content := range plantings {
		tf.write(t, "secrets/app/planted.yaml", []byte(content))
		_, err := tf.repo.Decrypt("secrets/app/planted.yaml")
		if err == nil {
			t.Errorf("%s: decrypt succeeded", name)
			continue
		}
		errs = append(errs, err)
		_, err = tf.repo.Get("secrets/app/planted.yaml", "db/password")
		errs = append(errs, err)
		_, err = tf.repo.Set("secrets/app/planted.yaml", "db/password", marker)
		errs = append(errs, err)
		_, err = tf.repo.Rekey(ctx, RekeyOptions{Rotate: true, Paths: []string{"secrets/app/planted.yaml"}})
		errs = append(errs, err)
		ds, err := tf.repo.Audit(ctx, AuditOptions{})
		errs = append(errs, err)
		for _, d := range ds {
			errs = append(errs, d)
		}
	}
	stranger := *tf.repo
	stranger.Identities = []age.Identity{newIdentity(t)}
	_, err := stranger.Decrypt("secrets/app/s.yaml")
	errs = append(errs, err)
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), marker) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestRepoList(t *testing.T) {
	tf := newTestFleet(t)
	seed(t, tf, 1)
	tf.write(t, "secrets/app/plain.yaml", []byte("a: b\n"))
	tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/s00")
	got, err := tf.repo.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []FileStatus{
		{Path: "secrets/app/plain.yaml", ID: "app/plain", Format: FormatYAML, Error: "file has no sops metadata", Readers: []string{"admin root", "host web"}},
		{Path: "secrets/app/s00.yaml", ID: "app/s00", Format: FormatYAML, Encrypted: true, Recipients: []string{tf.admin.Recipient().String(), tf.web.recipient}, Readers: []string{"admin root", "host db", "host web"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}
