package inventory

import (
	"slices"
	"testing"

	"github.com/fleetdev/fleet/internal/diag"
)

func parseToolset(src string) (*Toolset, []diag.Diagnostic) {
	l := &loader{diags: &diag.List{}}
	t, ds := ParseTOML("toolsets/dev.toml", []byte(src))
	for _, d := range ds {
		l.diags.Add(d)
	}
	if t == nil {
		return nil, l.diags.Items()
	}
	return l.toolset(t, "dev", "toolsets/dev.toml"), l.diags.Items()
}

func TestToolset(t *testing.T) {
	ts, ds := parseToolset(`description = "d"
packages = ["ripgrep", "python3Packages.black", "bad name"]
[platforms.linux]
packages = ["strace", "ripgrep"]
[platforms.aarch64-darwin]
packages = ["coreutils"]
[platforms.windows]
packages = ["x"]
`)
	var codes []string
	for _, d := range ds {
		codes = append(codes, d.Code)
	}
	if !slices.Equal(codes, []string{"value", "unknown-key"}) {
		t.Errorf("diagnostics %v", ds)
	}
	for _, c := range []struct {
		system string
		want   []string
	}{
		{"x86_64-linux", []string{"ripgrep", "python3Packages.black", "strace"}},
		{"aarch64-linux", []string{"ripgrep", "python3Packages.black", "strace"}},
		{"aarch64-darwin", []string{"ripgrep", "python3Packages.black", "coreutils"}},
		{"x86_64-darwin", []string{"ripgrep", "python3Packages.black"}},
	} {
		if got := Names(ts.PackagesFor(c.system)); !slices.Equal(got, c.want) {
			t.Errorf("PackagesFor(%s) = %v, want %v", c.system, got, c.want)
		}
	}
}

// FuzzToolsetFile feeds toolset files to the loader: it never panics,
// every diagnostic has a position, and it keeps only package attribute
// names and known platforms.
func FuzzToolsetFile(f *testing.F) {
	for _, s := range []string{
		"description = \"d\"\npackages = [\"ripgrep\", \"fd\"]\n[platforms.linux]\npackages = [\"strace\"]\n",
		"packages = [\"a b\", 1]\n[platforms.linx]\npackages = []\n",
		"platforms = 3\n",
		"[platforms]\nlinux = \"x\"\n[platforms.darwin]\npackgaes = [\"x\"]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ts, ds := parseToolset(src)
		for _, d := range ds {
			if d.Pos.File != "toolsets/dev.toml" || d.Pos.Line < 1 || d.Pos.Col < 1 {
				t.Fatalf("diagnostic without a position: %+v", d)
			}
		}
		if ts == nil {
			return
		}
		known := append(slices.Clone(ToolsetPlatformKeys), Systems[NixOS]...)
		known = append(known, Systems[Darwin]...)
		for _, p := range ts.Platforms {
			if !slices.Contains(known, p.Key.V) {
				t.Fatalf("kept platform %q", p.Key.V)
			}
		}
		for _, s := range append(Systems[NixOS], Systems[Darwin]...) {
			for _, p := range ts.PackagesFor(s) {
				if !IsPackageName(p.V) {
					t.Fatalf("kept package %q", p.V)
				}
			}
		}
	})
}
