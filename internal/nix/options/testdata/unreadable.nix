# Types fleet cannot read statically become unknown, with a note.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  myType = lib.mkOptionType { name = "mine"; check = _: true; };
  listOfStr = types.listOf types.str;
  jsonFormat = { type = types.attrs; };
in
{
  options.fleet.odd = {
    fn = mkOption { type = types.functionTo types.str; };
    custom = mkOption { type = myType; };
    fromFile = mkOption { type = types.submodule ./sub.nix; };
    aliased = mkOption { type = listOfStr; default = [ ]; };
    noType = mkOption { default = 1; };
    coerced = mkOption { type = types.coercedTo types.int toString types.str; };
    uniq = mkOption { type = types.uniq types.bool; };
    matching = mkOption { type = types.strMatching "[a-z]+"; };
    computed = mkOption (lib.optionalAttrs true { type = types.str; });
    settings = mkOption {
      inherit (jsonFormat) type;
      default = { };
    };
  };
}
