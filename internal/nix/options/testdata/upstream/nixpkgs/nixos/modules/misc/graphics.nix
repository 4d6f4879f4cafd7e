{ lib, ... }:
{
  options.hardware.graphics.enable = lib.mkEnableOption "graphics";
  # A name holding dots.
  options.system.defaults."com.apple.swipescrolldirection" = lib.mkOption { type = lib.types.bool; };
}
