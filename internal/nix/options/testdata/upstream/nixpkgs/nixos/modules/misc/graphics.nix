{ lib, ... }:
{
  options.hardware.graphics.enable = lib.mkEnableOption "graphics";
}
