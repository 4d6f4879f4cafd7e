# Prometheus' node exporter: CPU, memory, disks, network and systemd units
# of this machine, scraped by the monitoring server (modules/nixos/monitoring).
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
      default = [ "systemd" "processes" ];
      description = "Collectors enabled on top of the exporter's defaults.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open the port in the firewall so the monitoring server can scrape it.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.prometheus.exporters.node = {
      enable = true;
      port = cfg.port;
      enabledCollectors = cfg.collectors;
      openFirewall = cfg.openFirewall;
    };
  };
}
