// Package sopstest owns the sops-encrypted YAML files that the tests of
// their readers share: the files the sops CLI wrote for the secrets
// package's tests and the example fleet's secrets.
package sopstest

import (
	"os"
	"path/filepath"
	"testing"
)

// File is one sample file: its path and content.
type File struct {
	Name string
	Data []byte
}

// Files reads the samples. root is the repository's root, relative to
// the calling test's package ("../.." from internal/<package>).
func Files(t testing.TB, root string) []File {
	t.Helper()
	var out []File
	for _, pattern := range []string{"internal/secrets/testdata/sops/*.yaml", "examples/homelab/secrets/*/*.yaml"} {
		names, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, File{name, data})
		}
	}
	if len(out) < 10 {
		t.Fatalf("found %d sops files under %s", len(out), root)
	}
	return out
}
