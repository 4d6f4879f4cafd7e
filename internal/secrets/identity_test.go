package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadIdentities(t *testing.T) {
	home := t.TempDir()
	a, b, c, d := newIdentity(t), newIdentity(t), newIdentity(t), newIdentity(t)
	hk := newHostKey(t, "me@laptop")
	write := func(p, content string) string {
		t.Helper()
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := write(filepath.Join(home, "k.txt"), "# comment\n\n"+b.String()+"\n")
	write(filepath.Join(home, ".config/sops/age/keys.txt"), c.String()+"\n")
	write(filepath.Join(home, ".ssh/id_ed25519"), string(hk.privPEM))
	write(filepath.Join(home, "xdg/sops/age/keys.txt"), d.String()+"\n")

	for _, tc := range []struct {
		name string
		env  map[string]string
		goos string
		want []string // recipients of the X25519 identities found
		srcs []string
	}{
		{"sops order", map[string]string{"HOME": home, EnvAgeKey: a.String() + " " + d.String(), EnvAgeKeyFile: keyFile}, "linux",
			[]string{hk.recipient, a.Recipient().String(), d.Recipient().String(), b.Recipient().String(), c.Recipient().String()},
			[]string{filepath.Join(home, ".ssh/id_ed25519"), EnvAgeKey, keyFile, filepath.Join(home, ".config/sops/age/keys.txt")}},
		{"xdg", map[string]string{"HOME": t.TempDir(), "XDG_CONFIG_HOME": filepath.Join(home, "xdg")}, "linux",
			[]string{d.Recipient().String()}, []string{filepath.Join(home, "xdg/sops/age/keys.txt")}},
		{"nothing", map[string]string{"HOME": t.TempDir()}, "darwin", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, srcs := LoadIdentities(IdentityOptions{Getenv: envOf(tc.env), GOOS: tc.goos})
			if diff := cmp.Diff(tc.want, IdentityRecipients(ids)); diff != "" {
				t.Errorf("identities (-want +got):\n%s", diff)
			}
			var locs []string
			for _, s := range srcs {
				if s.Err != nil && !strings.Contains(s.Err.Error(), "no such file") {
					t.Errorf("%s: %v", s.Location, s.Err)
				}
				if s.Count > 0 {
					locs = append(locs, s.Location)
				}
			}
			if diff := cmp.Diff(tc.srcs, locs); diff != "" {
				t.Errorf("sources with identities (-want +got):\n%s", diff)
			}
		})
	}
	// Explicit files replace the search.
	ids, _ := LoadIdentities(IdentityOptions{Getenv: envOf(map[string]string{"HOME": home}), Files: []string{keyFile}})
	if diff := cmp.Diff([]string{b.Recipient().String()}, IdentityRecipients(ids)); diff != "" {
		t.Errorf("explicit file (-want +got):\n%s", diff)
	}
	// An SSH host key decrypts what fleet encrypts to the host.
	enc, err := Encrypt(FormatYAML, []byte("k: v\n"), []string{hk.recipient}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	ids, _ = LoadIdentities(IdentityOptions{Getenv: envOf(map[string]string{EnvSSHKeyFile: filepath.Join(home, ".ssh/id_ed25519")})})
	if _, err := Decrypt(FormatYAML, enc, ids); err != nil {
		t.Errorf("host key does not decrypt its converted recipient's file: %v", err)
	}
}

func TestDefaultIdentityFile(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		goos string
		want string
	}{
		{map[string]string{"HOME": "/home/a"}, "linux", "/home/a/.config/sops/age/keys.txt"},
		{map[string]string{"HOME": "/home/a", "XDG_CONFIG_HOME": "/x"}, "linux", "/x/sops/age/keys.txt"},
		{map[string]string{"HOME": "/Users/a"}, "darwin", "/Users/a/Library/Application Support/sops/age/keys.txt"},
		{map[string]string{"HOME": "/Users/a", "XDG_CONFIG_HOME": "/x"}, "darwin", "/x/sops/age/keys.txt"},
		{map[string]string{"HOME": "/home/a", "XDG_CONFIG_HOME": "relative"}, "linux", "/home/a/.config/sops/age/keys.txt"},
	} {
		got, err := DefaultIdentityFile(envOf(tc.env), tc.goos)
		if err != nil || got != filepath.FromSlash(tc.want) {
			t.Errorf("DefaultIdentityFile(%v, %s) = %q, %v; want %q", tc.env, tc.goos, got, err, tc.want)
		}
	}
	if _, err := DefaultIdentityFile(envOf(nil), "linux"); err == nil {
		t.Error("no HOME: no error")
	}
}

func TestParseIdentitiesErrorsHideKeys(t *testing.T) {
	id := newIdentity(t)
	secret := id.String()
	for name, content := range map[string]string{
		"truncated":  secret[:len(secret)-3] + "\n",
		"bad char":   strings.Replace(secret, "1", "b", 2) + "\n",
		"garbage":    "hello " + secret + "\n",
		"plugin":     "AGE-PLUGIN-YUBIKEY-1XYZ\n",
		"protected":  readTestdata(t, "ssh/protected"),
		"ssh broken": strings.Replace(readTestdata(t, "ssh/host1"), "A", "*", 40),
	} {
		_, err := ParseIdentities([]byte(content))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), secret[16:30]) || strings.Contains(err.Error(), "PRIVATE") || len(err.Error()) > 200 {
			t.Errorf("%s: error shows key material: %v", name, err)
		}
	}
}

func TestInitIdentity(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cfg", "sops", "age", "keys.txt")
	r, err := InitIdentity(p, testNow())
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(p)); dst.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", dst.Mode().Perm())
	}
	data, _ := os.ReadFile(p)
	ids, err := ParseIdentities(data)
	if err != nil || len(ids) != 1 || ids[0].(*age.X25519Identity).Recipient().String() != r {
		t.Fatalf("created file does not hold the identity of %s: %v", r, err)
	}
	if !strings.Contains(string(data), "# public key: "+r) || !strings.Contains(string(data), "# created: 2026-11-25T19:41:58Z") {
		t.Errorf("file lacks age-keygen's comments:\n%s", data)
	}
	if _, err := InitIdentity(p, testNow().Add(time.Hour)); !errors.Is(err, ErrExists) {
		t.Errorf("second InitIdentity: %v, want ErrExists", err)
	}
	again, _ := os.ReadFile(p)
	if string(again) != string(data) {
		t.Error("InitIdentity overwrote the key")
	}
}

// FuzzParseIdentities feeds the identity file parser: it must not panic,
// and an error must never repeat a line of the file.
func FuzzParseIdentities(f *testing.F) {
	f.Add([]byte("# created: x\n# public key: age1x\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"))
	f.Add([]byte(readTestdataF(f, "ssh/host1")))
	f.Add([]byte("AGE-SECRET-KEY-PQ-1XYZ\nAGE-PLUGIN-FOO-1ABC\n"))
	f.Add([]byte("-----BEGIN AGE ENCRYPTED FILE-----\nabc\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParseIdentities(data)
		noInputInError(t, data, err)
		_, err = parseAgeIdentities(data, true)
		noInputInError(t, data, err)
	})
}

func readTestdataF(f *testing.F, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return string(b)
}
