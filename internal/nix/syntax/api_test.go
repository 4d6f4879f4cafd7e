package syntax

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
)

func TestCheckExpr(t *testing.T) {
	at := diag.Pos{File: "hosts/box/host.toml", Line: 7, Col: 12}
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"free variables are fine", `pkgs.lib.mkForce config.x`, nil},
		{"first line shifted by the column", `{ a = 1 }`, []string{"hosts/box/host.toml:7:20: syntax error, unexpected '}', expecting ';'"}},
		{"later lines shifted by the line", "[\n  1 ==\n]", []string{"hosts/box/host.toml:8:5: syntax error, unexpected '==', expecting ']'"}},
		{"duplicate attribute", `{ a = 1; a = 2; }`, []string{"hosts/box/host.toml:7:21: attribute 'a' already defined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range CheckExpr(tt.expr, at) {
				got = append(got, d.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"closed module", `{ config, lib, ... }: { x = lib.mkIf config.y 1; }`, nil},
		{"free variable", `{ lib, ... }: pkgs.hello`, []string{"m.nix:1:15: undefined variable 'pkgs'"}},
		{"with binds everything", `{ lib, ... }: with lib; [ mkIf foo ]`, nil},
		{"builtins are bound", `[ builtins.map toString __sub true null ]`, nil},
		{"rec sees itself, inherit looks out", `let x = 1; in rec { a = b; b = x; inherit x; }`, nil},
		{"syntax error first", `{ a = pkgs; `, []string{"m.nix:1:12: syntax error, unexpected end of file, expecting '}'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range Check("m.nix", []byte(tt.src)) {
				got = append(got, d.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCharClasses checks the lexer's byte classes against the character
// sets of Nix's lexer.l, written out.
func TestCharClasses(t *testing.T) {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const digits = "0123456789"
	sets := []struct {
		name string
		is   func(byte) bool
		set  string
	}{
		{"PATH_CHAR", isPathChar, letters + digits + "._-+"},
		{"ID start", isIDStart, letters + "_"},
		{"ID", isIDChar, letters + digits + "_'-"},
		{"URI scheme", isSchemeChar, letters + digits + "+-."},
		{"URI", isURIChar, letters + digits + "%/?:@&=+$,-_.!~*'"},
		{"digit", isDigit, digits},
	}
	for _, s := range sets {
		for c := 0; c < 256; c++ {
			if got, want := s.is(byte(c)), strings.IndexByte(s.set, byte(c)) >= 0; got != want {
				t.Errorf("%s(%q) = %v, want %v", s.name, byte(c), got, want)
			}
		}
	}
}

// TestTokens checks how tricky inputs are cut into tokens, as Nix's lexer
// cuts them.
func TestTokens(t *testing.T) {
	tests := []struct {
		src  string
		want string // kinds and texts, space-separated
	}{
		{"a-b", "identifier:a-b"},
		{"a->b", "identifier:a- '>':> identifier:b"},
		{"a/b", "path:a/b end-of-path"},
		{"a / b", "identifier:a '/':/ identifier:b"},
		{"a//b", "identifier:a '//':// identifier:b"},
		{"x:x", "URI:x:x"},
		{"1e10", "integer:1 identifier:e10"},
		{"01.5", "integer:01 float:.5"},
		{"1.", "float:1."},
		{"<nixpkgs/lib>", "search-path:<nixpkgs/lib>"},
		{"a <b> c", "identifier:a search-path:<b> identifier:c"},
		{"x''", "identifier:x''"},
		{"./a${b}c", "path:./a '${':${ identifier:b '}':} path-text:c end-of-path"},
		{"~/${x}", "path:~/ '${':${ identifier:x '}':} end-of-path"},
		{"/${x}", "path:/ '${':${ identifier:x '}':} end-of-path"},
		{"or", "'or':or"},
		{"...", "'...':..."},
		{`"$${x}"`, `'"':" string-text:$${x} '"':"`},
		{"''a''$b''", "indented-string:'' string-text:a string-text:''$ string-text:b '':''"},
		{"a |> b <| c", "identifier:a '|>':|> identifier:b '<|':<| identifier:c"},
		{"/* x", "'/':/ '*':* identifier:x"},
	}
	for _, tt := range tests {
		toks, _ := lex(tt.src)
		var got []string
		for _, tk := range toks[:len(toks)-1] {
			kind := strings.ReplaceAll(tk.Kind.String(), " ", "-")
			if tk.Text == "" {
				got = append(got, kind)
				continue
			}
			got = append(got, kind+":"+tk.Text)
		}
		if diff := cmp.Diff(tt.want, strings.Join(got, " ")); diff != "" {
			t.Errorf("lex(%q) (-want +got):\n%s", tt.src, diff)
		}
	}
}
