# The with lib; and with types; styles, and dotted option paths.
{ config, lib, pkgs, ... }:
with lib;
with types;
{
  options.fleet.backup.enable = mkEnableOption "restic backups";
  options.fleet.backup.repository = mkOption {
    type = str;
    description = "Restic repository URL.";
  };
  options.fleet.backup.paths = mkOption {
    type = listOf path;
    default = [ "/srv" ];
  };
  options.fleet.backup = {
    schedule = mkOption {
      type = nullOr (enum [ "daily" "weekly" ]);
      default = "daily";
    };
    "keep-daily" = mkOption {
      type = ints.unsigned;
      default = 7;
    };
    ${"keep-weekly"} = mkOption {
      type = ints.u8;
      default = 4;
    };
    prune = {
      enable = mkOption {
        type = bool;
        default = true;
      };
    };
  };
  config = mkIf config.fleet.backup.enable { };
}
