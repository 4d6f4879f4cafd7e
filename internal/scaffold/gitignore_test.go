package scaffold

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExampleGitIgnore keeps the example fleet's .gitignore the one init
// writes.
func TestExampleGitIgnore(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "examples", "homelab", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != GitIgnore {
		t.Errorf("examples/homelab/.gitignore differs from scaffold.GitIgnore:\n%s", got)
	}
}
