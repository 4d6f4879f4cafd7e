package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// TestPassphraseIdentities: a passphrase-protected age identity file
// (age -p) and ssh key open secrets, asking for the passphrase once and
// only when no other identity at hand opens the file.
func TestPassphraseIdentities(t *testing.T) {
	tf := newTestFleet(t)
	dir := t.TempDir()

	// The admin's key, in an age -p file.
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	sr, err := age.NewScryptRecipient("admin words")
	if err != nil {
		t.Fatal(err)
	}
	sr.SetWorkFactor(10)
	w, _ := age.Encrypt(aw, sr)
	w.Write([]byte(tf.admin.String() + "\n"))
	w.Close()
	aw.Close()
	adminFile := filepath.Join(dir, "admin.age")
	os.WriteFile(adminFile, buf.Bytes(), 0o600)

	// A host whose ssh key has a passphrase reads app/*.
	protected := readTestdata(t, "ssh/protected")
	pub := readTestdata(t, "ssh/protected.pub")
	hostRecipient, err := SSHToAge(pub)
	if err != nil {
		t.Fatal(err)
	}
	tf.repo.Access.Hosts = append(tf.repo.Access.Hosts, Party{Name: "locked", Recipient: hostRecipient, Readable: []string{"app/*"}})
	if _, err := tf.repo.Set("secrets/app/db.yaml", "password", "hunter2"); err != nil {
		t.Fatal(err)
	}
	sshFile := filepath.Join(dir, "id_ed25519")
	os.WriteFile(sshFile, []byte(protected), 0o600)

	for _, tc := range []struct {
		name, file, pass string
		env              map[string]string
		asks             int
		wantErr          bool
	}{
		{name: "age -p file", file: adminFile, pass: "admin words", asks: 1},
		{name: "age -p file, wrong passphrase", file: adminFile, pass: "nope", asks: 1, wantErr: true},
		{name: "protected ssh key", file: sshFile, pass: "pass phrase", asks: 1},
		{name: "protected ssh key, wrong passphrase", file: sshFile, pass: "nope", asks: 1, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asks := 0
			ids, srcs := LoadIdentities(IdentityOptions{
				Getenv: envOf(map[string]string{"HOME": dir, EnvAgeKeyFile: tc.file}),
				Passphrase: func(what string) ([]byte, error) {
					asks++
					if what != tc.file {
						t.Errorf("asked for %q, want %q", what, tc.file)
					}
					return []byte(tc.pass), nil
				},
			})
			for _, s := range srcs {
				if s.Err != nil && s.Location == tc.file {
					t.Fatalf("%s: %v", s.Location, s.Err)
				}
			}
			repo := *tf.repo
			repo.Identities = ids
			for range 2 {
				got, err := repo.Get("secrets/app/db.yaml", "password")
				if tc.wantErr {
					if err == nil || !errors.Is(err, ErrNoIdentity) || strings.Contains(err.Error(), tc.pass) {
						t.Errorf("wrong passphrase: %q, %v", got, err)
					}
					continue
				}
				if err != nil || string(got) != "hunter2" {
					t.Errorf("Get = %q, %v", got, err)
				}
			}
			if asks != tc.asks {
				t.Errorf("asked %d times, want %d", asks, tc.asks)
			}
		})
	}

	// With the plain admin key at hand too, nobody is asked.
	asks := 0
	ids, _ := LoadIdentities(IdentityOptions{
		Getenv:     envOf(map[string]string{"HOME": dir, EnvAgeKeyFile: sshFile, EnvAgeKey: tf.admin.String()}),
		Passphrase: func(string) ([]byte, error) { asks++; return []byte("pass phrase"), nil },
	})
	repo := *tf.repo
	repo.Identities = ids
	if got, err := repo.Get("secrets/app/db.yaml", "password"); err != nil || string(got) != "hunter2" || asks != 0 {
		t.Errorf("with a plain key too: %q, %v, asked %d times", got, err, asks)
	}
}
