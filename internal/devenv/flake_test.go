package devenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadFlake(t *testing.T) {
	src := `{
  description = "demo: a thing";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    utils = { url = "github:numtide/flake-utils"; };
    follower.follows = "nixpkgs";
  };
  inputs.other.url = "git+https://example.org/x?ref=main";
  inputs.${builtins.head [ "dyn" ]}.url = "ignored";
  outputs = _: { };
}`
	desc, inputs, ds := readFlake("flake.nix", []byte(src))
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	if desc != "demo: a thing" {
		t.Errorf("description = %q", desc)
	}
	var got [][2]string
	for _, in := range inputs {
		got = append(got, [2]string{in.Name, src[in.Start:in.End]})
	}
	want := [][2]string{
		{"nixpkgs", `"github:NixOS/nixpkgs/nixos-26.05"`},
		{"utils", `"github:numtide/flake-utils"`},
		{"other", `"git+https://example.org/x?ref=main"`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	if p := inputs[0].Pos; p.Line != 4 || p.Col != 19 {
		t.Errorf("nixpkgs url at %d:%d, want 4:19", p.Line, p.Col)
	}
	if _, _, ds := readFlake("flake.nix", []byte("[ ]")); len(ds) != 1 {
		t.Errorf("a list is not a flake: %v", ds)
	}
}

func TestLockedURL(t *testing.T) {
	for _, tc := range []struct {
		locked map[string]any
		want   string
	}{
		{map[string]any{"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "abc"}, "github:NixOS/nixpkgs/abc"},
		{map[string]any{"type": "gitlab", "owner": "o", "repo": "r", "rev": "abc", "host": "git.example.org"}, "gitlab:o/r/abc?host=git.example.org"},
		{map[string]any{"type": "git", "url": "https://example.org/x.git", "rev": "abc", "ref": "main"}, "git+https://example.org/x.git?ref=main&rev=abc"},
		{map[string]any{"type": "git", "url": "https://example.org/x.git?dir=sub", "rev": "abc"}, "git+https://example.org/x.git?dir=sub&rev=abc"},
		{map[string]any{"type": "tarball", "url": "https://example.org/x.tar.gz"}, "https://example.org/x.tar.gz"},
		{map[string]any{"type": "github", "owner": "NixOS", "repo": "nixpkgs"}, ""},
		{map[string]any{"type": "path", "path": "/x"}, ""},
	} {
		if got := lockedURL(tc.locked); got != tc.want {
			t.Errorf("lockedURL(%v) = %q, want %q", tc.locked, got, tc.want)
		}
	}
}

func TestReadLock(t *testing.T) {
	lock := `{"nodes": {
  "nixpkgs": {"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "r1"}},
  "hm": {"inputs": {"nixpkgs": ["nixpkgs"]}, "locked": {"type": "github", "owner": "nix-community", "repo": "home-manager", "rev": "r2"}},
  "root": {"inputs": {"nixpkgs": "nixpkgs", "home-manager": "hm", "follower": ["nixpkgs"]}}
}, "root": "root", "version": 7}`
	got, err := readLock([]byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]lockedInput{
		"nixpkgs":      {URL: "github:NixOS/nixpkgs/r1", Rev: "r1"},
		"home-manager": {URL: "github:nix-community/home-manager/r2", Rev: "r2"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(lockedInput{})); diff != "" {
		t.Errorf("readLock (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "{", `{"nodes": {}, "root": "root"}`, `[1]`} {
		if _, err := readLock([]byte(bad)); err == nil {
			t.Errorf("readLock(%q) succeeded", bad)
		}
	}
}

// FuzzReadFlake: any input either fails with diagnostics or yields urls
// whose offsets cut a string literal out of the source.
func FuzzReadFlake(f *testing.F) {
	f.Add(`{ inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05"; outputs = _: { }; }`)
	f.Add(`{ description = "x"; inputs = { a.url = "u"; b = { url = ''u''; }; }; }`)
	f.Add(`{ inputs.a.url = "${x}"; }`)
	f.Fuzz(func(t *testing.T, src string) {
		_, inputs, ds := readFlake("flake.nix", []byte(src))
		if len(ds) > 0 && len(inputs) > 0 {
			t.Fatalf("inputs despite errors: %v", ds)
		}
		for _, in := range inputs {
			if in.Start < 0 || in.End > len(src) || in.Start >= in.End {
				t.Fatalf("bad offsets %d:%d in %d bytes", in.Start, in.End, len(src))
			}
			if c := src[in.Start]; c != '"' && c != '\'' {
				t.Fatalf("url of %s does not start a string: %q", in.Name, src[in.Start:in.End])
			}
		}
	})
}

// FuzzReadLock: no input makes readLock panic, and every url it returns
// names the locked revision it reports.
func FuzzReadLock(f *testing.F) {
	f.Add(`{"nodes": {"n": {"locked": {"type": "github", "owner": "o", "repo": "r", "rev": "x"}}, "root": {"inputs": {"n": "n"}}}, "root": "root"}`)
	f.Add(`{"nodes": {"root": {"inputs": {"n": ["a", "b"]}}}, "root": "root"}`)
	f.Fuzz(func(t *testing.T, src string) {
		got, err := readLock([]byte(src))
		if err != nil {
			return
		}
		for name, l := range got {
			if l.URL != "" && l.Rev != "" && !contains(l.URL, l.Rev) {
				t.Fatalf("input %s: url %q does not name rev %q", name, l.URL, l.Rev)
			}
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
