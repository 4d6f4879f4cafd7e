package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/sopsyaml"
	"github.com/fleetdev/fleet/internal/sopsyaml/sopstest"
)

func TestSecretValues(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"secrets/a/x.yaml": "pw: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nport: ENC[AES256_GCM,data:x,iv:y,tag:z,type:int]\ndb:\n    user: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nl:\n    - ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n    version: 3.13.3\n",
		"secrets/a/x.json": `{"on": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:bool]", "db": {"user": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]", "sops": "k"}, "l": [1, [2, {"a": 3}]], "n": 5, "sops": {"version": "3.13.3"}}`,
		"secrets/a/x.env":  "# comment\nA=ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops_version=3.13.3\n",
		"secrets/a/x.bin":  `{"data": "ENC[...]"}`,
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv := &Inventory{Root: dir}
	want := map[string][]SecretValue{
		"secrets/a/x.yaml": {{"pw", "str", 0}, {"port", "int", 0}, {"db", "map", 0}, {"db/user", "str", 1}, {"l", "list", 0}},
		"secrets/a/x.json": {{"on", "bool", 0}, {"db", "map", 0}, {"db/user", "str", 1}, {"db/sops", "", 1}, {"l", "list", 0}, {"n", "", 0}},
		"secrets/a/x.env":  {{"A", "str", 0}},
		"secrets/a/x.bin":  nil,
	}
	for p, w := range want {
		got, err := inv.SecretValues(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", p, d)
		}
	}
	keys, err := inv.SecretDataKeys("secrets/a/x.yaml")
	if err != nil || !cmp.Equal(keys, []string{"pw", "port", "db", "l"}) {
		t.Errorf("SecretDataKeys = %v, %v", keys, err)
	}
}

// FuzzSecretValues reads arbitrary secret files in every format: an
// answer or an error, never a panic, and keys that are never empty paths.
func FuzzSecretValues(f *testing.F) {
	f.Add("pw: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\ndb:\n    user: x\n", "yaml")
	f.Add(`{"a": {"b": [1, {"c": 2}]}, "sops": {}}`, "json")
	f.Add("A=1\n# c\nsops_x=2\n", "env")
	f.Fuzz(func(t *testing.T, content, ext string) {
		switch ext {
		case "yaml", "json", "env", "bin":
		default:
			return
		}
		dir := t.TempDir()
		rel := "secrets/a/x." + ext
		if err := os.MkdirAll(filepath.Join(dir, "secrets/a"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		values, err := (&Inventory{Root: dir}).SecretValues(rel)
		if err != nil {
			return
		}
		for _, v := range values {
			if v.Depth < 0 || (v.Depth > 0 && !strings.Contains(v.Key, "/")) {
				t.Fatalf("value %+v: depth and key disagree", v)
			}
		}
	})
}

// FuzzNixKeys parses arbitrary Nix signing keys: a secret key that parses
// has a public key that parses back to the same name.
func FuzzNixKeys(f *testing.F) {
	f.Add("lab-1:88PpsB4DINxihkrQpt7U8h2lFYD2OXC7R+9kcBw1nirMBeU+jzeayvXYYIdU7IeQne6ZzI5nmJyigsclwiC7HQ==")
	f.Add("x:abc")
	f.Fuzz(func(t *testing.T, s string) {
		ParseNixPublicKey(s)
		name, key, err := ParseNixSecretKey(s)
		if err != nil {
			return
		}
		n2, _, err := ParseNixPublicKey(NixPublicKey(name, key))
		if err != nil || n2 != name {
			t.Fatalf("public key of %q does not parse back: %v", s, err)
		}
	})
}

// sameValues fails unless the values read without a YAML parser are the
// ones read with it.
func sameValues(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := secretValues("s.yaml", data, true)
	want, wantErr := secretValues("s.yaml", data, false)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !slices.Equal(got, want) {
		t.Fatalf("read without a parser: %v %v; with one: %v %v\n%q", got, gotErr, want, wantErr, data)
	}
}

func TestSecretValuesScan(t *testing.T) {
	scanned := 0
	for _, f := range sopstest.Files(t, "../..") {
		if _, ok := sopsyaml.Scan(f.Data); ok {
			scanned++
		}
		sameValues(t, f.Data)
	}
	if scanned < 8 {
		t.Fatalf("%d files read without a parser", scanned)
	}
}

// FuzzSecretValuesScan checks the values read without a YAML parser
// against the ones read with it.
func FuzzSecretValuesScan(f *testing.F) {
	for _, sf := range sopstest.Files(f, "../..") {
		f.Add(sf.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameValues(t, data)
	})
}
