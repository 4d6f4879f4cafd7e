package options

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCoverageAgainstNix compares the index of a real home-manager and
// nix-darwin tree with the options Nix evaluates for them
// (scripts/options-coverage). It runs when FLEET_COVERAGE_LIB names
// nixpkgs.lib's lib folder and FLEET_COVERAGE_HM or FLEET_COVERAGE_DARWIN
// a tree, and nix-instantiate is installed.
func TestCoverageAgainstNix(t *testing.T) {
	lib := os.Getenv("FLEET_COVERAGE_LIB")
	if lib == "" {
		t.Skip("FLEET_COVERAGE_LIB (nixpkgs.lib's lib folder) is not set: no coverage against Nix")
	}
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate is not installed: no coverage against Nix")
	}
	script, err := filepath.Abs("../../../scripts/options-coverage")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ env, class, input string }{
		{"FLEET_COVERAGE_HM", "home", "home-manager"},
		{"FLEET_COVERAGE_DARWIN", "darwin", "nix-darwin"},
	} {
		t.Run(tc.class, func(t *testing.T) {
			tree := os.Getenv(tc.env)
			if tree == "" {
				t.Skipf("%s is not set: no %s tree to measure", tc.env, tc.input)
			}
			nix, err := EvalNixOptions(script, lib, tree, tc.class)
			if err != nil {
				t.Fatal(err)
			}
			ix, err := BuildIndex(tc.class, []Tree{{Input: tc.input, Dir: filepath.Join(tree, "modules")}})
			if err != nil {
				t.Fatal(err)
			}
			c := CompareCoverage(ix, nix)
			t.Logf("%s %s:\n%s", tc.input, tree, c.Report(40))
			if c.Nix == 0 {
				t.Fatal("Nix evaluated no options")
			}
			if known := c.Accepted + c.Moved; known*100 < c.Nix*99 {
				t.Errorf("the index knows %d of Nix's %d option paths: under 99%%", known, c.Nix)
			}
		})
	}
}

func TestCompareCoverage(t *testing.T) {
	ix := indexOf(t, map[string]string{"a.nix": `{ lib, ... }: with lib; {
  options.a.enable = mkEnableOption "a";
  options.a.port = mkOption { type = types.port; };
  options.a.users = mkOption { type = types.attrsOf (types.submodule { options.uid = mkOption { type = types.int; }; }); };
  options.a.extra = mkOption { type = types.str; };
  options.a.x = mkOption { type = types.functionTo types.str; };
}`})
	c := CompareCoverage(ix, []NixOption{
		{Path: []string{"a", "enable"}, Type: "bool"},
		{Path: []string{"a", "port"}, Type: "unsignedInt16"},
		{Path: []string{"a", "users"}, Type: "attrsOf"},
		{Path: []string{"a", "users", "<name>", "uid"}, Type: "str"},
		{Path: []string{"a", "x"}, Type: "functionTo"},
		{Path: []string{"b"}, Type: "bool"},
		{Path: []string{"c"}, Type: "?", Failed: "suboptions"},
	})
	if c.Nix != 6 || c.Failed != 1 || c.Exact != 5 || c.Accepted != 5 || len(c.Missing) != 1 || c.Missing[0] != "b" {
		t.Errorf("paths: %+v", c)
	}
	if c.TypeEqual != 3 || c.TypeOpen != 1 || len(c.TypeDiff) != 1 {
		t.Errorf("types: %+v", c)
	}
	if c.Fleet != 6 || len(c.Extra) != 1 || c.Extra[0] != "a.extra" {
		t.Errorf("precision: %+v", c)
	}
}

// indexOf indexes a tree of the given files, written to a temporary folder.
func indexOf(t *testing.T, files map[string]string) *Index {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := BuildIndex("home", []Tree{{Input: "home-manager", Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// map with a function written in place over a list of names: each name is
// an option-moving module (home-manager's anki, swww, just; found missing
// by TestCoverageAgainstNix).
func TestRenamesMappedWithLambda(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"anki.nix": `{ lib, ... }: {
  imports = (map (x: lib.mkRenamedOptionModule [ "programs" "anki" "sync" x ] [ "programs" "anki" "profiles" "User 1" "sync" x ]) [ "username" "url" ])
    ++ [ (lib.mkRenamedOptionModule [ "programs" "anki" "sync" "passwordFile" ] [ "programs" "anki" "keyFile" ]) ];
  options.programs.anki.enable = lib.mkEnableOption "anki";
}`,
		"swww.nix": `{ lib, ... }: {
  imports = (
    map (x: lib.mkRenamedOptionModule [ "services" "swww" x ] [ "services" "awww" x ]) [ "enable" "package" ]
  );
  options.services.awww.enable = lib.mkEnableOption "awww";
}`,
		"just.nix": `{ lib, ... }: {
  imports = [ ]
  ++ (map
    (
      opt:
      lib.mkRemovedOptionModule [ "programs" "just" opt ] ''
        gone''
    )
    [ "enable" "enableBashIntegration" ]);
}`,
	})
	for p, to := range map[string]string{
		"programs.anki.sync.url":          "programs.anki.profiles.User 1.sync.url",
		"programs.anki.sync.passwordFile": "programs.anki.keyFile",
		"services.swww.package":           "services.awww.package",
		"programs.just.enable":            "",
	} {
		f := ix.Lookup(SplitPath(p))
		if f.Verdict != Moved || f.Rename.To != to {
			t.Errorf("%s: %v %+v, want moved to %q", p, f.Verdict, f.Rename, to)
		}
	}
	if f := ix.Lookup(SplitPath("services.swww.other")); f.Verdict != Unknown_ {
		t.Errorf("services.swww.other: %v, want unknown", f.Verdict)
	}
}

// Option-moving modules whose paths join a list bound in the file
// (path ++ [ "globalstate" ], nix-darwin's alf.nix) and made by
// mapAttrsToList over a set of old and new names (nix-darwin's nix
// module's legacyConfMappings).
func TestRenamesJoinedAndMappedOverSet(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"alf.nix": `{ lib, ... }:
let
  path = [ "system" "defaults" "alf" ];
in
{
  imports = [
    (lib.mkRemovedOptionModule (path ++ [ "globalstate" ]) "Use networking.applicationFirewall.enable.")
  ];
}`,
		"nix.nix": `{ lib, ... }:
with lib;
let
  legacyConfMappings = {
    useSandbox = "sandbox";
    "binaryCaches" = "substituters";
  };
in
{
  imports = [
    (mkRemovedOptionModule [ "nix" "profile" ] "Use nix.package instead.")
  ] ++ mapAttrsToList (oldConf: newConf: mkRenamedOptionModule [ "nix" oldConf ] [ "nix" "settings" newConf ]) legacyConfMappings;
  options.nix.settings = mkOption { type = types.attrsOf types.anything; };
}`,
	})
	for p, to := range map[string]string{
		"system.defaults.alf.globalstate": "",
		"nix.useSandbox":                  "nix.settings.sandbox",
		"nix.binaryCaches":                "nix.settings.substituters",
		"nix.profile":                     "",
	} {
		f := ix.Lookup(SplitPath(p))
		if f.Verdict != Moved || f.Rename.To != to {
			t.Errorf("%s: %v %+v, want moved to %q", p, f.Verdict, f.Rename, to)
		}
	}
	if f := ix.Lookup(SplitPath("nix.other")); f.Verdict != Unknown_ {
		t.Errorf("nix.other: %v, want unknown", f.Verdict)
	}
}

// A submodule's own imports: its option-moving modules are renames below
// <name> or * (home-manager's khard, zsh plugins, xdg.desktopEntries), and
// any other import opens it (firefox profiles import nixpkgs'
// assertions.nix).
func TestSubmoduleImports(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"khard.nix": `{ lib, pkgs, ... }: with lib; {
  options.accounts.contact.accounts = mkOption {
    type = types.attrsOf (types.submodule {
      imports = [ (lib.mkRenamedOptionModule [ "khard" "defaultCollection" ] [ "khard" "addressbooks" ]) ];
      options.khard.addressbooks = mkOption { type = types.listOf types.str; };
    });
  };
  options.programs.zsh.plugins = mkOption {
    type = types.listOf (types.submodule {
      imports = [ (mkRemovedOptionModule [ "old" ] "gone") ];
      options.functions = mkOption { type = types.listOf types.str; };
    });
  };
  options.programs.firefox.profiles = mkOption {
    type = types.attrsOf (types.submodule ({ name, ... }: {
      imports = [ (pkgs.path + "/nixos/modules/misc/assertions.nix") ];
      options.id = mkOption { type = types.int; };
    }));
  };
}`,
	})
	tests := []struct {
		path    string
		verdict Verdict
		to      string
	}{
		{"accounts.contact.accounts.work.khard.defaultCollection", Moved, "accounts.contact.accounts.<name>.khard.addressbooks"},
		{"accounts.contact.accounts.<name>.khard.defaultCollection", Moved, "accounts.contact.accounts.<name>.khard.addressbooks"},
		{"accounts.contact.accounts.work.khard.other", Unknown_, ""},
		{"programs.zsh.plugins.*.old", Moved, ""},
		{"programs.firefox.profiles.default.assertions", Open, ""},
		{"programs.firefox.profiles.default.id", Declared, ""},
	}
	for _, tc := range tests {
		f := ix.Lookup(SplitPath(tc.path))
		if f.Verdict != tc.verdict || (f.Rename != nil && f.Rename.To != tc.to) {
			t.Errorf("%s: %v %+v, want %v %q", tc.path, f.Verdict, f.Rename, tc.verdict, tc.to)
		}
	}
}

// A file another module reads as a submodule (types.submodule ./user.nix,
// submodule (import ./accounts.nix)) is part of that module, not a module
// whose options are at the top level; unless a module or a list of
// modules imports it too (home-manager's vdirsyncer/accounts.nix).
func TestSubmoduleFilesAreNotTopLevel(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"module-list.nix": `[ ./users ./shared.nix ]`,
		"users/default.nix": `{ lib, ... }: with lib; {
  options.users.users = mkOption { type = types.attrsOf (types.submodule ./user.nix); };
  options.users.shared = mkOption { type = types.attrsOf (types.submodule (import ../shared.nix)); };
  options.accounts = mkOption { type = types.attrsOf (types.submodule (import ./sync.nix)); };
}`,
		"users/user.nix": `{ lib, ... }: { options.uid = lib.mkOption { type = lib.types.int; }; }`,
		"shared.nix":     `{ lib, ... }: { options.shared.enable = lib.mkEnableOption "shared"; }`,
		"users/sync.nix": `{ lib, ... }: { options.sync.enable = lib.mkEnableOption "sync"; }`,
		"sync-root.nix":  `{ lib, ... }: { imports = [ ./users/sync.nix ]; }`,
	})
	tests := []struct {
		path    string
		verdict Verdict
	}{
		{"users.users.alice.uid", Declared},
		{"uid", Unknown_},
		{"users.shared.x.shared.enable", Declared},
		{"shared.enable", Declared}, // module-list.nix names it
		{"accounts.a.sync.enable", Declared},
		{"sync.enable", Declared}, // sync-root.nix imports it
	}
	for _, tc := range tests {
		if f := ix.Lookup(SplitPath(tc.path)); f.Verdict != tc.verdict {
			t.Errorf("%s: %v, want %v", tc.path, f.Verdict, tc.verdict)
		}
	}
}

// home-manager's lib.hm.shell.mk<Shell>IntegrationOption helpers declare
// bools.
func TestShellIntegrationOptions(t *testing.T) {
	ix := indexOf(t, map[string]string{"fzf.nix": `{ config, lib, ... }: {
  options.programs.fzf = {
    enableBashIntegration = lib.hm.shell.mkBashIntegrationOption { inherit config; };
    enableZshIntegration = lib.hm.shell.mkZshIntegrationOption { inherit config; };
  };
}`})
	for _, p := range []string{"programs.fzf.enableBashIntegration", "programs.fzf.enableZshIntegration"} {
		es := ix.Option(p)
		if len(es) != 1 || es[0].Kind != Bool || es[0].Open != "" {
			t.Errorf("%s: %+v, want a bool", p, es)
		}
	}
}

// inherit (commonOptions) names; with commonOptions = import ./lib/options.nix
// { ... } (home-manager's i3 and sway): the options are read from the
// file.
func TestInheritFromImportedOptions(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"i3/default.nix": `{ config, lib, ... }:
let
  commonOptions = import ./lib/options.nix { inherit config lib; moduleName = "i3"; };
in
{
  options.xsession.windowManager.i3 = {
    config = lib.mkOption {
      type = lib.types.nullOr (lib.types.submodule {
        options = { inherit (commonOptions) fonts modifier; };
      });
    };
  };
}`,
		"i3/lib/options.nix": `{ config, lib, moduleName }:
let
  fontOptions = lib.types.submodule { options.size = lib.mkOption { type = lib.types.float; }; };
in
{
  fonts = lib.mkOption { type = fontOptions; };
  modifier = lib.mkOption { type = lib.types.enum [ "Shift" "Mod1" ]; };
}`,
	})
	for p, k := range map[string]Kind{
		"xsession.windowManager.i3.config.fonts.size": Float,
		"xsession.windowManager.i3.config.modifier":   Enum,
	} {
		es := ix.Option(p)
		if len(es) != 1 || es[0].Kind != k {
			t.Errorf("%s: %+v, want %s", p, es, k)
		}
	}
	if f := ix.Lookup(SplitPath("modifier")); f.Verdict != Unknown_ {
		t.Errorf("modifier at the top level: %v, want unknown", f.Verdict)
	}
}

// A module made by a helper bound in the same file (nix-darwin's
// mkToolModule { name = "darwin-option"; }): its options are read with
// the helper's parameters bound.
func TestHelperModuleInSameFile(t *testing.T) {
	ix := indexOf(t, map[string]string{"tools.nix": `{ lib, ... }:
let
  mkToolModule = { name, package ? null }: { config, ... }: {
    options.system.tools.${name}.enable = lib.mkEnableOption "${name} script";
  };
in
{
  imports = [
    (mkToolModule { name = "darwin-option"; })
    (mkToolModule { name = "darwin-rebuild"; })
  ];
  options.system.tools.enable = lib.mkOption { type = lib.types.bool; };
}`})
	for _, p := range []string{"system.tools.darwin-option.enable", "system.tools.darwin-rebuild.enable", "system.tools.enable"} {
		if es := ix.Option(p); len(es) != 1 || es[0].Kind != Bool {
			t.Errorf("%s: %+v, want a bool", p, es)
		}
	}
	if f := ix.Lookup(SplitPath("system.tools.darwin-other.enable")); f.Verdict != Unknown_ {
		t.Errorf("system.tools.darwin-other.enable: %v, want unknown", f.Verdict)
	}
}

// A submodule written as a function whose body imports a file of the
// folder (home-manager's firefox profiles' search and handlers).
func TestSubmoduleFunctionImportingFile(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"firefox/default.nix": `{ lib, pkgs, ... }: with lib; {
  options.programs.firefox.search = mkOption {
    type = types.submodule (args: import ./search.nix { inherit (args) config; inherit lib pkgs; });
  };
}`,
		"firefox/search.nix": `{ config, lib, pkgs }:
{
  options.force = lib.mkOption { type = lib.types.bool; };
  options.engines = lib.mkOption { type = lib.types.attrsOf lib.types.str; };
}`,
	})
	for p, k := range map[string]Kind{"programs.firefox.search.force": Bool, "programs.firefox.search.engines": AttrsOf} {
		if es := ix.Option(p); len(es) != 1 || es[0].Kind != k {
			t.Errorf("%s: %+v, want %s", p, es, k)
		}
	}
	if f := ix.Lookup(SplitPath("force")); f.Verdict != Unknown_ {
		t.Errorf("force at the top level: %v, want unknown", f.Verdict)
	}
}

// A module whose options and imports come from a file it imports with
// arguments (home-manager's gammastep and redshift: options.services.gammastep
// = commonOptions.options; inherit (commonOptions) imports;), the file's
// parameters bound to the literals given.
func TestModuleFromImportedCommonFile(t *testing.T) {
	ix := indexOf(t, map[string]string{
		"rs/gammastep.nix": `{ config, lib, pkgs, ... }:
let
  commonOptions = import ./lib/options.nix { inherit config lib pkgs; moduleName = "gammastep"; };
in
{
  inherit (commonOptions) imports meta;
  options.services.gammastep = commonOptions.options;
  config = lib.mkIf config.services.gammastep.enable commonOptions.config;
}`,
		"rs/lib/options.nix": `{ config, lib, pkgs, moduleName }:
{
  imports = [
    (lib.mkRemovedOptionModule [ "services" moduleName "extraOptions" ] "Use settings.")
  ];
  options = {
    enable = lib.mkEnableOption moduleName;
    dawnTime = lib.mkOption { type = lib.types.nullOr lib.types.str; };
  };
}`,
	})
	tests := []struct {
		path    string
		verdict Verdict
	}{
		{"services.gammastep.enable", Declared},
		{"services.gammastep.dawnTime", Declared},
		{"services.gammastep.extraOptions", Moved},
		{"services.gammastep.other", Unknown_},
		{"dawnTime", Unknown_},
	}
	for _, tc := range tests {
		if f := ix.Lookup(SplitPath(tc.path)); f.Verdict != tc.verdict {
			t.Errorf("%s: %v, want %v", tc.path, f.Verdict, tc.verdict)
		}
	}
}

// with types; around an option's type reaches the options of the
// submodules written inside it (home-manager's khard, rofi).
func TestWithTypesReachesSubmoduleOptions(t *testing.T) {
	ix := indexOf(t, map[string]string{"khard.nix": `{ lib, ... }: {
  options.programs.khard.settings = lib.mkOption {
    type = with lib.types; submodule {
      options.general.default_action = lib.mkOption { type = str; };
      options.general.n = lib.mkOption { type = nullOr int; };
    };
  };
  options.programs.khard.other = lib.mkOption { type = str; };
}`})
	for p, k := range map[string]Kind{
		"programs.khard.settings.general.default_action": Str,
		"programs.khard.settings.general.n":              NullOr,
		"programs.khard.other":                           Unknown, // no with here
	} {
		if es := ix.Option(p); len(es) != 1 || es[0].Kind != k {
			t.Errorf("%s: %+v, want %s", p, es, k)
		}
	}
}

// A type updated with documentation only (T // { description = ...; }) is
// T; an update changing the check is not read.
func TestTypeUpdatedWithDocs(t *testing.T) {
	ix := indexOf(t, map[string]string{"a.nix": `{ lib, ... }: with lib; {
  options.a.prefs = mkOption { type = types.attrsOf types.int // { description = "preferences"; }; };
  options.a.value = mkOption {
    type = let valueType = types.nullOr (types.oneOf [ types.bool types.str (types.attrsOf valueType) (types.listOf valueType) ]) // { description = "JSON value"; }; in valueType;
  };
  options.a.checked = mkOption { type = types.str // { check = x: true; }; };
}`})
	for p, k := range map[string]Kind{"a.prefs": AttrsOf, "a.value": NullOr, "a.checked": Unknown} {
		if es := ix.Option(p); len(es) != 1 || es[0].Kind != k {
			t.Errorf("%s: %+v, want %s", p, es, k)
		}
	}
}

// home-manager's lib.hm.deprecations.mkSettingsRenamedOptionModules renames
// each name of a list from one prefix to another, transformed by the
// identity or, by default, to snake case (diff-so-fancy).
func TestSettingsRenamedOptionModules(t *testing.T) {
	ix := indexOf(t, map[string]string{"dsf.nix": `{ lib, ... }: {
  imports =
    let
      newPrefix = [ "programs" "diff-so-fancy" "settings" ];
      renamedOptions = [ "markEmptyLines" "rulerWidth" ];
    in
    (lib.hm.deprecations.mkSettingsRenamedOptionModules [ "programs" "git" "diff-so-fancy" ] newPrefix {
      transform = x: x;
    } renamedOptions)
    ++ (lib.hm.deprecations.mkSettingsRenamedOptionModules [ "programs" "old" ] newPrefix { } [ "useUnicodeRuler" ]);
  options.programs.diff-so-fancy.settings = lib.mkOption { type = lib.types.attrsOf lib.types.anything; };
}`})
	for p, to := range map[string]string{
		"programs.git.diff-so-fancy.markEmptyLines": "programs.diff-so-fancy.settings.markEmptyLines",
		"programs.git.diff-so-fancy.rulerWidth":     "programs.diff-so-fancy.settings.rulerWidth",
		"programs.old.useUnicodeRuler":              "programs.diff-so-fancy.settings.use_unicode_ruler",
	} {
		f := ix.Lookup(SplitPath(p))
		if f.Verdict != Moved || f.Rename.To != to {
			t.Errorf("%s: %v %+v, want moved to %q", p, f.Verdict, f.Rename, to)
		}
	}
}
