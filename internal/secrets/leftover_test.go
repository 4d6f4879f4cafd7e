//go:build unix

package secrets

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
)

// TestKilledWriterLeftoverRemoved kills a process with SIGKILL between
// writing a secret's temporary file and renaming it: the secret keeps its
// old content, the temporary file stays, and the next writer of that
// folder removes it (a file of the same pattern in another folder stays,
// until audit removes it and says so).
func TestKilledWriterLeftoverRemoved(t *testing.T) {
	if dir := os.Getenv("FLEET_TEST_KILLED_WRITER"); dir != "" {
		killedWriter(t, dir)
		return
	}
	tf := newTestFleet(t)
	rel := "secrets/app/db.yaml"
	if _, err := tf.repo.Set(rel, "password", "old"); err != nil {
		t.Fatal(err)
	}
	tf.write(t, "secrets/misc/.x.yaml.tmp-42", []byte("partial"))
	tf.write(t, "secrets/app/.notours.tmp-abc", []byte("kept"))
	keys := keyFile(t, tf.repo.TempDir, "admin.txt", tf.admin.String())

	// The child writes one byte to fd 3 when it stops before its rename.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterLeftoverRemoved$")
	// The killed child cannot remove its own temporary folders; they go
	// under this test's, which is removed.
	cmd.Env = append(os.Environ(), "FLEET_TEST_KILLED_WRITER="+tf.root, "FLEET_TEST_KEYS="+keys, "TMPDIR="+t.TempDir())
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if n, _ := pr.Read(make([]byte, 1)); n != 1 {
		cmd.Wait()
		t.Fatal("the writer ended before its rename")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	left := leftovers(t, filepath.Join(tf.root, "secrets/app"))
	if len(left) != 1 {
		t.Fatalf("after the kill: leftovers %v, want one", left)
	}
	if got, err := tf.repo.Get(rel, "password"); err != nil || string(got) != "old" {
		t.Fatalf("after the kill the secret reads %q, %v; want the old value", got, err)
	}
	if _, err := tf.repo.Set("secrets/app/other.yaml", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, filepath.Join(tf.root, "secrets/app")); len(left) != 0 {
		t.Errorf("after a write to the folder: leftovers %v", left)
	}
	if _, err := os.Stat(filepath.Join(tf.root, "secrets/app/.notours.tmp-abc")); err != nil {
		t.Errorf("a file not of fleet's pattern was removed: %v", err)
	}
	if left := leftovers(t, filepath.Join(tf.root, "secrets/misc")); len(left) != 1 {
		t.Errorf("another folder's leftover: %v, want it kept", left)
	}
	diags, err := tf.repo.Audit(t.Context(), AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range diags {
		if d.Code == CodeLeftover && strings.Contains(d.Message, "removed it") && d.Pos.File == "secrets/misc/.x.yaml.tmp-42" {
			found = true
		}
	}
	if !found {
		t.Errorf("audit does not report removing the leftover: %v", diags)
	}
	if left := leftovers(t, filepath.Join(tf.root, "secrets/misc")); len(left) != 0 {
		t.Errorf("after audit: leftovers %v", left)
	}
}

// killedWriter is the child: it sets a value and stops for good before
// renaming the temporary file into place.
func killedWriter(t *testing.T, root string) {
	data, _ := os.ReadFile(os.Getenv("FLEET_TEST_KEYS"))
	ids, err := age.ParseIdentities(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	repo := &Repo{Root: root, Identities: ids, TempDir: t.TempDir()}
	repo.Access = &Access{Admins: []Party{{Name: "root", Recipient: ids[0].(*age.X25519Identity).Recipient().String()}}}
	repo.beforeRename = func(string) error {
		os.NewFile(3, "ready").Write([]byte{1})
		for {
			time.Sleep(time.Hour)
		}
	}
	repo.Set("secrets/app/db.yaml", "password", "new")
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if isLeftover(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}
