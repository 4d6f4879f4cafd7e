# The monitoring server: Prometheus scraping the node exporter of every
# NixOS host in the fleet (from fleet.hosts, written by fleet generate) and
# Grafana with Prometheus provisioned as its data source. Grafana's secret
# key comes from a sops secret and never enters the Nix store.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.monitoring;

  # Every NixOS machine runs the node exporter (the server profile and the
  # desktop role enable it); darwin machines are not scraped.
  scraped = lib.filterAttrs (
    name: host: host.platform == "nixos" && !(lib.elem name cfg.excludeHosts)
  ) config.fleet.hosts;

  nodeTargets = lib.mapAttrsToList (name: host: {
    targets = [ "${host.address}:${toString config.fleet.node-exporter.port}" ];
    labels = {
      host = name;
      profile = host.profile;
    };
  }) scraped;
in
{
  options.fleet.monitoring = {
    enable = lib.mkEnableOption "Prometheus and Grafana";

    prometheusPort = lib.mkOption {
      type = lib.types.port;
      default = 9090;
      description = "Port Prometheus listens on.";
    };

    grafanaPort = lib.mkOption {
      type = lib.types.port;
      default = 3000;
      description = "Port Grafana listens on.";
    };

    grafanaDomain = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "grafana.home.arpa";
      description = "Name Grafana is reached by; `null` means `<host>.<fleet.site.domain>`.";
    };

    secretKeyFile = lib.mkOption {
      type = lib.types.path;
      description = ''
        File holding Grafana's secret key, which signs sessions and encrypts
        data source credentials. Set it from a secret:
        `secretKeyFile = { secret = "monitoring/grafana-secret-key" }`.
      '';
    };

    adminPasswordFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = "File holding the Grafana admin's password; `null` keeps the password set in the web interface.";
    };

    scrapeInterval = lib.mkOption {
      type = lib.types.str;
      default = "30s";
      description = "How often Prometheus scrapes each target.";
    };

    retentionTime = lib.mkOption {
      type = lib.types.str;
      default = "30d";
      description = "How long Prometheus keeps samples.";
    };

    excludeHosts = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "NixOS hosts of the fleet not to scrape.";
    };

    extraTargets = lib.mkOption {
      type = lib.types.attrsOf (lib.types.listOf lib.types.str);
      default = { };
      example = {
        restic-server = [ "localhost:8000" ];
      };
      description = "More scrape jobs: job name to `host:port` targets.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open Grafana's port on the LAN (Prometheus stays reachable only through Grafana and localhost).";
    };
  };

  config = lib.mkIf cfg.enable {
    services.prometheus = {
      enable = true;
      # Grafana and the backup's snapshot reach it here; nothing else needs to.
      listenAddress = "127.0.0.1";
      port = cfg.prometheusPort;
      # The admin API takes the TSDB snapshot before each backup.
      extraFlags = [ "--web.enable-admin-api" ];
      retentionTime = cfg.retentionTime;
      globalConfig.scrape_interval = cfg.scrapeInterval;
      scrapeConfigs = [
        {
          job_name = "node";
          static_configs = nodeTargets;
        }
        {
          job_name = "prometheus";
          static_configs = [ { targets = [ "127.0.0.1:${toString cfg.prometheusPort}" ]; } ];
        }
      ]
      ++ lib.mapAttrsToList (job: targets: {
        job_name = job;
        static_configs = [ { inherit targets; } ];
      }) cfg.extraTargets;
    };

    services.grafana = {
      enable = true;
      settings = {
        server = {
          http_addr = "0.0.0.0";
          http_port = cfg.grafanaPort;
          domain =
            if cfg.grafanaDomain != null then
              cfg.grafanaDomain
            else
              "${config.networking.hostName}.${config.fleet.site.domain}";
        };
        # systemd hands the files to the service (LoadCredential below), so
        # they stay readable by root only.
        security = {
          secret_key = "$__file{/run/credentials/grafana.service/secret_key}";
        }
        // lib.optionalAttrs (cfg.adminPasswordFile != null) {
          admin_password = "$__file{/run/credentials/grafana.service/admin_password}";
        };
        analytics.reporting_enabled = false;
      };
      provision = {
        enable = true;
        datasources.settings = {
          apiVersion = 1;
          datasources = [
            {
              name = "Prometheus";
              type = "prometheus";
              uid = "prometheus";
              url = "http://127.0.0.1:${toString cfg.prometheusPort}";
              isDefault = true;
            }
          ];
        };
      };
    };

    systemd.services.grafana.serviceConfig.LoadCredential = [
      "secret_key:${cfg.secretKeyFile}"
    ]
    ++ lib.optional (cfg.adminPasswordFile != null) "admin_password:${cfg.adminPasswordFile}";

    fleet.site.lanTCPPorts = lib.optional cfg.openFirewall cfg.grafanaPort;

    # Backups copy consistent states: Grafana's SQLite database through
    # sqlite3 .backup, Prometheus' TSDB as a snapshot (hard links, cheap),
    # instead of files being written while restic reads them.
    fleet.backup = {
      sqlite = [ "${config.services.grafana.dataDir}/data/grafana.db" ];
      excludeLive = [ "/var/lib/${config.services.prometheus.stateDir}" ];
      prepareCommands = ''
        rm -rf /var/backup/fleet/prometheus
        name=$(${lib.getExe pkgs.curl} -sf -XPOST http://127.0.0.1:${toString cfg.prometheusPort}/api/v1/admin/tsdb/snapshot | ${lib.getExe pkgs.jq} -r .data.name)
        mv "/var/lib/${config.services.prometheus.stateDir}/data/snapshots/$name" /var/backup/fleet/prometheus
      '';
    };
  };
}
