package secrets

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSSHToAgeGolden compares the conversion with what ssh-to-age v1.3.0
// printed for the keys in testdata/ssh.
func TestSSHToAgeGolden(t *testing.T) {
	for _, h := range []string{"host1", "host2", "host3"} {
		t.Run(h, func(t *testing.T) {
			pub := readTestdata(t, "ssh/"+h+".pub")
			wantR := strings.TrimSpace(readTestdata(t, "ssh/"+h+".age.pub"))
			wantI := strings.TrimSpace(readTestdata(t, "ssh/"+h+".age"))
			r, err := SSHToAge(pub)
			if err != nil {
				t.Fatal(err)
			}
			if r != wantR {
				t.Errorf("SSHToAge = %s, want %s", r, wantR)
			}
			id, r2, err := SSHPrivateKeyToAge([]byte(readTestdata(t, "ssh/"+h)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if id != wantI || r2 != wantR {
				t.Errorf("SSHPrivateKeyToAge = (identity %t, %s), want (ssh-to-age's identity, %s)", id == wantI, r2, wantR)
			}
			x, err := age.ParseX25519Identity(id)
			if err != nil {
				t.Fatal(err)
			}
			if x.Recipient().String() != wantR {
				t.Errorf("identity's recipient %s, want %s", x.Recipient(), wantR)
			}
		})
	}
}

func TestSSHKeysToAge(t *testing.T) {
	got, err := SSHKeysToAge([]byte(readTestdata(t, "ssh/known_hosts")))
	if err != nil {
		t.Fatal(err)
	}
	var recipients []string
	skipped := 0
	for _, k := range got {
		if k.Skipped != nil {
			if !errors.Is(k.Skipped, ErrUnsupportedKeyType) {
				t.Errorf("line %d skipped for %v", k.Line, k.Skipped)
			}
			skipped++
			continue
		}
		recipients = append(recipients, k.Recipient)
	}
	want := strings.Fields(readTestdata(t, "ssh/known_hosts.age"))
	if diff := cmp.Diff(want, recipients); diff != "" {
		t.Errorf("recipients (-ssh-to-age +fleet):\n%s", diff)
	}
	if skipped != 1 {
		t.Errorf("skipped %d keys, want the RSA one", skipped)
	}
	if _, err := SSHKeysToAge([]byte("not a key\n")); err == nil {
		t.Errorf("garbage converted without error")
	}
}

func TestSSHConversionErrors(t *testing.T) {
	if _, err := SSHToAge(readTestdata(t, "ssh/rsa.pub")); !errors.Is(err, ErrUnsupportedKeyType) {
		t.Errorf("rsa public key: %v, want ErrUnsupportedKeyType", err)
	}
	if _, _, err := SSHPrivateKeyToAge([]byte(readTestdata(t, "ssh/rsa")), nil); !errors.Is(err, ErrUnsupportedKeyType) {
		t.Errorf("rsa private key: %v, want ErrUnsupportedKeyType", err)
	}
	protected := []byte(readTestdata(t, "ssh/protected"))
	_, _, err := SSHPrivateKeyToAge(protected, nil)
	if err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("protected key without passphrase: %v", err)
	}
	if _, _, err := SSHPrivateKeyToAge(protected, []byte("pass phrase")); err != nil {
		t.Errorf("protected key with its passphrase: %v", err)
	}
	if _, _, err := SSHPrivateKeyToAge(protected, []byte("wrong")); err == nil {
		t.Errorf("wrong passphrase accepted")
	}
	// A damaged private key is never echoed.
	damaged := strings.Replace(readTestdata(t, "ssh/host1"), "b3BlbnNzaC1rZXktdjEAAAAA", "b3BlbnNzaC1rZXktdjEAAAAB", 1)
	_, _, err = SSHPrivateKeyToAge([]byte(damaged), nil)
	if err == nil || strings.Contains(err.Error(), "BEGIN") || len(err.Error()) > 100 {
		t.Errorf("damaged key: %v", err)
	}
}

func TestBech32(t *testing.T) {
	// BIP 173 test vector with data, and age's own encoding of an X25519 key.
	if got := bech32Encode("a", nil); got != "a12uel5l" {
		t.Errorf("bech32Encode(a) = %s, want a12uel5l", got)
	}
	id := newIdentity(t)
	s := id.String()
	x, err := age.ParseX25519Identity(s)
	if err != nil {
		t.Fatal(err)
	}
	if x.Recipient().String() != id.Recipient().String() {
		t.Fatal("age round trip failed")
	}
	// Re-encoding the recipient's 32 bytes gives the same string.
	hk := newHostKey(t, "x")
	if !strings.HasPrefix(hk.recipient, "age1") || len(hk.recipient) != 62 {
		t.Errorf("recipient %q has the wrong shape", hk.recipient)
	}
	if _, err := age.ParseX25519Recipient(hk.recipient); err != nil {
		t.Errorf("age rejects the converted recipient: %v", err)
	}
}

// TestSSHToAgeInterop converts fresh keys with fleet and with the real
// ssh-to-age and age-keygen, when they are installed.
func TestSSHToAgeInterop(t *testing.T) {
	s2a, err := exec.LookPath("ssh-to-age")
	if err != nil {
		t.Skip("ssh-to-age not found in PATH: go install github.com/Mic92/ssh-to-age/cmd/ssh-to-age@v1.3.0 to run this test")
	}
	keygen, keygenErr := exec.LookPath("age-keygen")
	dir := t.TempDir()
	for i := range 20 {
		hk := newHostKey(t, "interop")
		pubPath := filepath.Join(dir, "k.pub")
		privPath := filepath.Join(dir, "k")
		os.WriteFile(pubPath, []byte(hk.pub+"\n"), 0o600)
		os.WriteFile(privPath, hk.privPEM, 0o600)
		out, err := exec.Command(s2a, "-i", pubPath).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); got != hk.recipient {
			t.Fatalf("key %d: ssh-to-age says %s, fleet %s", i, got, hk.recipient)
		}
		out, err = exec.Command(s2a, "-private-key", "-i", privPath).Output()
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(out)) != hk.identity {
			t.Fatalf("key %d: private conversions differ", i)
		}
		if keygenErr == nil {
			idPath := filepath.Join(dir, "id.txt")
			os.WriteFile(idPath, []byte(hk.identity+"\n"), 0o600)
			out, err := exec.Command(keygen, "-y", idPath).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != hk.recipient {
				t.Fatalf("key %d: age-keygen -y says %s, want %s", i, got, hk.recipient)
			}
		}
	}
}

// FuzzBech32 decodes arbitrary strings without panicking, and decodes
// what bech32Encode writes back to the same bytes.
func FuzzBech32(f *testing.F) {
	f.Add("age1lh4gvvtwqz5xr8kkhhjg7fws99q4pvh7qryg8r265f2d78ug8ehq8dhpvm", []byte{1, 2, 3})
	f.Add("AGE-SECRET-KEY-1MQDHFYR3GRSZ6HUQ3YW4XVE98DAHRJU29S82P0X2L7H47X98WSJQTYCVAC", []byte{})
	f.Fuzz(func(t *testing.T, s string, data []byte) {
		bech32Decode(s)
		hrp, got, err := bech32Decode(bech32Encode("age", data))
		if err != nil || hrp != "age" || !bytes.Equal(got, data) {
			t.Fatalf("round trip of %x: %q %x %v", data, hrp, got, err)
		}
	})
}
