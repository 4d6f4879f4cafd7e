# The monitoring server: Prometheus scraping the node and smartctl
# exporters of every NixOS host in the fleet (from fleet.hosts, written by
# fleet generate), alerting rules (hosts down, failed units, filesystems
# filling, RAID, SMART, backups), Alertmanager mailing the alerts, and
# Grafana with Prometheus and a fleet dashboard provisioned. Grafana's
# secret key and the SMTP password come from sops secrets and never enter
# the Nix store.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.monitoring;

  # Every NixOS machine runs the node exporter (the server profile and the
  # desktop role enable it); darwin machines are not scraped.
  scraped = lib.filterAttrs (
    name: host: host.platform == "nixos" && !(lib.elem name cfg.excludeHosts)
  ) config.fleet.hosts;

  targetsOn =
    port:
    lib.mapAttrsToList (name: host: {
      targets = [ "${host.address}:${toString port}" ];
      labels = {
        host = name;
        profile = host.profile;
      };
    }) scraped;

  alert = name: expr: for: severity: summary: {
    alert = name;
    inherit expr for;
    labels.severity = severity;
    annotations.summary = summary;
  };

  # Prometheus reads YAML; JSON is YAML.
  rules = builtins.toJSON {
    groups = [
      {
        name = "hosts";
        rules = [
          # Desktops and laptops are switched off at night: only servers
          # are expected to answer.
          (alert "HostDown" ''up{job="node",profile="server"} == 0'' "5m" "critical"
            "{{ $labels.host }} does not answer the node exporter")
          (alert "UnitFailed" ''node_systemd_unit_state{state="failed"} == 1'' "5m" "warning"
            "{{ $labels.name }} failed on {{ $labels.host }}")
          (alert "FilesystemFull"
            ''node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs"} / node_filesystem_size_bytes < 0.10''
            "15m" "warning" "{{ $labels.mountpoint }} on {{ $labels.host }} has less than 10% free")
          (alert "FilesystemFillingUp"
            ''predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs"}[6h], 24 * 3600) < 0''
            "1h" "warning" "{{ $labels.mountpoint }} on {{ $labels.host }} will be full within a day")
          # Every generation keeps a kernel and initrd in /boot; bartleby's
          # is 512 MiB. A full /boot fails the next switch half way.
          (alert "BootPartitionFull"
            ''node_filesystem_avail_bytes{mountpoint="/boot"} / node_filesystem_size_bytes{mountpoint="/boot"} < 0.25''
            "15m" "warning" "/boot on {{ $labels.host }} has less than 25% free: lower configurationLimit or collect garbage")
        ];
      }
      {
        name = "disks";
        rules = [
          (alert "RaidDiskFailed" ''node_md_disks{state="failed"} > 0'' "0m" "critical"
            "{{ $labels.device }} on {{ $labels.host }} has a failed disk")
          (alert "RaidDegraded" ''node_md_disks{state="active"} < ignoring(state) node_md_disks_required'' "5m" "critical"
            "{{ $labels.device }} on {{ $labels.host }} runs degraded")
          (alert "SmartFailing" "smartctl_device_smart_status != 1" "0m" "critical"
            "SMART says {{ $labels.device }} on {{ $labels.host }} is failing")
          (alert "NvmeCriticalWarning" "smartctl_device_critical_warning > 0" "0m" "critical"
            "NVMe {{ $labels.device }} on {{ $labels.host }} reports a critical warning")
        ];
      }
      {
        name = "backups";
        rules = [
          (alert "BackupTooOld"
            ''fleet_backup_age_seconds{repository="fleet"} > 36 * 3600 or fleet_backup_age_seconds{repository="offsite"} > 8 * 86400 or fleet_backup_age_seconds{repository!~"fleet|offsite"} > 3 * 86400''
            "0m" "warning" "the latest snapshot in {{ $labels.repository }} is {{ $value | humanizeDuration }} old")
          (alert "RestoreTestFailed" "fleet_backup_restore_ok == 0" "0m" "critical"
            "the latest snapshot of {{ $labels.repository }} could not be restored")
          (alert "RestoreTestNotRunning" "time() - fleet_backup_restore_test_timestamp_seconds > 26 * 3600" "0m" "warning"
            "the backup restore test on {{ $labels.host }} has not run for a day")
        ];
      }
    ];
  };

  # A dashboard written in Nix: one row per concern, every NixOS host.
  panel = title: y: x: w: targets: unit: {
    inherit title;
    type = "timeseries";
    datasource = {
      type = "prometheus";
      uid = "prometheus";
    };
    gridPos = {
      inherit x y w;
      h = 8;
    };
    fieldConfig.defaults.unit = unit;
    targets = lib.imap0 (i: t: {
      refId = lib.elemAt [ "A" "B" "C" "D" ] i;
      expr = t.expr;
      legendFormat = t.legend;
    }) targets;
  };
  dashboard = {
    uid = "fleet-overview";
    title = "Fleet overview";
    tags = [ "fleet" ];
    timezone = "browser";
    schemaVersion = 39;
    time = {
      from = "now-24h";
      to = "now";
    };
    panels = [
      (panel "Hosts up" 0 0 8 [ { expr = ''up{job="node"}''; legend = "{{host}}"; } ] "none")
      (panel "CPU busy" 0 8 8 [
        {
          expr = ''1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m]))'';
          legend = "{{host}}";
        }
      ] "percentunit")
      (panel "Memory used" 0 16 8 [
        {
          expr = "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes";
          legend = "{{host}}";
        }
      ] "percentunit")
      (panel "Filesystems used" 8 0 12 [
        {
          expr = ''1 - node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs"} / node_filesystem_size_bytes'';
          legend = "{{host}} {{mountpoint}}";
        }
      ] "percentunit")
      (panel "Failed units" 8 12 12 [
        {
          expr = ''sum by (host) (node_systemd_unit_state{state="failed"})'';
          legend = "{{host}}";
        }
      ] "none")
      (panel "Backup age" 16 0 12 [ { expr = "fleet_backup_age_seconds"; legend = "{{repository}}"; } ] "s")
      (panel "RAID and SMART" 16 12 12 [
        {
          expr = ''node_md_disks{state="active"}'';
          legend = "{{host}} {{device}} active disks";
        }
        {
          expr = "smartctl_device_smart_status";
          legend = "{{host}} {{device}} SMART ok";
        }
      ] "none")
    ];
  };
  dashboards = pkgs.writeTextDir "fleet-overview.json" (builtins.toJSON dashboard);
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

    alerts = {
      email = lib.mkOption {
        type = lib.types.str;
        example = "alex@morgan.example";
        description = "Where Alertmanager mails the alerts (firing and resolved).";
      };

      from = lib.mkOption {
        type = lib.types.str;
        example = "alertmanager@morgan.example";
        description = "Sender address of the alert mails.";
      };

      smarthost = lib.mkOption {
        type = lib.types.str;
        example = "smtp.fastmail.com:587";
        description = "SMTP server and port Alertmanager sends through (STARTTLS).";
      };

      username = lib.mkOption {
        type = lib.types.str;
        description = "SMTP login.";
      };

      passwordFile = lib.mkOption {
        type = lib.types.path;
        description = ''
          File holding the SMTP password (an app password). Set it from a
          secret: `{ secret = "monitoring/alertmanager-smtp-password" }`;
          systemd hands it to Alertmanager as a credential.
        '';
      };

      repeatInterval = lib.mkOption {
        type = lib.types.str;
        default = "12h";
        description = "How often a still-firing alert is mailed again.";
      };
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
      rules = [ rules ];
      alertmanagers = [
        { static_configs = [ { targets = [ "127.0.0.1:${toString config.services.prometheus.alertmanager.port}" ]; } ]; }
      ];
      scrapeConfigs = [
        {
          job_name = "node";
          static_configs = targetsOn config.fleet.node-exporter.port;
        }
        {
          job_name = "smartctl";
          static_configs = targetsOn config.fleet.node-exporter.smartPort;
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

    services.prometheus.alertmanager = {
      enable = true;
      listenAddress = "127.0.0.1";
      configuration = {
        route = {
          receiver = "mail";
          group_by = [
            "alertname"
            "host"
          ];
          group_wait = "30s";
          group_interval = "5m";
          repeat_interval = cfg.alerts.repeatInterval;
        };
        receivers = [
          {
            name = "mail";
            email_configs = [
              {
                to = cfg.alerts.email;
                inherit (cfg.alerts) from smarthost;
                auth_username = cfg.alerts.username;
                # The password never enters the store or the config file.
                auth_password_file = "/run/credentials/alertmanager.service/smtp_password";
                send_resolved = true;
              }
            ];
          }
        ];
      };
    };
    systemd.services.alertmanager.serviceConfig.LoadCredential = [
      "smtp_password:${cfg.alerts.passwordFile}"
    ];

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
        dashboards.settings.providers = [
          {
            name = "fleet";
            folder = "Fleet";
            options.path = dashboards;
            # Provisioned dashboards are the fleet's: edits in the web
            # interface are not saved over them.
            allowUiUpdates = false;
          }
        ];
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
