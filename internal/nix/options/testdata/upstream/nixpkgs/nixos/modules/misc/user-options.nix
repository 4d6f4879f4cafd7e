{ lib, name, ... }:
{
  options = {
    shell = lib.mkOption { type = lib.types.str; default = "bash"; };
    isNormalUser = lib.mkOption { type = lib.types.bool; default = false; };
  };
}
