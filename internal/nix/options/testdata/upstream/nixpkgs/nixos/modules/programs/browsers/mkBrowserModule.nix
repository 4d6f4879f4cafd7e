{ name }:
{ lib, ... }:
let
  modulePath = [ "programs" name ];
in
{
  options = lib.setAttrByPath modulePath {
    enable = lib.mkEnableOption name;
    profiles = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.isDefault = lib.mkOption { type = lib.types.bool; }; }); };
  };
}
