# A fleet module: nested submodules, enums, and defaults of every kind.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.monitoring;
  inherit (lib) mkOption mkEnableOption types;
  defaultRetention = "30d";

  scrapeTarget = types.submodule ({ name, ... }: {
    options = {
      host = mkOption {
        type = types.str;
        default = name;
        description = "Host to scrape.";
      };
      port = mkOption {
        type = types.port;
        default = 9100;
      };
      labels = mkOption {
        type = types.attrsOf types.str;
        default = { };
        example = { role = "db"; };
      };
      tls = mkOption {
        type = types.submodule {
          options.enable = mkEnableOption "TLS for this target";
          options.caFile = mkOption {
            type = types.nullOr types.path;
            default = null;
          };
        };
        default = { };
      };
    };
  });
in
{
  options.fleet.monitoring = {
    enable = mkEnableOption "Prometheus and Grafana";

    grafana = {
      port = mkOption {
        type = types.port;
        default = 3000;
        description = ''
          Port Grafana listens on.
          Open it in the firewall yourself.
        '';
        example = lib.literalExpression "3001";
      };
      theme = mkOption {
        type = types.enum [ "light" "dark" "system" ];
        default = "system";
        description = "Grafana's UI theme.";
      };
      adminPasswordFile = mkOption {
        type = types.nullOr types.str;
        default = null;
      };
    };

    retention = mkOption {
      type = types.enum [ "7d" "30d" "1y" ];
      default = defaultRetention;
    };
    logLevel = mkOption {
      type = types.enum [ 0 1 2 null ];
      default = 1;
    };
    scrapeInterval = mkOption {
      type = types.ints.between 5 3600;
      default = 15;
    };
    evaluationInterval = mkOption {
      type = types.ints.positive;
      default = 30;
    };
    offset = mkOption {
      type = types.int;
      default = -5;
    };
    sampleRatio = mkOption {
      type = types.float;
      default = 0.25;
    };
    extraFlags = mkOption {
      type = types.listOf types.str;
      default = [ "--web.enable-lifecycle" "--storage.tsdb.wal-compression" ];
    };
    motd = mkOption {
      type = types.lines;
      default = ''
        Monitored by fleet.
          Indented line.
      '';
    };
    settings = mkOption {
      type = types.attrsOf (types.either types.str types.int);
      default = {
        global.scrape_timeout = "10s";
        "external.label" = 1;
        empty = [ ];
      };
    };
    targets = mkOption {
      type = types.attrsOf scrapeTarget;
      default = { };
      description = "Targets by name.";
    };
    dataDir = mkOption {
      type = types.path;
      default = "/var/lib/monitoring";
    };
    stateDir = mkOption {
      type = types.str;
      default = "${cfg.dataDir}/state";
    };
    hostName = mkOption {
      type = types.str;
      default = config.networking.hostName;
    };
    dashboards = mkOption {
      type = types.path;
      default = ./dashboards;
    };
    package = lib.mkPackageOption pkgs "prometheus" { };
    exporters = mkOption {
      type = types.listOf (types.oneOf [ types.str types.port (types.submodule { options.name = mkOption { type = types.str; }; }) ]);
      default = [ "node" 9100 ];
    };
  };

  config = lib.mkIf cfg.enable {
    services.prometheus.enable = true;
  };
}
