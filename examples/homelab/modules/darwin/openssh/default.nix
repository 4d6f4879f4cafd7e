# The darwin side of modules/nixos/openssh: turns on Remote Login and
# writes the same hardening into /etc/ssh/sshd_config.d/.
{ config, lib, ... }:
let
  cfg = config.fleet.openssh;
  yesNo = b: if b then "yes" else "no";
in
{
  options.fleet.openssh = {
    enable = lib.mkEnableOption "Remote Login with the hardened sshd settings";

    passwordAuthentication = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Allow logging in with a password (keyboard-interactive stays off).";
    };

    permitRootLogin = lib.mkOption {
      type = lib.types.enum [
        "yes"
        "prohibit-password"
        "forced-commands-only"
        "no"
      ];
      default = "no";
      description = "Whether root may log in.";
    };

    maxAuthTries = lib.mkOption {
      type = lib.types.ints.positive;
      default = 3;
      description = "Authentication attempts allowed per connection.";
    };

    allowUsers = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "When not empty, only these users may log in over SSH.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.openssh = {
      enable = true;
      extraConfig = ''
        PasswordAuthentication ${yesNo cfg.passwordAuthentication}
        KbdInteractiveAuthentication no
        PermitRootLogin ${cfg.permitRootLogin}
        MaxAuthTries ${toString cfg.maxAuthTries}
        X11Forwarding no
      ''
      + lib.optionalString (cfg.allowUsers != [ ]) ''
        AllowUsers ${lib.concatStringsSep " " cfg.allowUsers}
      '';
    };
  };
}
