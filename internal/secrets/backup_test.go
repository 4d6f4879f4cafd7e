package secrets

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func backupFleet(t *testing.T) (*testFleet, *age.X25519Identity, []byte) {
	t.Helper()
	tf := newTestFleet(t)
	seed(t, tf, 2)
	if _, err := tf.repo.Set("secrets/hosts/web/ssh.env", "KEY", marker); err != nil {
		t.Fatal(err)
	}
	cfg, err := tf.repo.Access.SopsConfig()
	if err != nil {
		t.Fatal(err)
	}
	tf.write(t, SopsConfigFile, cfg)
	recovery := newIdentity(t)
	var buf bytes.Buffer
	man, err := tf.repo.Backup(context.Background(), &buf, []string{recovery.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range man.Files {
		paths = append(paths, f.Path)
	}
	want := []string{"secrets/app/s00.yaml", "secrets/app/s01.yaml", "secrets/hosts/web/ssh.env", SopsConfigFile, BackupKeys}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	return tf, recovery, buf.Bytes()
}

func TestBackupRestore(t *testing.T) {
	tf, recovery, archive := backupFleet(t)
	ctx := context.Background()
	// The recovery key opens the archive; the admin verifies the secrets.
	target := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery, tf.admin}, Now: testNow}
	res, err := target.Restore(ctx, bytes.NewReader(archive), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 4 || len(res.Keys) != 4 {
		t.Errorf("restored %d files and %d keys: %+v", len(res.Written), len(res.Keys), res)
	}
	for _, rel := range res.Written {
		got, err := os.ReadFile(filepath.Join(target.Root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tf.read(t, rel)) {
			t.Errorf("%s differs after restore", rel)
		}
	}
	// Restoring again finds everything in place.
	res, err = target.Restore(ctx, bytes.NewReader(archive), RestoreOptions{})
	if err != nil || len(res.Unchanged) != 4 || len(res.Written) != 0 {
		t.Errorf("second restore: %+v, %v", res, err)
	}
	// A changed file blocks the restore unless Overwrite is set.
	os.WriteFile(filepath.Join(target.Root, SopsConfigFile), []byte("changed\n"), 0o644)
	if _, err := target.Restore(ctx, bytes.NewReader(archive), RestoreOptions{}); !errors.Is(err, ErrExists) {
		t.Errorf("restore over a changed file: %v, want ErrExists", err)
	}
	if _, err := target.Restore(ctx, bytes.NewReader(archive), RestoreOptions{Overwrite: true}); err != nil {
		t.Errorf("restore with Overwrite: %v", err)
	}
}

func TestRestoreVerifiesBeforeWriting(t *testing.T) {
	tf, recovery, _ := backupFleet(t)
	ctx := context.Background()
	// Tamper with one secret and back up again: the archive itself is
	// sound, but the secret's MAC no longer matches.
	rel := "secrets/app/s01.yaml"
	yml := string(tf.read(t, rel))
	i := strings.Index(yml, "    - ENC")
	j := strings.Index(yml[i+1:], "    - ENC") + i + 1
	end := strings.Index(yml[j:], "\n") + j
	lines := strings.Split(yml[i:end], "\n")
	lines[0], lines[1] = lines[1], lines[0]
	tf.write(t, rel, []byte(yml[:i]+strings.Join(lines, "\n")+yml[end:]))
	var buf bytes.Buffer
	if _, err := tf.repo.Backup(ctx, &buf, []string{recovery.Recipient().String()}); err != nil {
		t.Fatal(err)
	}
	target := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery, tf.admin}, Now: testNow}
	_, err := target.Restore(ctx, bytes.NewReader(buf.Bytes()), RestoreOptions{})
	if !errors.Is(err, ErrTampered) {
		t.Fatalf("restore of a tampered secret: %v, want ErrTampered", err)
	}
	entries, _ := os.ReadDir(target.Root)
	if len(entries) != 0 {
		t.Errorf("restore wrote %d entries before failing", len(entries))
	}
	// Without an identity for the secrets, nothing can be verified.
	onlyArchive := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery}}
	if _, err := onlyArchive.Restore(ctx, bytes.NewReader(buf.Bytes()), RestoreOptions{}); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("restore without an admin identity: %v, want ErrUnauthenticated", err)
	}
	if _, err := onlyArchive.Restore(ctx, bytes.NewReader(buf.Bytes()), RestoreOptions{Unauthenticated: true}); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("restore without a secrets identity: %v, want ErrNoIdentity", err)
	}
	// A damaged archive fails in age.
	bad := slices.Clone(buf.Bytes())
	bad[len(bad)-10] ^= 1
	if _, err := target.Restore(ctx, bytes.NewReader(bad), RestoreOptions{}); err == nil {
		t.Error("damaged archive restored")
	}
	// The wrong key opens nothing.
	stranger := &Repo{Root: t.TempDir(), Identities: []age.Identity{newIdentity(t)}}
	if _, err := stranger.Restore(ctx, bytes.NewReader(buf.Bytes()), RestoreOptions{}); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("restore with a stranger's key: %v", err)
	}
}

// craft builds an age-encrypted tar with the given entries.
func craft(t *testing.T, to *age.X25519Identity, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, to.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(w)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(entries[n])), Typeflag: tar.TypeReg})
		io.WriteString(tw, entries[n])
	}
	tw.Close()
	w.Close()
	return buf.Bytes()
}

func TestRestoreRefusesUnsafeArchives(t *testing.T) {
	id := newIdentity(t)
	ctx := context.Background()
	man := `{"format": 1, "files": []}`
	for name, entries := range map[string]map[string]string{
		"escape":       {"manifest.json": man, "../evil": "x"},
		"absolute":     {"manifest.json": man, "/etc/passwd": "x"},
		"outside tree": {"manifest.json": man, "hosts/x/host.toml": "x"},
		"hidden":       {"manifest.json": man, "secrets/.git/config": "x"},
		"no manifest":  {"secrets/a/b.yaml": "x"},
		"unlisted":     {"manifest.json": man, "secrets/a/b.yaml": "x"},
		"bad hash":     {"manifest.json": `{"format": 1, "files": [{"path": "keys.json", "size": 2, "sha256": "00"}]}`, "keys.json": "[]"},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			r := &Repo{Root: root, Identities: []age.Identity{id}}
			if _, err := r.Restore(ctx, bytes.NewReader(craft(t, id, entries)), RestoreOptions{}); err == nil {
				t.Fatal("restored")
			}
			if e, _ := os.ReadDir(root); len(e) != 0 {
				t.Errorf("wrote %d entries", len(e))
			}
		})
	}
}

// TestBackupWithAgeCLI lists and extracts a backup with Debian's age and
// tar, when installed.
func TestBackupWithAgeCLI(t *testing.T) {
	ageBin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("age not found in PATH: apt-get install age to run this test")
	}
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("tar not found in PATH")
	}
	tf, recovery, archive := backupFleet(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "recovery.txt"), []byte(recovery.String()+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "b.tar.age"), archive, 0o600)
	plain, err := exec.Command(ageBin, "-d", "-i", filepath.Join(dir, "recovery.txt"), filepath.Join(dir, "b.tar.age")).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "b.tar"), plain, 0o600)
	out, err := exec.Command(tarBin, "-tf", filepath.Join(dir, "b.tar")).Output()
	if err != nil {
		t.Fatal(err)
	}
	listing := strings.Fields(string(out))
	for _, want := range []string{"manifest.json", "keys.json", ".sops.yaml", "secrets/app/s00.yaml", "secrets/hosts/web/ssh.env"} {
		if !slices.Contains(listing, want) {
			t.Errorf("tar -t lacks %s: %v", want, listing)
		}
	}
	x := filepath.Join(dir, "x")
	os.Mkdir(x, 0o700)
	if out, err := exec.Command(tarBin, "-xf", filepath.Join(dir, "b.tar"), "-C", x).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(x, "secrets/app/s00.yaml"))
	if err != nil || !bytes.Equal(got, tf.read(t, "secrets/app/s00.yaml")) {
		t.Errorf("extracted secret differs: %v", err)
	}
}

func TestBackupSkipsPlaintext(t *testing.T) {
	tf := newTestFleet(t)
	seed(t, tf, 1)
	tf.write(t, "secrets/app/plain.yaml", []byte("a: "+marker+"\n"))
	tf.write(t, "secrets/README.md", []byte("notes\n"))
	recovery := newIdentity(t)
	var buf bytes.Buffer
	man, err := tf.repo.Backup(context.Background(), &buf, []string{recovery.Recipient().String()})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, s := range man.Skipped {
		skipped = append(skipped, s.Path)
	}
	if diff := cmp.Diff([]string{"secrets/README.md", "secrets/app/plain.yaml"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	target := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery, tf.admin}}
	res, err := target.Restore(context.Background(), &buf, RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"secrets/app/s00.yaml"}, res.Written); diff != "" {
		t.Errorf("restored (-want +got):\n%s", diff)
	}
}

// TestBackupForgedRefused: an archive made with nothing but the backup's
// public recipient, with a valid manifest, the forger's own value and a
// .sops.yaml that adds the forger's key, is refused, whether it carries no
// authentication, one signed by the forger, or an admin's signer name
// with tags the forger computed; and a restore that brings back a revoked
// recipient says so.
func TestBackupForgedRefused(t *testing.T) {
	tf, recovery, archive := backupFleet(t)
	ctx := context.Background()
	target := func() *Repo {
		return &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery, tf.admin}, Now: testNow}
	}
	// The forger's fleet: same layout, the forger as admin.
	forger := newTestFleet(t)
	seed(t, forger, 1)
	var buf bytes.Buffer
	if _, err := forger.repo.Backup(ctx, &buf, []string{recovery.Recipient().String()}); err != nil {
		t.Fatal(err)
	}
	if _, err := target().Restore(ctx, bytes.NewReader(buf.Bytes()), RestoreOptions{}); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "not an admin of this fleet") {
		t.Errorf("backup signed by a stranger: %v, want ErrUnauthenticated (not an admin)", err)
	}
	// The forger names the real admin as signer, with tags of its own.
	entries := untar(t, recovery, buf.Bytes())
	admin := tf.admin.Recipient().String()
	entries[BackupAuth] = `{"version": 1, "signer": "` + admin + `", "tags": {"` + admin + `": "` + strings.Repeat("ab", 32) + `"}}`
	forged := craft(t, recovery, entries)
	if _, err := target().Restore(ctx, bytes.NewReader(forged), RestoreOptions{}); !errors.Is(err, ErrTampered) {
		t.Errorf("backup with forged tags: %v, want ErrTampered", err)
	}
	if _, err := target().Restore(ctx, bytes.NewReader(forged), RestoreOptions{Unauthenticated: true}); !errors.Is(err, ErrTampered) {
		t.Errorf("backup with forged tags and --unauthenticated: %v, want ErrTampered", err)
	}
	// No authentication at all.
	delete(entries, BackupAuth)
	if _, err := target().Restore(ctx, bytes.NewReader(craft(t, recovery, entries)), RestoreOptions{}); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("backup without %s: %v, want ErrUnauthenticated", BackupAuth, err)
	}
	// The genuine backup verifies; once web loses its secrets, restoring
	// it reports that web would read them again.
	res, err := target().Restore(ctx, bytes.NewReader(archive), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Signer != admin || res.VerifiedBy != admin || len(res.Revived) != 0 {
		t.Errorf("genuine backup: signer %q, verified by %q, revived %v", res.Signer, res.VerifiedBy, res.Revived)
	}
	revoked := *tf.repo.Access
	revoked.Hosts = nil
	r := target()
	r.Access = &revoked
	res, err = r.Restore(ctx, bytes.NewReader(archive), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Revived) == 0 {
		t.Errorf("restore after revoking the hosts reports no revived recipient")
	}
	for _, rv := range res.Revived {
		if len(rv.Recipients) == 0 || slices.Contains(rv.Recipients, admin) {
			t.Errorf("revived %s: %v", rv.Path, rv.Recipients)
		}
	}
}

// untar decrypts an archive into its regular files.
func untar(t *testing.T, id *age.X25519Identity, archive []byte) map[string]string {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(archive), id)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(r)
	out := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[hdr.Name] = string(b)
	}
}
