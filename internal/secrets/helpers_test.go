package secrets

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

// testNow is the fixed clock of the tests.
func testNow() time.Time { return time.Date(2026, 11, 25, 19, 41, 58, 0, time.UTC) }

// newIdentity returns a fresh X25519 identity.
func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// hostKey is a throwaway SSH ed25519 host key with its derived age keys.
type hostKey struct {
	pub        string // authorized_keys line
	privPEM    []byte
	recipient  string // ssh-to-age of pub
	identity   string // ssh-to-age -private-key of priv
	ageIdentIt *age.X25519Identity
}

func newHostKey(t testing.TB, comment string) hostKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	hk := hostKey{
		pub:     strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " " + comment,
		privPEM: pem.EncodeToMemory(block),
	}
	if hk.recipient, err = SSHToAge(hk.pub); err != nil {
		t.Fatal(err)
	}
	if hk.identity, _, err = SSHPrivateKeyToAge(hk.privPEM, nil); err != nil {
		t.Fatal(err)
	}
	if hk.ageIdentIt, err = age.ParseX25519Identity(hk.identity); err != nil {
		t.Fatal(err)
	}
	return hk
}

// testFleet is a small fleet: one admin, hosts web and db, user alex.
type testFleet struct {
	root  string
	admin *age.X25519Identity
	web   hostKey
	db    hostKey
	alex  *age.X25519Identity
	repo  *Repo
}

func newTestFleet(t testing.TB) *testFleet {
	t.Helper()
	tf := &testFleet{
		root:  t.TempDir(),
		admin: newIdentity(t),
		web:   newHostKey(t, "root@web"),
		db:    newHostKey(t, "root@db"),
		alex:  newIdentity(t),
	}
	tf.repo = &Repo{
		Root:       tf.root,
		Access:     tf.access(),
		Identities: []age.Identity{tf.admin},
		Now:        testNow,
		TempDir:    t.TempDir(),
	}
	return tf
}

func (tf *testFleet) access() *Access {
	return &Access{
		Admins: []Party{{Name: "root", Recipient: tf.admin.Recipient().String(), Source: "fleet.toml"}},
		Hosts: []Party{
			{Name: "web", Recipient: tf.web.recipient, Readable: []string{"app/*", "shared/token"}, Source: "hosts/web/host.toml"},
			{Name: "db", Recipient: tf.db.recipient, Readable: []string{"db/**", "shared/token"}, Source: "hosts/db/host.toml"},
		},
		Users: []Party{{Name: "alex", Recipient: tf.alex.Recipient().String(), Source: "users/alex/user.toml"}},
	}
}

func (tf *testFleet) write(t testing.TB, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(tf.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (tf *testFleet) read(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(tf.root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// samples are plaintexts of every format with a marker value that must
// never appear in an encrypted file, an error or the repository.
const marker = "hunter2-Zq8xW"

func samples() map[Format][]byte {
	return map[Format][]byte{
		FormatYAML:   []byte("# top comment\ndb:\n    password: " + marker + "-db # inline\n    port: 5432\n    ratio: 0.5\n    on: true\nlist:\n    - " + marker + "-a\n    - " + marker + "-b\nempty: \"\"\nnothing: null\nmultiline: |\n    line one " + marker + "\n    line two\npublic_unencrypted: visible\n"),
		FormatJSON:   []byte("{\n\t\"db\": {\n\t\t\"password\": \"" + marker + "-db\",\n\t\t\"port\": 5432\n\t},\n\t\"list\": [\n\t\t\"" + marker + "-a\",\n\t\t1.5,\n\t\tfalse,\n\t\tnull\n\t],\n\t\"big\": 9223372036854775807\n}\n"),
		FormatDotenv: []byte("#comment\nTOKEN=" + marker + "-tok\nMULTI=one\\n" + marker + "-two\nEMPTY=\n"),
		FormatINI:    []byte("; top\ntoken = " + marker + "-tok\n\n[db]\n; above password\npassword = " + marker + "-db\nport     = 5432\n\n"),
		FormatBinary: append([]byte(marker+"-bin\x00\x01\xff"), make([]byte, 300)...),
	}
}

func extFor(f Format) string {
	switch f {
	case FormatYAML:
		return ".yaml"
	case FormatJSON:
		return ".json"
	case FormatDotenv:
		return ".env"
	case FormatINI:
		return ".ini"
	}
	return ".bin"
}
