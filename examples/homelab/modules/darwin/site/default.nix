# The darwin side of modules/nixos/site: the same options, so common.toml
# sets them once for every machine. On a Mac the primary user is also
# nix-darwin's system.primaryUser, which Homebrew and the user-level macOS
# defaults act for.
{ config, lib, ... }:
let
  cfg = config.fleet.site;
in
{
  options.fleet.site = {
    enable = lib.mkEnableOption "the site's time zone, locale and primary user";

    primaryUser = lib.mkOption {
      type = lib.types.str;
      example = "alex";
      description = ''
        The person who uses the machine: nix-darwin's
        {option}`system.primaryUser`, the user Homebrew runs as and whose
        macOS defaults are written.
      '';
    };

    domain = lib.mkOption {
      type = lib.types.str;
      default = "home.arpa";
      description = "DNS domain of the LAN; a host's name in it is `<host>.<domain>`.";
    };

    lanSubnets = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = ''
        The home LAN's subnets. Declared so that common.toml states them
        once; macOS' application firewall filters by program, not by
        address, so nothing here reads them.
      '';
    };

    timeZone = lib.mkOption {
      type = lib.types.str;
      default = "UTC";
      example = "Europe/Amsterdam";
      description = "IANA time zone of the machine.";
    };

    locale = lib.mkOption {
      type = lib.types.str;
      default = "en_US.UTF-8";
      description = "Default locale (`LANG`) of shells.";
    };

    formatsLocale = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "nl_NL.UTF-8";
      description = "Locale for dates, numbers, money and units (`LC_TIME` ...), when it differs from the default.";
    };
  };

  config = lib.mkIf cfg.enable {
    system.primaryUser = cfg.primaryUser;
    time.timeZone = cfg.timeZone;
    environment.variables = {
      LANG = cfg.locale;
    }
    // lib.optionalAttrs (cfg.formatsLocale != null) {
      LC_TIME = cfg.formatsLocale;
      LC_NUMERIC = cfg.formatsLocale;
      LC_MONETARY = cfg.formatsLocale;
      LC_MEASUREMENT = cfg.formatsLocale;
      LC_PAPER = cfg.formatsLocale;
    };
  };
}
