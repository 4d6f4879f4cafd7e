# Facts about the site that the other modules read: who the primary user
# is, the LAN domain and subnets, the time zone and the locale. common.toml
# enables it on every machine; modules/darwin/site declares the same
# options. It also opens the ports other modules list in lanTCPPorts and
# lanUDPPorts, to the LAN's subnets only: a laptop's sshd and exporters are
# not reachable from the café's network.
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

    lanSubnets = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [
        "192.168.1.0/24"
        "fd42:1::/64"
      ];
      description = ''
        The home LAN's subnets (IPv4 and IPv6). Ports in
        {option}`fleet.site.lanTCPPorts` and {option}`fleet.site.lanUDPPorts`
        accept connections from these addresses only.
      '';
    };

    lanTCPPorts = lib.mkOption {
      type = lib.types.listOf lib.types.port;
      default = [ ];
      description = ''
        TCP ports open to {option}`fleet.site.lanSubnets` only. Modules add
        theirs (openssh, node-exporter, monitoring, restic-server); a host
        adds its own services (bartleby's DNS).
      '';
    };

    lanUDPPorts = lib.mkOption {
      type = lib.types.listOf lib.types.port;
      default = [ ];
      description = "UDP ports open to {option}`fleet.site.lanSubnets` only.";
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
    assertions = [
      {
        assertion = cfg.lanTCPPorts ++ cfg.lanUDPPorts == [ ] || cfg.lanSubnets != [ ];
        message = "fleet.site.lanSubnets must name the LAN: ports ${toString (cfg.lanTCPPorts ++ cfg.lanUDPPorts)} are to be opened to it.";
      }
    ];

    # The same rules for either firewall backend.
    networking.firewall.extraInputRules = lib.mkIf config.networking.nftables.enable (
      lib.concatStrings (
        lib.concatMap (
          net:
          let
            family = if lib.hasInfix ":" net then "ip6" else "ip";
          in
          map (p: "${family} saddr ${net} tcp dport ${toString p} accept\n") cfg.lanTCPPorts
          ++ map (p: "${family} saddr ${net} udp dport ${toString p} accept\n") cfg.lanUDPPorts
        ) cfg.lanSubnets
      )
    );
    networking.firewall.extraCommands = lib.mkIf (!config.networking.nftables.enable) (
      lib.concatStrings (
        lib.concatMap (
          net:
          let
            tables = if lib.hasInfix ":" net then "ip6tables" else "iptables";
          in
          map (p: "${tables} -A nixos-fw -s ${net} -p tcp --dport ${toString p} -j nixos-fw-accept\n") cfg.lanTCPPorts
          ++ map (p: "${tables} -A nixos-fw -s ${net} -p udp --dport ${toString p} -j nixos-fw-accept\n") cfg.lanUDPPorts
        ) cfg.lanSubnets
      )
    );

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
