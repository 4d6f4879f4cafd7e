{ lib }:
{
  enable = lib.mkEnableOption "the imported service";
  level = lib.mkOption { type = lib.types.enum [ "low" "high" ]; default = "low"; };
}
