package secrets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// TestMain lets the test binary act as age-plugin-fleettest, a plugin
// whose recipient and identity data are an X25519 recipient and identity
// (as a hardware key's would be, minus the hardware).
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "age-plugin-fleettest" {
		os.Exit(fakePlugin())
	}
	os.Exit(m.Run())
}

func fakePlugin() int {
	p, err := plugin.New("fleettest")
	if err != nil {
		return 1
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return age.ParseX25519Recipient(string(data)) })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return age.ParseX25519Identity(string(data)) })
	return p.Main()
}

// TestAgePlugin: a secret encrypted to a plugin recipient (an admin's
// hardware key, say) is opened by that plugin's identity, both through
// age-plugin-fleettest found on PATH, and the plugin's absence is an error
// that names it.
func TestAgePlugin(t *testing.T) {
	bin := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(bin, "age-plugin-fleettest")); err != nil {
		t.Fatal(err)
	}
	hw := newIdentity(t)
	recipient := plugin.EncodeRecipient("fleettest", []byte(hw.Recipient().String()))
	identity := plugin.EncodeIdentity("fleettest", []byte(hw.String()))
	if !strings.HasPrefix(recipient, "age1fleettest1") || !strings.HasPrefix(identity, "AGE-PLUGIN-FLEETTEST-1") {
		t.Fatalf("encodings: %s %s", recipient, identity)
	}
	tf := newTestFleet(t)
	tf.repo.Access.Admins = append(tf.repo.Access.Admins, Party{Name: "yubikey", Recipient: recipient})

	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if _, err := tf.repo.Set("secrets/app/db.yaml", "password", "hunter2"); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(FormatYAML, tf.read(t, "secrets/app/db.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(f.Recipients(), " "), recipient) {
		t.Fatalf("recipients %v lack the plugin's", f.Recipients())
	}
	ids, err := ParseIdentities([]byte("# a hardware key\n" + identity + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	repo := *tf.repo
	repo.Identities = ids
	got, err := repo.Get("secrets/app/db.yaml", "password")
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Get with the plugin identity = %q, %v", got, err)
	}
	res, err := repo.Verify(context.Background(), nil)
	if err != nil || len(res) != 1 || !res[0].OK {
		t.Errorf("Verify = %+v, %v", res, err)
	}

	// Without the plugin on PATH, nothing opens, and the error says why.
	t.Setenv("PATH", "/nonexistent")
	_, err = repo.Get("secrets/app/db.yaml", "password")
	if err == nil || !strings.Contains(err.Error(), "age-plugin-fleettest") {
		t.Errorf("without the plugin: %v", err)
	}
}
