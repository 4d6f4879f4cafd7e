package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

// sameTree compares two plaintexts of a format as trees.
func sameTree(t *testing.T, f Format, want, got []byte) {
	t.Helper()
	if f == FormatBinary {
		if !bytes.Equal(want, got) {
			t.Errorf("binary plaintext differs: want %d bytes, got %d", len(want), len(got))
		}
		return
	}
	w, err := storeFor(f).loadPlain(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := storeFor(f).loadPlain(got)
	if err != nil {
		t.Fatalf("decrypted %s does not parse: %v", f, err)
	}
	if len(w) != len(g) {
		t.Fatalf("%d documents, want %d", len(g), len(w))
	}
	for i := range w {
		if !equalValue(w[i], g[i]) {
			t.Errorf("%s document %d differs:\nwant:\n%s\ngot:\n%s", f, i, want, got)
		}
	}
}

func TestEncryptDecryptRoundTrip(t *testing.T) {
	admin := newIdentity(t)
	host := newHostKey(t, "root@h")
	stranger := newIdentity(t)
	for f, plain := range samples() {
		t.Run(f.String(), func(t *testing.T) {
			enc, err := Encrypt(f, plain, []string{admin.Recipient().String(), host.recipient}, testNow())
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(enc, []byte(marker)) {
				t.Fatalf("encrypted file holds the plaintext:\n%s", enc)
			}
			for name, id := range map[string]age.Identity{"admin": admin, "host": host.ageIdentIt} {
				got, err := Decrypt(f, enc, []age.Identity{id})
				if err != nil {
					t.Fatalf("decrypt as %s: %v", name, err)
				}
				sameTree(t, f, plain, got)
			}
			_, err = Decrypt(f, enc, []age.Identity{stranger})
			var nie *NoIdentityError
			if !errors.As(err, &nie) || !errors.Is(err, ErrNoIdentity) {
				t.Fatalf("decrypt with a stranger's key: %v, want *NoIdentityError", err)
			}
			if diff := cmp.Diff([]string{admin.Recipient().String(), host.recipient}, nie.Recipients); diff != "" {
				t.Errorf("NoIdentityError.Recipients (-want +got):\n%s", diff)
			}
			// Parsing and marshaling an encrypted file is lossless.
			file, err := Parse(f, enc)
			if err != nil {
				t.Fatal(err)
			}
			again, err := file.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, again) {
				t.Errorf("Parse+Marshal changed the file:\n%s\n---\n%s", enc, again)
			}
		})
	}
}

func TestMetadataLayout(t *testing.T) {
	admin := newIdentity(t)
	enc, err := Encrypt(FormatYAML, []byte("a: b\n"), []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	s := string(enc)
	for _, want := range []string{
		"a: ENC[AES256_GCM,data:",
		"sops:\n    age:\n        - recipient: " + admin.Recipient().String() + "\n          enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n",
		"    lastmodified: \"2026-11-25T19:41:58Z\"\n    mac: ENC[AES256_GCM,data:",
		"    unencrypted_suffix: _unencrypted\n    version: 3.13.3\n",
	} {
		if strings.Contains(want, "recipient: ") {
			// sops 3.13 sorts the age entry's keys: enc before recipient.
			want = "sops:\n    age:\n        - enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n"
		}
		if !strings.Contains(s, want) {
			t.Errorf("encrypted YAML lacks %q:\n%s", want, s)
		}
	}
	bin, err := Encrypt(FormatBinary, []byte("x"), []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bin, []byte("unencrypted_suffix")) {
		t.Errorf("a binary file got a crypt rule:\n%s", bin)
	}
}

// tamper applies edit to an encrypted YAML file and checks that decrypting
// fails as tampering, without showing a value.
func TestTampering(t *testing.T) {
	admin := newIdentity(t)
	plain := []byte("list:\n    - " + marker + "-first\n    - " + marker + "-second\ndb:\n    password: " + marker + "\n    user: app\n")
	enc, err := Encrypt(FormatYAML, plain, []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(enc), "\n")
	find := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no line starts with %q", prefix)
		return -1
	}
	edits := map[string]func([]string) []string{
		"swap list items": func(ls []string) []string {
			i := find("    - ENC")
			ls[i], ls[i+1] = ls[i+1], ls[i]
			return ls
		},
		"rename a key": func(ls []string) []string {
			i := find("    password:")
			ls[i] = strings.Replace(ls[i], "password:", "passwd:", 1)
			return ls
		},
		"change lastmodified": func(ls []string) []string {
			i := find("    lastmodified:")
			ls[i] = `    lastmodified: "2026-11-25T19:41:59Z"`
			return ls
		},
		"delete a value": func(ls []string) []string {
			i := find("    user:")
			return append(ls[:i:i], ls[i+1:]...)
		},
		"plaintext value": func(ls []string) []string {
			i := find("    user:")
			ls[i] = "    user: " + marker + "-planted"
			return ls
		},
		"move a value": func(ls []string) []string {
			i, j := find("    password:"), find("    user:")
			pv := strings.TrimPrefix(ls[i], "    password: ")
			uv := strings.TrimPrefix(ls[j], "    user: ")
			ls[i], ls[j] = "    password: "+uv, "    user: "+pv
			return ls
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			ls := edit(append([]string(nil), lines...))
			_, err := Decrypt(FormatYAML, []byte(strings.Join(ls, "\n")), []age.Identity{admin})
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("decrypt after %s: %v, want ErrTampered", name, err)
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("error shows a value: %v", err)
			}
		})
	}
}

// changedLines returns the indices of lines that differ between a and b,
// which must have as many lines.
func changedLines(t *testing.T, a, b []byte) []string {
	t.Helper()
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(al) != len(bl) {
		t.Fatalf("line count changed from %d to %d:\n%s\n---\n%s", len(al), len(bl), a, b)
	}
	var out []string
	for i := range al {
		if al[i] != bl[i] {
			k, _, _ := strings.Cut(strings.TrimSpace(bl[i]), ":")
			out = append(out, k)
		}
	}
	return out
}

func TestSetKeepsOtherCiphertexts(t *testing.T) {
	admin := newIdentity(t)
	plain := []byte("# note\ndb:\n    password: old\n    user: app\nlist:\n    - same\n    - same\n")
	enc, err := Encrypt(FormatYAML, plain, []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	file, err := Parse(FormatYAML, enc)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := file.Decrypt([]age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	changed, err := doc.Set("db/password", "new")
	if err != nil || !changed {
		t.Fatalf("Set = %v, %v", changed, err)
	}
	out, err := doc.Encrypt(testNow().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"password", "lastmodified", "mac"}, changedLines(t, enc, out)); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
	got, err := Decrypt(FormatYAML, out, []age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, FormatYAML, []byte("# note\ndb:\n    password: new\n    user: app\nlist:\n    - same\n    - same\n"), got)

	// Setting the same value again changes nothing.
	if changed, err := doc.Set("db/password", "new"); err != nil || changed {
		t.Errorf("Set of an equal value = %v, %v; want false, nil", changed, err)
	}
}

func TestReplaceKeepsCiphertexts(t *testing.T) {
	admin := newIdentity(t)
	for f, plain := range samples() {
		if f == FormatBinary {
			continue
		}
		t.Run(f.String(), func(t *testing.T) {
			enc, err := Encrypt(f, plain, []string{admin.Recipient().String()}, testNow())
			if err != nil {
				t.Fatal(err)
			}
			file, _ := Parse(f, enc)
			doc, err := file.Decrypt([]age.Identity{admin})
			if err != nil {
				t.Fatal(err)
			}
			text, _ := doc.Plaintext()
			if changed, err := doc.Replace(text); err != nil || changed {
				t.Fatalf("Replace(same) = %v, %v", changed, err)
			}
			out, err := doc.Encrypt(testNow().Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"lastmodified", "mac"}, keysOnly(changedLines(t, enc, out))); diff != "" {
				t.Errorf("re-encrypting unchanged content changed (-want +got):\n%s", diff)
			}
		})
	}
}

// keysOnly maps the changed-line keys of JSON and dotenv onto plain names.
func keysOnly(ks []string) []string {
	var out []string
	for _, k := range ks {
		k = strings.Trim(k, `"`)
		k = strings.TrimPrefix(k, "sops_")
		if i := strings.IndexByte(k, '='); i >= 0 {
			k = strings.TrimPrefix(k[:i], "sops_")
		}
		out = append(out, strings.TrimSpace(k))
	}
	return out
}

func TestRotate(t *testing.T) {
	admin, other := newIdentity(t), newIdentity(t)
	plain := []byte("a: one\nb: two\n")
	enc, err := Encrypt(FormatYAML, plain, []string{admin.Recipient().String(), other.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	file, _ := Parse(FormatYAML, enc)
	doc, err := file.Decrypt([]age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	oldKey := doc.key
	if err := doc.Rotate([]string{admin.Recipient().String()}); err != nil {
		t.Fatal(err)
	}
	out, err := doc.Encrypt(testNow())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(doc.key, oldKey) {
		t.Fatal("Rotate kept the data key")
	}
	// Every value and the MAC change.
	before, after := encLines(enc), encLines(out)
	for _, k := range []string{"a", "b", "mac"} {
		if before[k] == "" || before[k] == after[k] {
			t.Errorf("rotation left %s unchanged", k)
		}
	}
	if _, err := Decrypt(FormatYAML, out, []age.Identity{other}); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("removed recipient: %v, want ErrNoIdentity", err)
	}
	got, err := Decrypt(FormatYAML, out, []age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, FormatYAML, plain, got)
}

func TestFileRekey(t *testing.T) {
	admin, web, db := newIdentity(t), newIdentity(t), newIdentity(t)
	enc, err := Encrypt(FormatJSON, []byte(`{"k": "v", "n": 1}`), []string{admin.Recipient().String(), web.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	file, _ := Parse(FormatJSON, enc)
	nf, err := file.Rekey([]string{admin.Recipient().String(), db.Recipient().String()}, []age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	out, err := nf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{`"k": "ENC[`, `"n": "ENC[`, `"lastmodified"`, `"mac"`} {
		if !bytes.Contains(out, []byte(line)) {
			t.Fatalf("rekeyed file lacks %s", line)
		}
	}
	for _, l := range strings.Split(string(enc), "\n") {
		if strings.Contains(l, `"k"`) || strings.Contains(l, `"n"`) || strings.Contains(l, `"mac"`) || strings.Contains(l, `"lastmodified"`) {
			if !bytes.Contains(out, []byte(l)) {
				t.Errorf("rekey changed %s", strings.TrimSpace(l))
			}
		}
	}
	if diff := cmp.Diff([]string{admin.Recipient().String(), db.Recipient().String()}, nf.Recipients()); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	if _, err := Decrypt(FormatJSON, out, []age.Identity{db}); err != nil {
		t.Errorf("new recipient cannot decrypt: %v", err)
	}
	if _, err := Decrypt(FormatJSON, out, []age.Identity{web}); !errors.Is(err, ErrNoIdentity) {
		t.Errorf("removed recipient: %v, want ErrNoIdentity", err)
	}
}

func TestParseRefuses(t *testing.T) {
	admin := newIdentity(t)
	enc, err := Encrypt(FormatYAML, []byte("a: b\n"), []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	base := string(enc)
	for _, tc := range []struct {
		name string
		doc  string
		want error
	}{
		{"plaintext", "a: b\n", ErrNotEncrypted},
		{"pgp keys", strings.Replace(base, "sops:\n", "sops:\n    pgp:\n        - fp: ABCDEF\n          enc: x\n          created_at: \"2020-01-01T00:00:00Z\"\n", 1), ErrUnsupported},
		{"kms keys", strings.Replace(base, "sops:\n", "sops:\n    kms:\n        - arn: arn:aws:kms:x\n          enc: x\n", 1), ErrUnsupported},
		{"two key groups", strings.Replace(strings.Replace(base, "sops:\n    age:", "sops:\n    old_age:", 1), "sops:\n", "sops:\n    key_groups:\n        - age:\n            - recipient: age1x\n              enc: x\n        - age:\n            - recipient: age1y\n              enc: y\n", 1), ErrUnsupported},
		{"a list document", "- a\n- b\n", ErrSyntax},
		{"bad yaml", "a: [\n", ErrSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(FormatYAML, []byte(tc.doc))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse: %v, want %v", err, tc.want)
			}
		})
	}
	// Empty lists of other key types, as sops 3.7 wrote them, are fine.
	old := strings.Replace(base, "sops:\n", "sops:\n    kms: []\n    gcp_kms: []\n    azure_kv: []\n    hc_vault: []\n    pgp: []\n", 1)
	if _, err := Decrypt(FormatYAML, []byte(old), []age.Identity{admin}); err != nil {
		t.Errorf("file with empty key lists: %v", err)
	}
	// One key group of age keys reads like the top-level form.
	file, err := Parse(FormatYAML, enc)
	if err != nil {
		t.Fatal(err)
	}
	md := file.md.toMapping()
	md[0] = node{Key: "key_groups", Value: list{{Value: mapping{{Key: "age", Value: md[0].Value}}}}}
	grouped, err := yamlStore{}.emitPlain([]mapping{append(cloneDocs(file.docs)[0], node{Key: "sops", Value: md})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decrypt(FormatYAML, grouped, []age.Identity{admin}); err != nil {
		t.Errorf("one key group: %v\n%s", err, grouped)
	}
	if _, err := NewDocument(FormatYAML, enc, []string{admin.Recipient().String()}); !errors.Is(err, ErrAlreadyEncrypted) {
		t.Errorf("NewDocument of an encrypted file: %v, want ErrAlreadyEncrypted", err)
	}
}

func TestGetSet(t *testing.T) {
	admin := newIdentity(t)
	ids := []age.Identity{admin}
	r := []string{admin.Recipient().String()}
	for _, tc := range []struct {
		f    Format
		in   string
		key  string
		want string
	}{
		{FormatYAML, "db:\n    password: pw\n    port: 5432\n", "db/password", "pw"},
		{FormatYAML, "db:\n    password: pw\n    port: 5432\n", "db/port", "5432"},
		{FormatYAML, "db:\n    password: pw\n", "db", "password: pw\n"},
		{FormatYAML, "l:\n    - a\n    - b\n", "l/1", "b"},
		{FormatJSON, `{"a": {"b": true}}`, "a/b", "true"},
		{FormatJSON, `{"a": {"b": 1.5}}`, "a", "{\n\t\"b\": 1.5\n}\n"},
		{FormatDotenv, "K=v\\nw\n", "K", "v\nw"},
		{FormatBinary, "raw\x00bytes", "", "raw\x00bytes"},
	} {
		t.Run(tc.f.String()+"/"+tc.key, func(t *testing.T) {
			enc, err := Encrypt(tc.f, []byte(tc.in), r, testNow())
			if err != nil {
				t.Fatal(err)
			}
			file, _ := Parse(tc.f, enc)
			doc, err := file.Decrypt(ids)
			if err != nil {
				t.Fatal(err)
			}
			got, err := doc.Get(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Get(%q) = %q, want %q", tc.key, got, tc.want)
			}
			if _, err := doc.Get("no/such/key"); tc.f != FormatBinary && !errors.Is(err, ErrKeyNotFound) {
				t.Errorf("Get of a missing key: %v, want ErrKeyNotFound", err)
			}
		})
	}
	doc, err := NewDocument(FormatYAML, nil, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ key, value string }{{"a/b/c", "deep"}, {"a/x", "sibling"}, {"top", "v"}} {
		if _, err := doc.Set(tc.key, tc.value); err != nil {
			t.Fatalf("Set(%q): %v", tc.key, err)
		}
	}
	text, _ := doc.Plaintext()
	if want := "a:\n    b:\n        c: deep\n    x: sibling\ntop: v\n"; string(text) != want {
		t.Errorf("after Set:\n%s\nwant:\n%s", text, want)
	}
	if _, err := doc.Set("top/below", "v"); err == nil {
		t.Errorf("Set below a string succeeded")
	}
	if _, err := doc.Set("sops/x", "v"); err == nil {
		t.Errorf("Set of the sops key succeeded")
	}
}

// encLines maps the keys of "key: ENC[...]" YAML lines to their values.
func encLines(doc []byte) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(string(doc), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if ok && strings.HasPrefix(v, "ENC[") {
			out[k] = v
		}
	}
	return out
}
