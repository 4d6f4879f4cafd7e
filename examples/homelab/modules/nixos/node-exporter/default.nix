# Prometheus' node exporter: CPU, memory, disks, RAID, network and systemd
# units of this machine, plus files of metrics other jobs write (the backup
# restore test), and the smartctl exporter for the disks' SMART health;
# scraped by the monitoring server (modules/nixos/monitoring). Both ports
# are open to the LAN only.
{ config, lib, ... }:
let
  cfg = config.fleet.node-exporter;
in
{
  options.fleet.node-exporter = {
    enable = lib.mkEnableOption "the Prometheus node exporter";

    port = lib.mkOption {
      type = lib.types.port;
      default = 9100;
      description = ''
        Port the exporter listens on. The monitoring server scrapes every
        NixOS host on its own value of this option, so keep it the same
        fleet-wide.
      '';
    };

    collectors = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "systemd" "processes" "textfile" ];
      description = "Collectors enabled on top of the exporter's defaults (which include `mdadm`, `filesystem` and `hwmon`).";
    };

    textfileDir = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/prometheus-node-exporter-text";
      description = "Directory whose `*.prom` files the textfile collector exports.";
    };

    smart = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Run the smartctl exporter too, for the disks' SMART health and wear.";
    };

    smartPort = lib.mkOption {
      type = lib.types.port;
      default = 9633;
      description = "Port of the smartctl exporter; the monitoring server scrapes it on every host, so keep it fleet-wide.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open the port to the LAN ({option}`fleet.site.lanSubnets`) so the monitoring server can scrape it.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.prometheus.exporters.node = {
      enable = true;
      port = cfg.port;
      enabledCollectors = cfg.collectors;
      extraFlags = lib.optional (lib.elem "textfile" cfg.collectors) "--collector.textfile.directory=${cfg.textfileDir}";
      openFirewall = false;
    };
    services.prometheus.exporters.smartctl = lib.mkIf cfg.smart {
      enable = true;
      port = cfg.smartPort;
      openFirewall = false;
    };
    systemd.tmpfiles.rules = [ "d ${cfg.textfileDir} 0755 root root -" ];
    fleet.site.lanTCPPorts = lib.optionals cfg.openFirewall ([ cfg.port ] ++ lib.optional cfg.smart cfg.smartPort);
  };
}
