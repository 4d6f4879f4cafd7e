package build_test

import (
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/nix/build"
)

// TestFixed: a fixed set prints as it would unfixed, wherever it is
// printed again (at another depth too, in another file), and a string it
// cannot print is refused every time.
func TestFixed(t *testing.T) {
	entry := func() *build.AttrSet {
		return build.Attrs().
			Set("image", build.Str("docker.io/library/nginx:1.27")).
			Set("ports", build.List(build.Str("8080:80"), build.Str("8443:443"))).
			Set("environment", build.Attrs().Set("TZ", build.Str("UTC"))).
			Set("script", build.Str("echo one\necho two\n"))
	}
	file := func(shared *build.AttrSet) build.Expr {
		return build.Attrs().
			Set("a", shared).
			SetPath([]string{"b", "c"}, build.Attrs().Set("d", shared)).
			Set("e", build.List(shared, build.Int(1)))
	}
	want, err := build.Print(file(entry()))
	if err != nil {
		t.Fatal(err)
	}
	fixed := entry().Fixed()
	for round := range 3 {
		got, err := build.Print(file(fixed))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("round %d: a fixed set prints\n%s\nwant\n%s", round, got, want)
		}
	}
	if strings.Count(string(want), "image =") != 3 {
		t.Fatalf("the set is printed %d times, want 3:\n%s", strings.Count(string(want), "image ="), want)
	}
	bad := build.Attrs().Set("x", build.Str("a\x00b")).Fixed()
	for round := range 2 {
		if _, err := build.Print(build.Attrs().Set("y", bad)); err == nil {
			t.Fatalf("round %d: a NUL in a fixed set printed without an error", round)
		}
	}
}
