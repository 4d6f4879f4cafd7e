# fleet import --verify: evaluates every host of the old flake and of the
# imported fleet with stand-ins (no nixpkgs): a small module system that
# merges definitions without option declarations (priorities of mkDefault
# and mkForce, mkIf, mkMerge, lists concatenated, equal values allowed),
# and inputs whose modules declare nothing. It prints, per host, the whole
# config of each side as JSON (functions and paths by name).
{ old, new }:
let
  oldDir = /. + old;
  newDir = /. + new;
  inherit (builtins) isAttrs isList isFunction isPath attrNames concatMap filter foldl' head all mapAttrs functionArgs listToAttrs genericClosure;
  lib = rec {
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkDefault = mkOverride 1000;
    mkOptionDefault = mkOverride 1500;
    mkForce = mkOverride 50;
    mkVMOverride = mkOverride 10;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkBefore = x: x;
    mkAfter = x: x;
    mkOrder = _: x: x;
    mkOption = x: x;
    mkEnableOption = x: { };
    mkPackageOption = _: _: _: { };
    literalExpression = x: x;
    types = { };
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: xs: if c then xs else [ ];
    optionalString = c: s: if c then s else "";
    optionalAttrs = c: a: if c then a else { };
    genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
    filterAttrs = pred: set: listToAttrs (concatMap (n: if pred n set.${n} then [ { name = n; value = set.${n}; } ] else [ ]) (attrNames set));
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    nameValuePair = name: value: { inherit name value; };
    attrByPath = path: default: set: if path == [ ] then set else if isAttrs set && set ? ${head path} then attrByPath (builtins.tail path) default set.${head path} else default;
    mapAttrs = builtins.mapAttrs;
    concatStringsSep = builtins.concatStringsSep;
    meta.availableOn = _: _: true;
    nixosSystem = system "nixos";
  };
  system = class: args:
    let
      sys = if args ? system then [ { nixpkgs.hostPlatform = lib.mkDefault args.system; } ] else [ ];
    in
    { config = evalModules (args.specialArgs or { }) (sys ++ args.modules); inherit class; };

  # Module system stand-in.
  evalModules = specialArgs: modules:
    let
      argOf = n:
        if specialArgs ? ${n} then specialArgs.${n}
        else if n == "config" then config
        else if n == "lib" then lib
        else if n == "options" then { }
        else if n == "modulesPath" then "/modules-path-stand-in"
        else if n == "pkgs" then (config._module.args.pkgs or { })
        else config._module.args.${n};
      load = m: if isPath m || builtins.isString m then (if builtins.pathExists m then import m else { }) else m;
      apply = m: let f = load m; in if isFunction f then f (mapAttrs (n: _: argOf n) (functionArgs f)) else f;
      item = key: m: { inherit key; value = apply m; };
      keyOf = parent: i: m: if isPath m || builtins.isString m then toString m else "${parent}:${toString i}";
      imported = it:
        let ims = it.value.imports or [ ]; in
        builtins.genList (i: let m = builtins.elemAt ims i; in item (keyOf it.key i m) m) (builtins.length ims);
      start = builtins.genList (i: let m = builtins.elemAt modules i; in item (keyOf "top" i m) m) (builtins.length modules);
      closure = genericClosure { startSet = start; operator = imported; };
      configOf = v:
        if v ? config || v ? options then v.config or { }
        else removeAttrs v [ "imports" "options" "_file" "key" "disabledModules" "meta" ];
      config = merge (map (it: configOf it.value) closure);
    in
    config;

  expand = d:
    if isAttrs d && (d._type or "") == "if" then (if d.condition then expand d.content else [ ])
    else if isAttrs d && (d._type or "") == "merge" then concatMap expand d.contents
    else if isAttrs d && (d._type or "") == "override" then map (x: { p = d.priority; v = x.v; }) (expand d.content)
    else [ { p = 100; v = d; } ];
  plain = v: isAttrs v && !(v ? _type) && !(v ? outPath);
  merge = defs:
    let
      ws = concatMap expand defs;
      minP = foldl' (a: w: if w.p < a then w.p else a) 100000 ws;
      top = map (w: w.v) (filter (w: w.p == minP) ws);
      names = attrNames (foldl' (a: v: a // v) { } top);
    in
    if top == [ ] then { }
    else if all plain top then listToAttrs (map (n: { name = n; value = merge (concatMap (v: if v ? ${n} then [ v.${n} ] else [ ]) top); }) names)
    else if all isList top then builtins.concatLists top
    else if all (v: same v (head top)) top then head top
    else throw "conflicting definitions";
  same = a: b: if isFunction a || isFunction b then true else a == b;

  show = v:
    if isFunction v then "<function>"
    else if isPath v then "<path " + baseNameOf (toString v) + ">"
    else if isAttrs v then mapAttrs (_: show) v
    else if isList v then map show v
    else v;

  standIns = {
    nixpkgs = { inherit lib; outPath = "/nixpkgs-stand-in"; legacyPackages = { }; };
    nix-darwin = { lib.darwinSystem = system "darwin"; };
    darwin = { lib.darwinSystem = system "darwin"; };
    home-manager = { nixosModules.home-manager = { }; darwinModules.home-manager = { }; lib.homeManagerConfiguration = x: x; };
    sops-nix = { nixosModules.sops = { }; darwinModules.sops = { }; };
    nix-homebrew = { darwinModules.nix-homebrew = { }; };
    # flake-parts: the outputs are the module's flake attribute.
    flake-parts.lib.mkFlake = args: module:
      let
        m = if isFunction module then module (builtins.intersectAttrs (functionArgs module) { inherit (args) inputs; self = args.inputs.self or { }; inherit lib; }) else module;
      in
      m.flake or { };
  };
  outputsOf = dir:
    let
      flake = import (dir + "/flake.nix");
      names = attrNames (flake.inputs or { });
      inputs = listToAttrs (map (n: { name = n; value = standIns.${n} or { }; }) names) // { self = outs; nixpkgs = standIns.nixpkgs; };
      outs = flake.outputs inputs;
    in
    outs;
  hostsOf = dir:
    let o = outputsOf dir; in
    (o.nixosConfigurations or { }) // (o.darwinConfigurations or { });
  side = dir: mapAttrs (_: h: show (removeAttrs h.config [ "fleet" "_module" ])) (hostsOf dir);
in
{
  old = side oldDir;
  new = side newDir;
}
