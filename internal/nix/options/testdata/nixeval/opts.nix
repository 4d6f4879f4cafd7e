# Evaluates a module with lib.evalModules (stand-ins for pkgs and the
# module arguments fleet's comparison needs) and lists its visible options
# under prefix: the path and a signature of the type's kind, submodule
# options included. Used by TestExtractAgainstNix.
{ lib, file, prefix }:
let
  inherit (lib) types;
  fmt = _: { type = types.attrsOf types.anything; generate = _: _: "/stub"; lib = {}; };
  pkgs = {
    formats = { json = fmt; yaml = fmt; toml = fmt; ini = fmt; iniWithGlobalSection = fmt; gitIni = fmt; keyValue = fmt; };
    stdenv.hostPlatform = { isDarwin = false; isLinux = true; isAarch64 = false; system = "x86_64-linux"; };
    stdenv.isDarwin = false; stdenv.isLinux = true;
    system = "x86_64-linux";
  };
  eval = lib.evalModules {
    class = null;
    specialArgs = { modulesPath = builtins.dirOf file; };
    modules = [ file { _module.args = { inherit pkgs; utils = {}; osConfig = {}; }; _module.check = false; } ];
  };
  flat = t: if t.name == "either" then flat t.nestedTypes.left ++ flat t.nestedTypes.right else [ (sig t) ];
  sig = t: let n = t.name; e = t.nestedTypes or {}; in
    if n == "nullOr" then "nullOr(${sig e.elemType})"
    else if n == "listOf" || n == "nonEmptyListOf" then "listOf(${sig e.elemType})"
    else if n == "attrsOf" || n == "lazyAttrsOf" then "attrsOf(${sig e.elemType})"
    else if n == "either" then "either(${lib.concatStringsSep "|" (flat t)})"
    else if n == "coercedTo" then "either(${sig e.coercedType}|${sig e.finalType})"
    else if n == "uniq" || n == "unique" then sig e.elemType
    else if n == "submodule" then "submodule"
    else if n == "enum" then "enum"
    else if builtins.elem n [ "str" "string" "lines" "commas" "nonEmptyStr" "singleLineStr" "separatedString" "envVar" ] || lib.hasPrefix "strMatching" n || lib.hasPrefix "passwdEntry" n then "str"
    else if builtins.elem n [ "int" "intBetween" "unsignedInt" "positiveInt" "unsignedInt8" "unsignedInt16" "unsignedInt32" "signedInt8" "signedInt16" "signedInt32" ] then "int"
    else if builtins.elem n [ "path" "pathInStore" "externalPath" ] then "path"
    else if builtins.elem n [ "package" "shellPackage" ] then "package"
    else if builtins.elem n [ "anything" "raw" "unspecified" ] then "anything"
    else if builtins.elem n [ "bool" "float" "number" "attrs" ] then n
    else "other:" + n;
  walk = opts:
    if lib.isOption opts then
      (if (opts.visible or true) == false || (opts.internal or false) then [ ] else
      [ { path = lib.showOption opts.loc; type = sig opts.type; } ]
      ++ (let subs = opts.type.getSubOptions opts.loc; in if subs == { } then [ ] else walk subs))
    else if builtins.isAttrs opts then lib.concatMap (n: walk opts.${n}) (builtins.filter (n: n != "_module") (builtins.attrNames opts))
    else [ ];
in
builtins.filter (o: lib.hasPrefix prefix o.path) (walk eval.options)
