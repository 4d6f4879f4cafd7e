package options

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fleetdev/fleet/internal/diag"
)

// summary renders a type compactly for comparisons.
func summary(t *Type) string {
	if t == nil {
		return "<nil>"
	}
	s := string(t.Kind)
	switch t.Kind {
	case ListOf, AttrsOf, NullOr:
		s += "(" + summary(t.Elem) + ")"
	case Either:
		var alts []string
		for _, a := range t.Alts {
			alts = append(alts, summary(a))
		}
		s += "(" + strings.Join(alts, "|") + ")"
	case Enum:
		var vs []string
		for _, v := range t.Values {
			vs = append(vs, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(jsonish(v), "\n", ""), " ", ""), "\t", "")))
		}
		s += "[" + strings.Join(vs, ",") + "]"
	case Int:
		if t.Min != nil {
			s += ">=" + itoa(*t.Min)
		}
		if t.Max != nil {
			s += "<=" + itoa(*t.Max)
		}
	case Submodule:
		var names []string
		for _, o := range t.Options {
			names = append(names, strings.Join(o.Path, ".")+":"+summary(o.Type))
		}
		s += "{" + strings.Join(names, ",") + "}"
	}
	return s
}

func itoa(n int64) string { return strings.TrimSpace(strings.ReplaceAll(jsonish(n), " ", "")) }

func jsonish(v any) string {
	switch v := v.(type) {
	case string:
		return `"` + v + `"`
	case nil:
		return "null"
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int64:
		neg := v < 0
		if neg {
			v = -v
		}
		var d []byte
		for {
			d = append([]byte{byte('0' + v%10)}, d...)
			v /= 10
			if v == 0 {
				break
			}
		}
		if neg {
			return "-" + string(d)
		}
		return string(d)
	}
	return "?"
}

const realistic = `{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.monitoring;
  inherit (lib) mkOption types;
  target = types.submodule ({ name, ... }: {
    options = {
      host = mkOption { type = types.str; description = "Host name."; };
      port = mkOption { type = types.port; default = 9100; };
    };
  });
in
{
  options.fleet.monitoring = {
    enable = lib.mkEnableOption "Prometheus and Grafana";
    package = lib.mkPackageOption pkgs "prometheus" { };
    grafanaPort = mkOption {
      type = types.port;
      default = 3000;
      description = ''
        Port Grafana
        listens on.
      '';
      example = lib.literalExpression "3001";
    };
    retention = mkOption {
      type = types.enum [ "15d" "30d" 90 null ];
      default = "30d";
    };
    scale = mkOption { type = types.float; default = -1.5; };
    jobs = mkOption { type = types.ints.between 1 64; default = 4; };
    tags = mkOption { type = with types; listOf (either str int); default = [ "a" 1 true null ]; };
    labels = mkOption { type = types.attrsOf types.str; default = { env = "prod"; nested.x = 1; }; };
    targets = mkOption { type = types.attrsOf target; default = { }; };
    dataDir = mkOption { type = types.nullOr types.path; default = "/var/lib/${cfg.name}"; };
    computed = mkOption { type = types.str; default = config.networking.hostName; };
    oneOf = mkOption { type = types.oneOf [ types.bool types.str ]; };
    fun = mkOption { type = types.functionTo types.str; };
    unknownType = mkOption { type = myType; };
    "quoted-name" = mkOption { type = types.lines; };
    nested.deeper.flag = mkOption { type = types.bool; default = false; };
  };
  options.fleet.other.enable = lib.mkEnableOption "the other";
  config = lib.mkIf cfg.enable { };
}
`

func TestExtract(t *testing.T) {
	m, ds := Extract("m.nix", []byte(realistic))
	if len(ds) != 2 || ds[0].Severity != diag.Warning || ds[0].Pos.Line != 37 || ds[1].Pos.Line != 38 {
		t.Fatalf("want warnings about the types of fun and unknownType, got %v", ds)
	}
	type row struct {
		Path, Type, Default, Desc string
		Computed                  bool
	}
	var got []row
	for _, o := range m.Options {
		r := row{Path: strings.Join(o.Path, "."), Type: summary(o.Type), Desc: o.Description}
		if o.Default != nil {
			r.Computed = o.Default.Computed
			if o.Default.Computed {
				r.Default = o.Default.Source
			} else {
				r.Default = valueString(o.Default.Value)
			}
		}
		got = append(got, r)
	}
	want := []row{
		{"fleet.monitoring.enable", "bool", "false", "Whether to enable Prometheus and Grafana.", false},
		{"fleet.monitoring.package", "package", "pkgs.prometheus", "The prometheus package to use.", true},
		{"fleet.monitoring.grafanaPort", "int>=0<=65535", "3000", "Port Grafana\nlistens on.", false},
		{"fleet.monitoring.retention", `enum["15d","30d",90,null]`, `"30d"`, "", false},
		{"fleet.monitoring.scale", "float", "-1.5", "", false},
		{"fleet.monitoring.jobs", "int>=1<=64", "4", "", false},
		{"fleet.monitoring.tags", "listOf(either(str|int))", `["a" 1 true null]`, "", false},
		{"fleet.monitoring.labels", "attrsOf(str)", `{env="prod" nested={x=1}}`, "", false},
		{"fleet.monitoring.targets", "attrsOf(submodule{host:str,port:int>=0<=65535})", "{}", "", false},
		{"fleet.monitoring.dataDir", "nullOr(path)", `"/var/lib/${cfg.name}"`, "", true},
		{"fleet.monitoring.computed", "str", "config.networking.hostName", "", true},
		{"fleet.monitoring.oneOf", "either(bool|str)", "", "", false},
		{"fleet.monitoring.fun", "unknown", "", "", false},
		{"fleet.monitoring.unknownType", "unknown", "", "", false},
		{"fleet.monitoring.quoted-name", "str", "", "", false},
		{"fleet.monitoring.nested.deeper.flag", "bool", "false", "", false},
		{"fleet.other.enable", "bool", "false", "Whether to enable the other.", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if o := m.Options[2]; o.Example != "3001" || o.Pos.Line != 16 || o.Pos.Col != 5 || o.Default.Pos.Line != 18 {
		t.Errorf("grafanaPort: example %q, pos %v, default pos %v", o.Example, o.Pos, o.Default.Pos)
	}
	if n := m.Options[12].Type.Note; n == "" {
		t.Error("an unknown type has no note")
	}
}

func valueString(v any) string {
	switch v := v.(type) {
	case []any:
		var parts []string
		for _, e := range v {
			parts = append(parts, valueString(e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		var keys []string
		for k := range v {
			keys = append(keys, k)
		}
		sortStrings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+valueString(v[k]))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case float64:
		if v == -1.5 {
			return "-1.5"
		}
		return "float"
	}
	return jsonish(v)
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestExtractForms(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // path:type
	}{
		{"attrset module", `{ options.fleet.a.x = { type = 1; }; }`, []string{"fleet.a.x.type:unknown"}},
		{"with lib", `{ lib, ... }: with lib; { options.fleet.a = { x = mkOption { type = types.str; }; y = mkEnableOption "y"; }; }`, []string{"fleet.a.x:str", "fleet.a.y:bool"}},
		{"options set", `{ lib, ... }: { options = { fleet.a.x = lib.mkOption { type = lib.types.bool; }; }; }`, []string{"fleet.a.x:bool"}},
		{"with types in type", `{ lib, ... }: { options.fleet.a.x = lib.mkOption { type = with lib.types; nullOr (listOf port); }; }`, []string{"fleet.a.x:nullOr(listOf(int>=0<=65535))"}},
		{"submoduleWith", `{ lib, ... }: { options.fleet.a.x = lib.mkOption { type = lib.types.submoduleWith { modules = [ { options.y = lib.mkOption { type = lib.types.int; }; } ]; }; }; }`, []string{"fleet.a.x:submodule{y:int}"}},
		{"unsigned and positive", `{ lib, ... }: { options.fleet.a = { u = lib.mkOption { type = lib.types.ints.unsigned; }; p = lib.mkOption { type = lib.types.ints.positive; }; }; }`, []string{"fleet.a.u:int>=0", "fleet.a.p:int>=1"}},
		{"not a type", `{ lib, ... }: { options.fleet.a.x = lib.mkOption { type = builtins.trace 1 lib.types.str; }; }`, []string{"fleet.a.x:unknown"}},
		{"dotted let", `{ lib, ... }: let promTypes.auth = lib.types.submodule { options.user = lib.mkOption { type = lib.types.str; }; }; in { options.fleet.a.x = lib.mkOption { type = lib.types.nullOr promTypes.auth; }; }`, []string{"fleet.a.x:nullOr(submodule{user:str})"}},
		{"helper with formals", `{ lib, ... }: let o = { type ? lib.types.int, d }: lib.mkOption { inherit type; default = d; }; in { options.fleet.a = { x = o { d = 1; }; y = o { type = lib.types.str; d = "s"; }; }; }`, []string{"fleet.a.x:int", "fleet.a.y:str"}},
		{"inherit from let set", `{ lib, ... }: let opts = { x = lib.mkEnableOption "x"; }; in { options.fleet.a = { inherit (opts) x; }; }`, []string{"fleet.a.x:bool"}},
		{"mkMerge of sets", `{ lib, ... }: { options.fleet.a = lib.mkMerge [ { x = lib.mkEnableOption "x"; } { y = lib.mkEnableOption "y"; } ]; }`, []string{"fleet.a.x:bool", "fleet.a.y:bool"}},
		{"syntax error keeps what parsed", `{ lib, ... }: { options.fleet.a.x = lib.mkOption { type = lib.types.str; }; config = { `, []string{"fleet.a.x:str"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := Extract("m.nix", []byte(tt.src))
			var got []string
			for _, o := range m.Options {
				got = append(got, strings.Join(o.Path, ".")+":"+summary(o.Type))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractExample reads every module of the example fleet: all parse
// and every option has a readable type.
func TestExtractExample(t *testing.T) {
	files, err := filepath.Glob("../../../examples/homelab/modules/*/*/default.nix")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example modules: %v", err)
	}
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, ds := Extract(f, src)
		if len(ds) > 0 {
			t.Errorf("%s: %v", f, ds)
		}
		for _, o := range m.Options {
			n++
			if o.Type.Kind == Unknown || (o.Type.Elem != nil && o.Type.Elem.Kind == Unknown) {
				t.Errorf("%s: %s has an unread type %q: %s", f, strings.Join(o.Path, "."), o.Type.Name, o.Type.Note)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d options found in the example modules", n)
	}
}

// FuzzExtract checks that extraction never panics on any input.
func FuzzExtract(f *testing.F) {
	f.Add(realistic)
	f.Add(`{ lib, ... }: with lib; { options.fleet.a = mkOption { type = types.enum [ ]; default = -9223372036854775808; }; }`)
	f.Add(`let t = t; in { options.fleet.x = mkOption { type = t; }; }`)
	f.Add(`let h = x: h x; o = a: b: lib.mkOption { type = a; default = b; }; in { options.fleet.x = h 1 // o o o; options.fleet.y = o (with lib.types; let t = strMatching "[a-z]+"; in t) "x"; }`)
	if src, err := os.ReadFile("testdata/idioms.nix"); err == nil {
		f.Add(string(src))
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, _ := Extract("f.nix", []byte(src))
		for _, o := range m.Options {
			if o.Type == nil {
				t.Fatalf("option %v has no type", o.Path)
			}
		}
	})
}
