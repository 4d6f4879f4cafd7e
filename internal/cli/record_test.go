package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestRecordKey makes the key once, private to the user, and gives every
// later run (and every run racing the first) the same key.
func TestRecordKey(t *testing.T) {
	cache := t.TempDir()
	a := &App{Env: Env{"XDG_CACHE_HOME": cache}}
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i] = a.recordKey() })
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != recordKeySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("run %d got key %x, want %d bytes equal to %x", i, k, recordKeySize, keys[0])
		}
	}
	p := filepath.Join(cache, "fleet", "record.key")
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("record.key has mode %o, want 600", st.Mode().Perm())
	}
	if es, _ := os.ReadDir(filepath.Dir(p)); len(es) != 1 {
		t.Errorf("the cache folder holds %d files, want only record.key", len(es))
	}
	if k := a.recordKey(); !bytes.Equal(k, keys[0]) {
		t.Errorf("a later run got %x, want %x", k, keys[0])
	}

	// A file that is not a key is left alone, and no record is trusted.
	if err := os.WriteFile(p, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k := a.recordKey(); k != nil {
		t.Errorf("with a broken key file recordKey = %x, want nil", k)
	}
	if data, _ := os.ReadFile(p); string(data) != "short" {
		t.Errorf("the broken key file was changed to %q", data)
	}
	for _, env := range []Env{{"FLEET_CACHE_DIR": "none", "XDG_CACHE_HOME": cache}, {}} {
		if k := (&App{Env: env}).recordKey(); k != nil {
			t.Errorf("with env %v recordKey = %x, want nil", env, k)
		}
	}
}
