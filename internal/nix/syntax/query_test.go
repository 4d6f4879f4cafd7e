package syntax

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// defLine renders a definition as "path @line:col = source" for
// comparisons.
func defLine(d Definition) string {
	s := fmt.Sprintf("%s @%d:%d", d.PathString(), d.Pos.Line, d.Pos.Col)
	if d.Dynamic {
		s += " (dynamic)"
	}
	if d.Inherit != nil {
		return s + " inherited"
	}
	return s + " = " + d.Source
}

func TestModuleDefinitions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "plain module",
			src: `{ config, pkgs, ... }:
{
  imports = [ ./hardware.nix ];
  services.nginx = {
    enable = true;
    virtualHosts."example.org".root = "/srv";
  };
  networking.hostName = "box";
  environment.systemPackages = with pkgs; [ git ];
}`,
			want: []string{
				`services.nginx.enable @5:5 = true`,
				`services.nginx.virtualHosts.example.org.root @6:5 = "/srv"`,
				`networking.hostName @8:3 = "box"`,
				`environment.systemPackages @9:3 = with pkgs; [ git ]`,
			},
		},
		{
			name: "options and config",
			src: `{ config, lib, ... }:
let cfg = config.fleet.web; in
{
  options.fleet.web.enable = lib.mkEnableOption "web";
  config = lib.mkIf cfg.enable (lib.mkMerge [
    { services.nginx.enable = lib.mkDefault true; }
    (lib.mkIf cfg.tls { security.acme.acceptTerms = true; })
  ]);
  config.users.users.web.isSystemUser = true;
}`,
			want: []string{
				`services.nginx.enable @6:7 = lib.mkDefault true`,
				`security.acme.acceptTerms @7:25 = true`,
				`users.users.web.isSystemUser @9:10 = true`,
			},
		},
		{
			name: "dynamic names and inherit",
			src: `{ name, lib, ... }: {
  systemd.services.${name}.enable = true;
  users.users."${name}-x".uid = 1;
  users.groups.${"static"}.gid = 2;
  inherit (lib) foo;
  rec1 = rec { a = 1; };
}`,
			want: []string{
				`systemd.services.${name}.enable @2:3 (dynamic) = true`,
				`users.users."${name}-x".uid @3:3 (dynamic) = 1`,
				`users.groups.static.gid @4:3 = 2`,
				`foo @5:17 inherited`,
				`rec1 @6:3 = rec { a = 1; }`,
			},
		},
		{name: "not a set", src: `x: x`},
		{name: "broken", src: `{ a = 1; b = `, want: []string{"a @1:3 = 1", "b @1:10 = "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("m.nix", []byte(tt.src))
			var got []string
			for _, d := range f.ModuleDefinitions() {
				got = append(got, defLine(d))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStringValue(t *testing.T) {
	tests := []struct {
		src  string
		want string
		ok   bool
	}{
		{`"a\tb\${c}"`, "a\tb${c}", true},
		{"''\n    x\n      y\n  ''", "x\n  y\n", true},
		{"''a''\\nb''", "a\nb", true},
		{`"a${b}"`, "", false},
		{`""`, "", true},
	}
	for _, tt := range tests {
		f, ds := Parse("s.nix", []byte("b: "+tt.src))
		if len(ds) > 0 {
			t.Fatalf("%s: %v", tt.src, ds)
		}
		s := f.Expr.(*Lambda).Body.(*String)
		got, ok := StringValue(s)
		if got != tt.want || ok != tt.ok {
			t.Errorf("StringValue(%s) = %q, %v; want %q, %v", tt.src, got, ok, tt.want, tt.ok)
		}
	}
}

func TestText(t *testing.T) {
	src := "let\n  a = /* c */ f  x\n    y;\nin a"
	f, _ := Parse("t.nix", []byte(src))
	a := f.Expr.(*Let).Binds[0].(*Assign)
	if got, want := f.Text(a.Value), "f  x\n    y"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := f.NodePos(a.Value); got.Line != 2 || got.Col != 15 {
		t.Errorf("NodePos = %v", got)
	}
	if !strings.HasPrefix(f.Text(f.Expr), "let") {
		t.Error("Text of the file's expression does not start at let")
	}
}
