package secrets

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/google/go-cmp/cmp"
)

func codes(ds []diag.Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Pos.File+" "+d.Code)
	}
	slices.Sort(out)
	return out
}

func TestAuditClean(t *testing.T) {
	tf := newTestFleet(t)
	seed(t, tf, 2)
	if _, err := tf.repo.Set("secrets/hosts/web/ssh.yaml", "key", "x"); err != nil {
		t.Fatal(err)
	}
	cfg, err := tf.repo.Access.SopsConfig()
	if err != nil {
		t.Fatal(err)
	}
	tf.write(t, SopsConfigFile, cfg)
	ds, err := tf.repo.Audit(context.Background(), AuditOptions{References: []Reference{{Secret: "app/s00", Host: "web"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Errorf("findings in a clean fleet: %v", ds)
	}
}

func TestAuditFindings(t *testing.T) {
	tf := newTestFleet(t)
	ctx := context.Background()
	seed(t, tf, 2)
	if _, err := tf.repo.Set("secrets/misc/orphan.yaml", "k", "v"); err != nil {
		t.Fatal(err)
	}
	// A plaintext value and a plaintext comment planted in an encrypted file.
	yml := string(tf.read(t, "secrets/app/s00.yaml"))
	yml = strings.Replace(yml, "v: ENC[", "# planted comment\nv: ENC[", 1)
	yml = strings.Replace(yml, "    - ENC[", "    - "+marker+"\n    - ENC[", 1)
	tf.write(t, "secrets/app/s00.yaml", []byte(yml))
	// A file without sops metadata.
	tf.write(t, "secrets/app/plain.yaml", []byte("password: "+marker+"\n"))
	// A file encrypted to a key nobody holds any more.
	stranger := newIdentity(t)
	enc, err := Encrypt(FormatYAML, []byte("a: b\n"), []string{stranger.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	tf.write(t, "secrets/app/lost.yaml", enc)
	// Recipients out of date: db now reads app/*.
	tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/*")
	// A stray file and a leftover of an interrupted write.
	tf.write(t, "secrets/notes.txt", []byte("hello"))
	tf.write(t, "secrets/app/.s01.yaml.tmp-123", []byte("x"))
	// A private key committed.
	tf.write(t, "keys/admin.txt", []byte("# created\n"+newIdentity(t).String()+"\n"))
	// A user with no key who reads something.
	tf.repo.Access.Users = append(tf.repo.Access.Users, Party{Name: "bob", Readable: []string{"app/*"}, Source: "users/bob/user.toml"})

	ds, err := tf.repo.Audit(ctx, AuditOptions{References: []Reference{{Secret: "app/s99", Host: "web", Pos: diag.Pos{File: "roles/app.toml", Line: 3, Col: 9}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		" secret-missing",
		".sops.yaml secret-config-stale",
		"keys/admin.txt secret-private-key",
		"secrets/app/.s01.yaml.tmp-123 secret-leftover",
		"secrets/app/lost.yaml secret-unreadable",
		"secrets/app/plain.yaml secret-not-encrypted",
		"secrets/app/s00.yaml secret-plaintext",
		"secrets/app/s00.yaml secret-plaintext-comment",
		"secrets/app/s00.yaml secret-recipients",
		"secrets/app/s00.yaml secret-tampered",
		"secrets/app/s01.yaml secret-recipients",
		"secrets/misc/orphan.yaml secret-unused",
		"secrets/notes.txt secret-layout",
		"secrets/notes.txt secret-not-encrypted",
		"users/bob/user.toml secret-no-key",
	}
	got := codes(ds)
	for i, g := range got {
		if strings.HasPrefix(g, "roles/app.toml ") {
			got[i] = " " + strings.TrimPrefix(g, "roles/app.toml ")
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s\n%v", diff, ds)
	}
	for _, d := range ds {
		if len(d.Hints) == 0 {
			t.Errorf("%s %s has no hint", d.Pos, d.Code)
		}
		if strings.Contains(d.Message, marker) || strings.Contains(strings.Join(d.Hints, " "), marker) {
			t.Errorf("finding shows a value: %v", d)
		}
		switch d.Code {
		case CodePlaintextValue:
			if d.Pos.Line == 0 {
				t.Errorf("plaintext value without a line: %v", d)
			}
		case CodeMissing:
			if d.Pos.Line != 3 {
				t.Errorf("missing secret not at its reference: %v", d)
			}
		}
	}
	// Keys expected in an example folder are allowed.
	ds, err = tf.repo.Audit(ctx, AuditOptions{KeysAllowed: []string{"keys/"}})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(codes(ds), "keys/admin.txt secret-private-key") {
		t.Error("allowed key reported")
	}
}

func TestAuditSopsConfigFresh(t *testing.T) {
	tf := newTestFleet(t)
	cfg, err := tf.repo.Access.SopsConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tf.root, SopsConfigFile), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	ds, _ := tf.repo.Audit(context.Background(), AuditOptions{})
	if slices.Contains(codes(ds), ".sops.yaml secret-config-stale") {
		t.Errorf("fresh .sops.yaml reported stale")
	}
	tf.repo.Access.Hosts = tf.repo.Access.Hosts[:1]
	ds, _ = tf.repo.Audit(context.Background(), AuditOptions{})
	if !slices.Contains(codes(ds), ".sops.yaml secret-config-stale") {
		t.Errorf("stale .sops.yaml not reported: %v", codes(ds))
	}
}
