# Nested options, a freeform settings submodule, attrsOf submodule,
# listOf submodule, mkEnableOption, mkPackageOption and a let-bound helper.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.openssh;
  mkPortOption = default: mkOption {
    type = types.port;
    inherit default;
    description = "A port.";
  };
in
{
  options.services.openssh = {
    enable = lib.mkEnableOption "the OpenSSH daemon";
    package = lib.mkPackageOption pkgs "openssh" { };
    ports = mkOption {
      type = types.listOf types.port;
      default = [ 22 ];
      description = "Ports sshd listens on.";
    };
    extraPort = mkPortOption 2222;
    settings = mkOption {
      type = types.submodule {
        freeformType = (pkgs.formats.keyValue { }).type;
        options.PasswordAuthentication = mkOption {
          type = types.nullOr types.bool;
          default = true;
          description = "Whether password authentication is allowed.";
        };
      };
      default = { };
      description = "sshd_config settings.";
    };
    hostKeys = mkOption {
      type = types.listOf (types.submodule { options.path = mkOption { type = types.str; }; });
      default = [ ];
    };
  };
  config = lib.mkIf cfg.enable { };
}
