package importer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fleetdev/fleet/internal/nix/syntax"
)

// Removing a definition's line and putting the removed bytes back gives
// the original file, byte for byte; the file without the line parses. Over
// every definition of every fixture file, and of fuzzed files.
func TestRemoveRevert(t *testing.T) {
	files, _ := filepath.Glob("testdata/handwritten/*/*/*.nix")
	more, _ := filepath.Glob("testdata/handwritten/*/*.nix")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkRemoveRevert(t, name, src)
	}
}

func checkRemoveRevert(t *testing.T, name string, src []byte) int {
	f, ds := syntax.Parse(name, src)
	if len(ds) > 0 {
		return 0
	}
	n := 0
	for _, d := range f.ModuleDefinitions() {
		if d.Assign == nil {
			continue
		}
		start, end, _, ok := lineSpan(f, d.Assign)
		if !ok {
			continue
		}
		n++
		removed := slices.Concat(src[:start], src[end:])
		back := slices.Concat(removed[:start], src[start:end], removed[start:])
		if string(back) != string(src) {
			t.Fatalf("%s: %s: revert gives\n%s", name, d.PathString(), back)
		}
		if _, ds := syntax.Parse(name, removed); len(ds) > 0 {
			t.Errorf("%s: without %s: %v\n%s", name, d.PathString(), ds[0], removed)
		}
	}
	return n
}

func FuzzRemoveRevert(f *testing.F) {
	f.Add("{ a = 1;\n  b.c = \"x\"; # note\n  d = {\n    e = true;\n  };\n}\n")
	f.Add("{ pkgs, ... }:\n{\n  imports = [ ./x.nix ];\n  services.x.enable = true;\n}")
	f.Fuzz(func(t *testing.T, src string) {
		checkRemoveRevert(t, "fuzz.nix", []byte(src))
	})
}
