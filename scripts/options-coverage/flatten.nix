# Flattens the options the module system evaluates for a tree of modules
# (home-manager or nix-darwin) into a list of { path; type; } without
# nixpkgs: pkgs is a stand-in whose attributes are stand-in packages.
#
#   nix-instantiate --eval --strict --json flatten.nix \
#     --arg lib /path/to/nixpkgs.lib/lib --arg tree /path/to/home-manager \
#     --argstr class home --arg pkgNames '[ "hello" ... ]' --arg standinPath DIR
#
# (EvalNixOptions in internal/nix/options runs it: see docs/options.md).
#
# Paths are named as fleet names them: <name> below attrsOf submodule, *
# below listOf submodule (the module system's own getSubOptions). An
# option whose type or suboptions throw is counted in `failed`. Options
# with visible = false or "shallow" are listed, their suboptions not.
{
  lib,
  tree,
  class,
  pkgNames ? [ ],
  maxDepth ? 12,
  # a folder holding nixos/modules/misc/{assertions,meta}.nix (./standin-nixpkgs)
  # and lib (nixpkgs.lib), for pkgs.path
  standinPath,
}:
let
  nixLib = import lib;
  system = if class == "darwin" then "aarch64-darwin" else "x86_64-linux";
  platform = nixLib.systems.elaborate system;

  # A stand-in package: a derivation-like set whose attributes are
  # stand-in packages too (pkgs.xorg.libX11, pkgs.python3Packages.foo).
  pkg =
    name:
    nixLib.genAttrs pkgNames (n: pkg "${name}.${n}")
    // {
      type = "derivation";
      inherit name;
      pname = name;
      version = "0";
      outPath = "/nix/store/00000000000000000000000000000000-${name}";
      drvPath = "/nix/store/00000000000000000000000000000000-${name}.drv";
      outputs = [ "out" ];
      out = pkg name;
      meta = { mainProgram = name; platforms = nixLib.platforms.all; };
      override = _: pkg name;
      overrideAttrs = _: pkg name;
      withPackages = _: pkg name;
      passthru = { };
    };

  # pkgs.formats.X { } gives a type whose name tells it is a stand-in.
  standinType = nixLib.mkOptionType {
    name = "standin-format";
    check = _: true;
    merge = nixLib.mergeEqualOption;
    nestedTypes.elemType = standinType;
  };
  format = _: {
    type = standinType;
    generate = name: _: pkg name;
    lib.types = {
      atom = standinType;
      value = standinType;
    };
  };

  pkgs =
    nixLib.genAttrs pkgNames pkg
    // {
      lib = nixLib;
      path = standinPath;
      stdenv = pkg "stdenv" // {
        hostPlatform = platform;
        buildPlatform = platform;
        targetPlatform = platform;
        inherit (platform) isLinux isDarwin system;
        cc = pkg "cc";
      };
      inherit system;
      hostPlatform = platform;
      buildPlatform = platform;
      formats = nixLib.genAttrs [ "json" "yaml" "yaml_1_1" "yaml_1_2" "toml" "ini" "iniWithGlobalSection" "keyValue" "gitIni" "elixirConf" "lua" "nixConf" "php" "javaProperties" "hocon" "libconfig" "pythonVars" "xml" "plist" "systemd" "cdn" "pkl" ] (_: format);
      writeText = name: _: pkg name;
      writeTextFile = a: pkg (a.name or "file");
      writeShellScript = name: _: pkg name;
      writeShellScriptBin = name: _: pkg name;
      writeScript = name: _: pkg name;
      runCommand = name: _: _: pkg name;
      runCommandLocal = name: _: _: pkg name;
      symlinkJoin = a: pkg (a.name or "join");
      callPackage = _: _: pkg "callPackage";
      substituteAll = _: pkg "substituteAll";
    };

  evaluated =
    if class == "home" then
      let
        hmLib = import (tree + "/modules/lib/stdlib-extended.nix") nixLib;
        modules = import (tree + "/modules/modules.nix") {
          inherit pkgs;
          lib = hmLib;
          check = false;
        };
      in
      hmLib.evalModules {
        modules = modules ++ [
          { _module.args.pkgs = hmLib.mkForce pkgs; }
        ];
        class = "homeManager";
        specialArgs.modulesPath = toString (tree + "/modules");
      }
    else
      nixLib.evalModules {
        class = "darwin";
        modules = import (tree + "/modules/module-list.nix") ++ [
          {
            _module.args.pkgs = nixLib.mkForce pkgs;
            _module.args.baseModules = [ ];
            _module.args.modules = [ ];
            _module.check = false;
          }
        ];
        specialArgs.modulesPath = toString (tree + "/modules");
      };

  try = x: builtins.tryEval x;

  # typeOf names the type as the module system does, "?" when it throws.
  typeName =
    t:
    let
      r = try (t.name or "?");
    in
    if r.success then r.value else "?";

  walk =
    depth: prefix: opts:
    if depth > maxDepth then
      [ { path = prefix; type = "?"; failed = "too deep"; } ]
    else
      nixLib.concatMap (
        n:
        let
          v = opts.${n};
          path = prefix ++ [ n ];
          isOpt = try (nixLib.isOption v);
        in
        if n == "_module" || n == "_freeformOptions" then
          [ ]
        else if !isOpt.success then
          [ { inherit path; type = "?"; failed = "declaration"; } ]
        else if isOpt.value then
          let
            locTry = try (builtins.deepSeq v.loc v.loc);
            path = if locTry.success then locTry.value else prefix ++ [ n ];
            subs = try (
              let
                s = v.type.getSubOptions path;
              in
              builtins.seq (builtins.attrNames s) s
            );
            t = typeName v.type;
            # visible = "shallow" (a submodule of the whole module set,
            # such as specialisation.<name>.configuration) or false: its
            # suboptions are not listed, as in the manual.
            vis = try (v.visible or true);
            deep = vis.success && vis.value == true;
          in
          [
            {
              inherit path;
              type = t;
              internal = (try (v.internal or false)).value or false;
            }
          ]
          ++ (
            if !deep then
              [ ]
            else if !subs.success then
              [ { inherit path; type = t; failed = "suboptions"; } ]
            else
              walk (depth + 1) path subs.value
          )
        else if builtins.isAttrs v then
          walk depth path v
        else
          [ ]
      ) (builtins.attrNames opts);
in
walk 0 [ ] evaluated.options
