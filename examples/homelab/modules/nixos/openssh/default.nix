# A hardened OpenSSH server: keys only, an ed25519 host key (sops-nix turns
# it into the host's age identity), root login only where a machine is
# deployed as root. modules/darwin/openssh applies the same settings to the
# Mac's built-in sshd.
{ config, lib, ... }:
let
  cfg = config.fleet.openssh;
  primaryUser = config.fleet.site.primaryUser;
in
{
  options.fleet.openssh = {
    enable = lib.mkEnableOption "the hardened OpenSSH server";

    port = lib.mkOption {
      type = lib.types.port;
      default = 22;
      description = "Port sshd listens on.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open the port to the LAN ({option}`fleet.site.lanSubnets`), not to every network the machine joins.";
    };

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
      description = ''
        Whether root may log in. Machines deployed as `root@` need
        `prohibit-password`; root then accepts the primary user's keys.
      '';
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
      ports = [ cfg.port ];
      openFirewall = false;
      hostKeys = [
        {
          type = "ed25519";
          path = "/etc/ssh/ssh_host_ed25519_key";
        }
      ];
      settings = {
        PasswordAuthentication = cfg.passwordAuthentication;
        KbdInteractiveAuthentication = false;
        PermitRootLogin = cfg.permitRootLogin;
        MaxAuthTries = cfg.maxAuthTries;
        X11Forwarding = false;
        AllowUsers = if cfg.allowUsers == [ ] then null else cfg.allowUsers;
      };
    };

    fleet.site.lanTCPPorts = lib.optional cfg.openFirewall cfg.port;

    users.users.root.openssh.authorizedKeys.keys = lib.mkIf (
      cfg.permitRootLogin != "no"
    ) config.users.users.${primaryUser}.openssh.authorizedKeys.keys;
  };
}
