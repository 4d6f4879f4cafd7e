# Facts about the site that the other modules read: who the primary user
# is, the LAN domain, the time zone and the locale. common.toml enables it
# on every machine; modules/darwin/site declares the same options.
{ config, lib, ... }:
let
  cfg = config.fleet.site;
in
{
  options.fleet.site = {
    enable = lib.mkEnableOption "the site's time zone, locale and domain";

    primaryUser = lib.mkOption {
      type = lib.types.str;
      example = "alex";
      description = ''
        The person who uses the machine. Other modules read it: the desktop
        adds it to the network group, gaming to the gamemode group, openssh
        copies its keys to root on machines deployed as root.
      '';
    };

    domain = lib.mkOption {
      type = lib.types.str;
      default = "home.arpa";
      description = "DNS domain of the LAN; a host's name in it is `<host>.<domain>`.";
    };

    timeZone = lib.mkOption {
      type = lib.types.str;
      default = "UTC";
      example = "Europe/Amsterdam";
      description = "IANA time zone of the machine (and of its containers).";
    };

    locale = lib.mkOption {
      type = lib.types.str;
      default = "en_US.UTF-8";
      description = "Default locale (`LANG`).";
    };

    formatsLocale = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "nl_NL.UTF-8";
      description = ''
        Locale for dates, numbers, money and units (`LC_TIME`,
        `LC_NUMERIC`, `LC_MONETARY`, `LC_MEASUREMENT`, `LC_PAPER`), when it
        differs from {option}`fleet.site.locale`.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    time.timeZone = cfg.timeZone;
    networking.domain = cfg.domain;
    i18n.defaultLocale = cfg.locale;
    i18n.extraLocaleSettings = lib.mkIf (cfg.formatsLocale != null) {
      LC_TIME = cfg.formatsLocale;
      LC_NUMERIC = cfg.formatsLocale;
      LC_MONETARY = cfg.formatsLocale;
      LC_MEASUREMENT = cfg.formatsLocale;
      LC_PAPER = cfg.formatsLocale;
    };
  };
}
