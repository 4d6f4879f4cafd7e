package secrets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
)

// benchFiles writes n YAML secrets of a typical size, encrypted to an admin
// and a host, and returns the folder, the admin's key file and identity.
func benchFiles(b *testing.B, n int) (dir, keys string, id *age.X25519Identity, rels []string) {
	b.Helper()
	dir = b.TempDir()
	id = newIdentity(b)
	host := newHostKey(b, "root@bench")
	keys = filepath.Join(dir, "keys.txt")
	if err := os.WriteFile(keys, []byte(id.String()+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		plain := fmt.Sprintf("# service %d\ndb:\n    password: pw-%d\n    user: svc%d\n    port: 5432\napi_token: tok-%d-abcdefghijklmnop\ntls:\n    key: |\n        -----BEGIN KEY-----\n        %064d\n        -----END KEY-----\n", i, i, i, i, i)
		enc, err := Encrypt(FormatYAML, []byte(plain), []string{id.Recipient().String(), host.recipient}, testNow())
		if err != nil {
			b.Fatal(err)
		}
		rel := fmt.Sprintf("s%03d.yaml", i)
		if err := os.WriteFile(filepath.Join(dir, rel), enc, 0o644); err != nil {
			b.Fatal(err)
		}
		rels = append(rels, rel)
	}
	return dir, keys, id, rels
}

// BenchmarkDecrypt200Files decrypts 200 files in one process, MAC
// verified and rendered as `sops decrypt` prints them; one op is all 200
// files. When sops is in PATH it also times 200 `sops decrypt` calls on
// the same files in the same run and reports both, and their ratio as
// speedup-x.
func BenchmarkDecrypt200Files(b *testing.B) {
	const n = 200
	dir, keys, id, rels := benchFiles(b, n)
	ids := []age.Identity{id}
	decryptAll := func() {
		for _, rel := range rels {
			data, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Decrypt(FormatYAML, data, ids); err != nil {
				b.Fatal(err)
			}
		}
	}
	decryptAll()
	b.ResetTimer()
	for b.Loop() {
		decryptAll()
	}
	b.StopTimer()
	perRun := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perRun.Microseconds())/1000, "fleet-ms/200files")

	sops, err := exec.LookPath("sops")
	if err != nil {
		b.Log("sops not in PATH: no comparison")
		return
	}
	start := time.Now()
	for _, rel := range rels {
		cmd := exec.Command(sops, "decrypt", rel)
		cmd.Dir = dir
		cmd.Env = []string{"SOPS_DISABLE_VERSION_CHECK=1", "SOPS_AGE_KEY_FILE=" + keys, "HOME=" + dir}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("sops decrypt %s: %v\n%s", rel, err, out)
		}
	}
	sopsTime := time.Since(start)
	b.ReportMetric(float64(sopsTime.Microseconds())/1000, "sops-ms/200files")
	b.ReportMetric(float64(sopsTime)/float64(perRun), "speedup-x")
}

// BenchmarkDecryptFile decrypts one typical file.
func BenchmarkDecryptFile(b *testing.B) {
	dir, _, id, rels := benchFiles(b, 1)
	data, err := os.ReadFile(filepath.Join(dir, rels[0]))
	if err != nil {
		b.Fatal(err)
	}
	ids := []age.Identity{id}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decrypt(FormatYAML, data, ids); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptFile encrypts one typical file for two recipients.
func BenchmarkEncryptFile(b *testing.B) {
	id := newIdentity(b)
	host := newHostKey(b, "root@bench")
	plain := samples()[FormatYAML]
	recipients := []string{id.Recipient().String(), host.recipient}
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := Encrypt(FormatYAML, plain, recipients, testNow()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSopsConfig1000Hosts renders the .sops.yaml of a fleet of 1,000
// hosts in ten roles.
func BenchmarkSopsConfig1000Hosts(b *testing.B) {
	a := &Access{Admins: []Party{{Name: "root", Recipient: newIdentity(b).Recipient().String()}}}
	for i := range 1000 {
		a.Hosts = append(a.Hosts, Party{
			Name:      fmt.Sprintf("host%04d", i),
			Recipient: newIdentity(b).Recipient().String(),
			Readable:  []string{fmt.Sprintf("role%d/*", i%10), "shared/token", fmt.Sprintf("app%d/db-password", i%50)},
		})
	}
	for b.Loop() {
		if _, err := a.SopsConfig(); err != nil {
			b.Fatal(err)
		}
	}
}
