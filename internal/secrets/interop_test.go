package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

// The interoperability tests run the real sops CLI (and Debian's age) when
// they are in PATH, and skip otherwise. Files sops wrote are also kept as
// golden data in testdata/sops, with their throwaway identities, so that
// reading them is tested everywhere.

const sopsSkip = "sops not found in PATH: go install github.com/getsops/sops/v3/cmd/sops@v3.13.3 to run interop tests"

type sopsCLI struct {
	t    *testing.T
	path string
	home string
}

func needSops(t *testing.T) *sopsCLI {
	t.Helper()
	p, err := exec.LookPath("sops")
	if err != nil {
		t.Skip(sopsSkip)
	}
	return &sopsCLI{t: t, path: p, home: t.TempDir()}
}

// run runs sops in dir with a clean environment plus env, and returns its
// stdout, stderr and exit code.
func (s *sopsCLI) run(dir string, env []string, args ...string) (stdout, stderr []byte, code int) {
	s.t.Helper()
	cmd := exec.Command(s.path, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"SOPS_DISABLE_VERSION_CHECK=1", "HOME=" + s.home, "PATH=" + os.Getenv("PATH")}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		s.t.Fatalf("running sops: %v", err)
	}
	return o.Bytes(), e.Bytes(), code
}

// must runs sops and fails the test unless it exits 0.
func (s *sopsCLI) must(dir string, env []string, args ...string) []byte {
	s.t.Helper()
	out, errOut, code := s.run(dir, env, args...)
	if code != 0 {
		s.t.Fatalf("sops %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// keyFile writes identities to a keys.txt in dir.
func keyFile(t *testing.T, dir, name string, ids ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sopsCase is a plaintext sops encrypts with some flags.
type sopsCase struct {
	name  string // file name in testdata/sops
	plain string // "" for the binary case, whose plaintext is name+".plain"
	flags []string
	// exact means fleet's plaintext output is byte-identical to sops'.
	exact bool
	// rule, when set, encrypts through a .sops.yaml creation rule with
	// these extra lines, for settings that have no command-line flag.
	rule string
}

func sopsCases() []sopsCase {
	return []sopsCase{
		{name: "matrix.yaml", plain: "# top comment\n" +
			"db:\n    # nested comment\n    password: s3cret # inline comment\n    port: 5432\n    ratio: 0.25\n    enabled: true\n    since: 2024-01-01\n" +
			"list:\n    - one\n    - two\n    - nested: item\n" +
			"empty: \"\"\nnothing: null\n" +
			"public_unencrypted: visible\n" +
			"tree_unencrypted:\n    below: also visible\n" +
			"multiline: |\n    first line\n    second line\n"},
		{name: "encrypted-regex.yaml", flags: []string{"--encrypted-regex", "^(data|stringData)$"}, exact: true, plain: "apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\ndata:\n    password: c2VjcmV0\nstringData:\n    user: app\n"},
		{name: "unencrypted-regex.yaml", flags: []string{"--unencrypted-regex", "^(public|meta)"}, exact: true, plain: "public_key: pk\nmetadata:\n    owner: ops\nprivate_key: sk\n"},
		{name: "encrypted-suffix.yaml", flags: []string{"--encrypted-suffix", "_secret"}, exact: true, plain: "name: app\ntoken_secret: tk\nnested_secret:\n    all: inside\nplain: text\n"},
		{name: "mac-only-encrypted.yaml", rule: "    mac_only_encrypted: true\n", exact: true, plain: "password: pw\nnote_unencrypted: changeable\n"},
		{name: "comment-regex.yaml", rule: "    unencrypted_comment_regex: sops:plain\n", exact: true, plain: "# sops:plain\nvisible: yes-it-is\nsecret: hidden\n"},
		{name: "multi-doc.yaml", exact: true, plain: "a: 1\n---\nb: two\n"},
		{name: "edges.json", exact: true, plain: "{\n\t\"max\": 9223372036854775807,\n\t\"min\": -9223372036854775808,\n\t\"over\": 9223372036854775808,\n\t\"float\": 1.5,\n\t\"tiny\": 1e-300,\n\t\"html\": \"<a href=\\\"x\\\">&amp;</a>\",\n\t\"unicode\": \"h\u00e9llo \u2603\",\n\t\"nested\": {\n\t\t\"list\": [\n\t\t\t1,\n\t\t\tnull,\n\t\t\ttrue,\n\t\t\t{\n\t\t\t\t\"deep\": \"x\"\n\t\t\t}\n\t\t]\n\t},\n\t\"empty\": \"\"\n}\n"},
		{name: "dotenv.env", exact: true, plain: "# a comment\nTOKEN=abc\nMULTI=line one\\nline two\nEMPTY=\n#another\nURL=postgres://u:p@h/db?x=1\n"},
		{name: "config.ini", exact: true, plain: "; top comment\nglobal = 1\n\n[db]\n; pw comment\npassword = hunter2\nuser     = alex\n\n[empty]\n\n[multi]\nx = \"\"\"line one\nline two\"\"\"\n"},
		{name: "random.bin", exact: true},
		{name: "two-recipients.yaml", exact: true, plain: "shared: value\n"},
	}
}

// encryptCase runs sops encrypt on a case's plaintext in work, to the
// comma-separated recipients.
func encryptCase(t *testing.T, s *sopsCLI, work string, env []string, c sopsCase, recipients string) []byte {
	t.Helper()
	dir := filepath.Join(work, strings.TrimSuffix(c.name, filepath.Ext(c.name)))
	os.MkdirAll(dir, 0o700)
	in := filepath.Join(dir, c.name)
	os.WriteFile(in, casePlain(t, c), 0o600)
	args := []string{"encrypt"}
	if c.rule != "" {
		cfg := "creation_rules:\n  - age: " + recipients + "\n" + c.rule
		os.WriteFile(filepath.Join(dir, SopsConfigFile), []byte(cfg), 0o600)
	} else {
		args = append(args, "--age", recipients)
	}
	args = append(append(args, c.flags...), in)
	return s.must(dir, env, args...)
}

// throwawayKeys reads the identities the golden sops files were made
// with.
func throwawayKeys(t *testing.T) []*age.X25519Identity {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "sops", "keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ParseIdentities(data)
	if err != nil {
		t.Fatal(err)
	}
	var out []*age.X25519Identity
	for _, id := range ids {
		out = append(out, id.(*age.X25519Identity))
	}
	return out
}

func casePlain(t *testing.T, c sopsCase) []byte {
	t.Helper()
	if c.plain != "" {
		return []byte(c.plain)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "sops", c.name+".plain"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSopsGoldenFiles decrypts files written by sops 3.13.3 (testdata/sops)
// with their throwaway keys, verifying the MAC, and checks that parsing
// and marshaling them reproduces sops' bytes. FLEET_UPDATE=1 with sops in
// PATH writes them again.
func TestSopsGoldenFiles(t *testing.T) {
	dir := filepath.Join("testdata", "sops")
	if os.Getenv("FLEET_UPDATE") != "" {
		writeSopsGolden(t, dir)
	}
	keys := throwawayKeys(t)
	for _, c := range append(sopsCases(), sopsCase{name: "sops37.yaml"}, sopsCase{name: "set-by-sops.yaml"}) {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, c.name))
			if err != nil {
				t.Fatal(err)
			}
			f := FormatForPath(c.name)
			file, err := Parse(f, data)
			if err != nil {
				t.Fatal(err)
			}
			again, err := file.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if c.name != "sops37.yaml" && !bytes.Equal(again, data) {
				t.Errorf("Parse+Marshal differs from sops' file:\n%s", lineDiff(data, again))
			}
			ids := []age.Identity{keys[0]}
			if c.name == "two-recipients.yaml" {
				ids = []age.Identity{keys[1]}
			}
			doc, err := file.Decrypt(ids)
			if err != nil {
				t.Fatal(err)
			}
			got, err := doc.Plaintext()
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch c.name {
			case "sops37.yaml":
				want = []byte(sopsCases()[0].plain)
			case "set-by-sops.yaml":
				want = []byte("a: changed by sops\nb: untouched\n")
			default:
				want = casePlain(t, c)
			}
			sameTree(t, f, want, got)
			if c.exact && !bytes.Equal(want, got) && f != FormatJSON {
				t.Errorf("plaintext differs from the input:\n%s", lineDiff(want, got))
			}
		})
	}
}

func lineDiff(a, b []byte) string {
	return cmp.Diff(strings.Split(string(a), "\n"), strings.Split(string(b), "\n"))
}

func writeSopsGolden(t *testing.T, dir string) {
	s := needSops(t)
	work := t.TempDir()
	keysPath := filepath.Join(dir, "keys.txt")
	if _, err := os.Stat(keysPath); err != nil {
		a, b := newIdentity(t), newIdentity(t)
		content := "# THROWAWAY TEST KEYS: published with fleet's source; never use them.\n" + a.String() + "\n" + b.String() + "\n"
		if err := os.WriteFile(keysPath, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys := throwawayKeys(t)
	r0, r1 := keys[0].Recipient().String(), keys[1].Recipient().String()
	binPlain := filepath.Join(dir, "random.bin.plain")
	if _, err := os.Stat(binPlain); err != nil {
		b := make([]byte, 64<<10)
		rand.Read(b)
		os.WriteFile(binPlain, b, 0o644)
	}
	absKeys, err := filepath.Abs(keysPath)
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"SOPS_AGE_KEY_FILE=" + absKeys}
	for _, c := range sopsCases() {
		recips := r0
		if c.name == "two-recipients.yaml" {
			recips = r0 + "," + r1
		}
		os.WriteFile(filepath.Join(dir, c.name), encryptCase(t, s, work, env, c, recips), 0o644)
	}
	// A file in the layout sops 3.7 wrote: recipient before enc, empty
	// lists of the other key types.
	m, _ := os.ReadFile(filepath.Join(dir, "matrix.yaml"))
	old := string(m)
	i := strings.Index(old, "\nsops:\n")
	meta := old[i:]
	enc := meta[strings.Index(meta, "        - enc: |\n"):strings.Index(meta, "          recipient: ")]
	rec := meta[strings.Index(meta, "          recipient: "):strings.Index(meta, "    lastmodified:")]
	meta = "\nsops:\n    kms: []\n    gcp_kms: []\n    azure_kv: []\n    hc_vault: []\n    age:\n        - recipient: " +
		strings.TrimPrefix(rec, "          recipient: ") + strings.Replace(enc, "        - enc:", "          enc:", 1) +
		meta[strings.Index(meta, "    lastmodified:"):strings.Index(meta, "    unencrypted_suffix:")] + "    pgp: []\n" + meta[strings.Index(meta, "    unencrypted_suffix:"):]
	meta = strings.Replace(meta, "version: 3.13.3", "version: 3.7.1", 1)
	os.WriteFile(filepath.Join(dir, "sops37.yaml"), []byte(old[:i]+meta), 0o644)
	// A file changed by `sops set`, which keeps the other IVs.
	p := filepath.Join(work, "set.yaml")
	os.WriteFile(p, []byte("a: original\nb: untouched\n"), 0o600)
	out := s.must(work, env, "encrypt", "--age", r0, p)
	os.WriteFile(p, out, 0o600)
	s.must(work, env, "set", p, `["a"]`, `"changed by sops"`)
	out, _ = os.ReadFile(p)
	os.WriteFile(filepath.Join(dir, "set-by-sops.yaml"), out, 0o644)
}

// TestInteropSopsWritesFleetReads encrypts the matrix with the installed
// sops now and decrypts it with fleet, comparing with `sops decrypt`.
func TestInteropSopsWritesFleetReads(t *testing.T) {
	s := needSops(t)
	work := t.TempDir()
	a, h := newIdentity(t), newHostKey(t, "root@h")
	env := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, work, "admin.txt", a.String())}
	for _, c := range sopsCases() {
		t.Run(c.name, func(t *testing.T) {
			enc := encryptCase(t, s, work, env, c, a.Recipient().String()+","+h.recipient)
			encPath := filepath.Join(work, "enc-"+c.name)
			os.WriteFile(encPath, enc, 0o600)
			sopsPlain := s.must(work, env, "decrypt", encPath)
			for _, id := range []age.Identity{a, h.ageIdentIt} {
				got, err := Decrypt(FormatForPath(c.name), enc, []age.Identity{id})
				if err != nil {
					t.Fatal(err)
				}
				if c.exact && !bytes.Equal(got, sopsPlain) {
					t.Errorf("fleet and sops decrypt differently:\n%s", lineDiff(sopsPlain, got))
				}
				sameTree(t, FormatForPath(c.name), sopsPlain, got)
			}
		})
	}
}

// TestInteropFleetWritesSopsReads encrypts every format with fleet and
// decrypts with sops, as an admin and as a host (with the identity
// ssh-to-age derives from its host key).
func TestInteropFleetWritesSopsReads(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	adminKeys := keyFile(t, tf.repo.TempDir, "admin.txt", tf.admin.String())
	hostKeys := keyFile(t, tf.repo.TempDir, "web.txt", tf.web.identity)
	for f, plain := range samples() {
		rel := "secrets/app/s" + extFor(f)
		t.Run(f.String(), func(t *testing.T) {
			if err := tf.repo.Encrypt(rel, plain); err != nil {
				t.Fatal(err)
			}
			for _, kf := range []string{adminKeys, hostKeys} {
				out := s.must(tf.root, []string{"SOPS_AGE_KEY_FILE=" + kf}, "decrypt", rel)
				sameTree(t, f, plain, out)
			}
			status := s.must(tf.root, nil, "filestatus", rel)
			if strings.TrimSpace(string(status)) != `{"encrypted":true}` {
				t.Errorf("sops filestatus: %s", status)
			}
			if f == FormatYAML || f == FormatJSON {
				out := s.must(tf.root, []string{"SOPS_AGE_KEY_FILE=" + adminKeys}, "decrypt", "--extract", `["db"]["password"]`, rel)
				if string(out) != marker+"-db" {
					t.Errorf("sops --extract = %q", out)
				}
			}
		})
	}
	// A fleet file that sops edited is read by fleet, and the reverse.
	rel := "secrets/app/s.yaml"
	s.must(tf.root, []string{"SOPS_AGE_KEY_FILE=" + adminKeys}, "set", rel, `["db"]["password"]`, `"set by sops"`)
	if got, err := tf.repo.Get(rel, "db/password"); err != nil || string(got) != "set by sops" {
		t.Errorf("fleet reads sops' set: %q, %v", got, err)
	}
}

// TestInteropSmallDiffs sets a value with fleet in a file sops wrote: sops
// still decrypts it and only the value, lastmodified and mac changed.
func TestInteropSmallDiffs(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	adminKeys := keyFile(t, tf.repo.TempDir, "admin.txt", tf.admin.String())
	env := []string{"SOPS_AGE_KEY_FILE=" + adminKeys}
	tf.write(t, "plain.yaml", []byte("# c\ndb:\n    password: old\n    user: app\nlist:\n    - a\n    - b\n"))
	enc := s.must(tf.root, env, "encrypt", "--age", tf.admin.Recipient().String(), "plain.yaml")
	rel := "secrets/misc/g.yaml"
	tf.write(t, rel, enc)
	if _, err := tf.repo.Set(rel, "db/password", "new"); err != nil {
		t.Fatal(err)
	}
	after := tf.read(t, rel)
	if diff := cmp.Diff([]string{"password", "lastmodified", "mac"}, changedLines(t, enc, after)); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
	out := s.must(tf.root, env, "decrypt", rel)
	sameTree(t, FormatYAML, []byte("# c\ndb:\n    password: new\n    user: app\nlist:\n    - a\n    - b\n"), out)
}

// TestInteropRekey follows the life of a fleet: files for the current
// hosts, a host added (rekey, and `sops updatekeys` agrees there is
// nothing to do), then a host removed (rekey --rotate, and its key no
// longer opens anything).
func TestInteropRekey(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	ctx := context.Background()
	keys := tf.repo.TempDir
	adminEnv := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, keys, "admin.txt", tf.admin.String())}
	dbEnv := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, keys, "db.txt", tf.db.identity)}
	webEnv := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, keys, "web.txt", tf.web.identity)}
	var rels []string
	for f, plain := range samples() {
		rel := "secrets/app/s" + extFor(f)
		if err := tf.repo.Encrypt(rel, plain); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	writeConfig := func() {
		cfg, err := tf.repo.Access.SopsConfig()
		if err != nil {
			t.Fatal(err)
		}
		tf.write(t, SopsConfigFile, cfg)
	}
	writeConfig()
	upToDate := func(stage string) {
		for _, rel := range rels {
			_, errOut, code := s.run(tf.root, adminEnv, "updatekeys", "-y", rel)
			if code != 0 || !strings.Contains(string(errOut), "already up to date") {
				t.Errorf("%s: sops updatekeys %s: exit %d\n%s", stage, rel, code, errOut)
			}
		}
	}
	upToDate("fresh files")

	// Host db joins app/*. Keep a copy for sops' own updatekeys.
	preRekey := t.TempDir()
	for _, rel := range rels {
		os.MkdirAll(filepath.Join(preRekey, filepath.Dir(rel)), 0o755)
		os.WriteFile(filepath.Join(preRekey, rel), tf.read(t, rel), 0o644)
	}
	tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/*")
	writeConfig()
	os.WriteFile(filepath.Join(preRekey, SopsConfigFile), tf.read(t, SopsConfigFile), 0o644)
	if _, err := tf.repo.Rekey(ctx, RekeyOptions{}); err != nil {
		t.Fatal(err)
	}
	upToDate("after rekey")
	for _, rel := range rels {
		s.must(tf.root, dbEnv, "decrypt", rel)
		// sops' updatekeys on the old copy gives the recipients fleet chose.
		s.must(preRekey, adminEnv, "updatekeys", "-y", rel)
		data, _ := os.ReadFile(filepath.Join(preRekey, rel))
		sf, err := Parse(FormatForPath(rel), data)
		if err != nil {
			t.Fatal(err)
		}
		if !sameSet(sf.Recipients(), tf.repo.Access.Recipients("app/s")) {
			t.Errorf("%s: sops updatekeys chose %v", rel, sf.Recipients())
		}
		if _, err := sf.Decrypt([]age.Identity{tf.db.ageIdentIt}); err != nil {
			t.Errorf("%s: fleet cannot read sops' updatekeys output: %v", rel, err)
		}
	}

	// Host web leaves app/*: rotate.
	before := map[string]string{}
	for _, rel := range rels {
		before[rel] = string(tf.read(t, rel))
	}
	tf.repo.Access.Hosts[0].Readable = []string{"shared/token"}
	writeConfig()
	res, err := tf.repo.Rekey(ctx, RekeyOptions{Rotate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action != ActionRotated {
			t.Errorf("%s: %s", r.Path, r.Action)
		}
	}
	upToDate("after rotate")
	for _, rel := range rels {
		_, errOut, code := s.run(tf.root, webEnv, "decrypt", rel)
		if code != 128 {
			t.Errorf("%s: removed host decrypts with sops: exit %d\n%s", rel, code, errOut)
		}
		s.must(tf.root, dbEnv, "decrypt", rel)
	}
	// The data key changed: compare what age itself unwraps.
	if ageBin, err := exec.LookPath("age"); err == nil {
		unwrap := func(doc string) []byte {
			f, err := Parse(FormatYAML, []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(ageBin, "-d", "-i", filepath.Join(keys, "admin.txt"))
			cmd.Stdin = strings.NewReader(f.md.Age[0].Enc)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("age -d: %v", err)
			}
			return out
		}
		rel := "secrets/app/s.yaml"
		if k1, k2 := unwrap(before[rel]), unwrap(string(tf.read(t, rel))); bytes.Equal(k1, k2) || len(k1) != 32 {
			t.Errorf("age unwraps %d-byte keys, equal before and after rotation: %v", len(k1), bytes.Equal(k1, k2))
		}
	}
	// sops rotate's output is read by fleet.
	s.must(tf.root, adminEnv, "rotate", "-i", "secrets/app/s.json")
	if _, err := tf.repo.Decrypt("secrets/app/s.json"); err != nil {
		t.Errorf("fleet reads sops rotate's output: %v", err)
	}
}

// TestInteropRules checks that sops, reading the generated .sops.yaml,
// encrypts each path to the recipients fleet computes.
func TestInteropRules(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	a := tf.repo.Access
	a.Hosts = append(a.Hosts,
		Party{Name: "x", Recipient: newIdentity(t).Recipient().String(), Readable: []string{"cat/db-*"}},
		Party{Name: "y", Recipient: newIdentity(t).Recipient().String(), Readable: []string{"cat/*-password"}},
	)
	a.Secrets = []string{"cat/db-password"}
	cfg, err := a.SopsConfig()
	if err != nil {
		t.Fatal(err)
	}
	tf.write(t, SopsConfigFile, cfg)
	tf.write(t, "plain.yaml", []byte("k: v\n"))
	for _, id := range []string{"app/config", "shared/token", "db/deep/er", "hosts/web/k", "hosts/gone/k", "users/alex/k", "misc/x", "cat/db-password", "cat/db-main", "cat/x-password"} {
		for _, ext := range []string{".yaml", ".bin"} {
			rel := Dir + "/" + id + ext
			out := s.must(tf.root, nil, "encrypt", "--filename-override", rel, "--input-type", "yaml", "--output-type", "yaml", "plain.yaml")
			f, err := Parse(FormatYAML, out)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a.Recipients(id), f.Recipients()); diff != "" {
				t.Errorf("%s: sops chose (-fleet +sops):\n%s", rel, diff)
			}
		}
	}
}

// TestInteropTampering applies the same tampering to a file and checks
// that sops and fleet both refuse it, sops with the documented exit code.
func TestInteropTampering(t *testing.T) {
	s := needSops(t)
	work := t.TempDir()
	a := newIdentity(t)
	env := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, work, "admin.txt", a.String())}
	enc, err := Encrypt(FormatYAML, []byte("list:\n    - first\n    - second\ndb:\n    password: pw\n    user: app\n"), []string{a.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(enc), "\n")
	idx := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no %q", prefix)
		return 0
	}
	for _, tc := range []struct {
		name string
		code int
		edit func([]string) []string
	}{
		{"swap list items", 51, func(ls []string) []string { i := idx("    - ENC"); ls[i], ls[i+1] = ls[i+1], ls[i]; return ls }},
		{"rename a key", 25, func(ls []string) []string {
			i := idx("    password:")
			ls[i] = strings.Replace(ls[i], "password", "passwd", 1)
			return ls
		}},
		{"change lastmodified", 51, func(ls []string) []string {
			i := idx("    lastmodified:")
			ls[i] = `    lastmodified: "2026-11-25T19:42:00Z"`
			return ls
		}},
		{"delete a value", 51, func(ls []string) []string { i := idx("    user:"); return append(ls[:i:i], ls[i+1:]...) }},
		{"swap two values", 25, func(ls []string) []string {
			i, j := idx("    password:"), idx("    user:")
			pv, uv := strings.TrimPrefix(ls[i], "    password: "), strings.TrimPrefix(ls[j], "    user: ")
			ls[i], ls[j] = "    password: "+uv, "    user: "+pv
			return ls
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Join(tc.edit(slices.Clone(lines)), "\n")
			p := filepath.Join(work, "t.yaml")
			os.WriteFile(p, []byte(doc), 0o600)
			_, errOut, code := s.run(work, env, "decrypt", p)
			if code != tc.code {
				t.Errorf("sops exit %d, want %d\n%s", code, tc.code, errOut)
			}
			if _, err := Decrypt(FormatYAML, []byte(doc), []age.Identity{a}); !errors.Is(err, ErrTampered) {
				t.Errorf("fleet: %v, want ErrTampered", err)
			}
		})
	}
}

// TestInteropAuditAgreesWithFilestatus checks that what audit calls
// unencrypted, sops calls unencrypted too.
func TestInteropAuditAgreesWithFilestatus(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	seed(t, tf, 1)
	tf.write(t, "secrets/app/plain.yaml", []byte("a: b\n"))
	ds, err := tf.repo.Audit(context.Background(), AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, d := range ds {
		if d.Code == CodeNoMetadata {
			flagged[d.Pos.File] = true
		}
	}
	for _, rel := range []string{"secrets/app/plain.yaml", "secrets/app/s00.yaml"} {
		out := s.must(tf.root, nil, "filestatus", rel)
		var st struct{ Encrypted bool }
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatal(err)
		}
		if st.Encrypted == flagged[rel] {
			t.Errorf("%s: sops says encrypted=%v, audit flags it: %v", rel, st.Encrypted, flagged[rel])
		}
	}
}

// TestInteropRestoredFilesDecrypt restores a backup into an empty folder
// and decrypts the result with sops.
func TestInteropRestoredFilesDecrypt(t *testing.T) {
	s := needSops(t)
	tf, recovery, archive := backupFleet(t)
	target := &Repo{Root: t.TempDir(), Access: tf.repo.Access, Identities: []age.Identity{recovery, tf.admin}, Now: testNow}
	res, err := target.Restore(context.Background(), bytes.NewReader(archive), RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, t.TempDir(), "admin.txt", tf.admin.String())}
	for _, rel := range res.Written {
		if strings.HasPrefix(rel, Dir+"/") {
			s.must(target.Root, env, "decrypt", rel)
		}
	}
	if len(res.Written) == 0 {
		t.Fatal("nothing restored")
	}
}
