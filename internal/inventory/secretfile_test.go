package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
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
