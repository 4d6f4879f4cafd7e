package buildinfo

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestID compares the build ID read from the running test executable with
// what the Go toolchain itself reads from it.
func TestID(t *testing.T) {
	got := ID()
	if got == "" {
		t.Fatal("ID() is empty")
	}
	if runtime.GOOS != "linux" {
		if !strings.HasPrefix(got, "go:") && !strings.HasPrefix(got, "sha256:") {
			t.Fatalf("ID() = %q: neither a Go build ID nor a digest", got)
		}
		return
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not installed: cannot compare with go tool buildid")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goTool, "tool", "buildid", exe).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	if want := "go:" + strings.TrimSpace(string(out)); got != want {
		t.Errorf("ID() = %q, want %q", got, want)
	}
}

func TestGoBuildIDNotELF(t *testing.T) {
	p := t.TempDir() + "/not-elf"
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if id := goBuildID(p); id != "" {
		t.Errorf("goBuildID of a script = %q, want empty", id)
	}
}
