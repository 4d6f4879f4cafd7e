# A NixOS module in the shape fleet's modules take.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.monitoring;
  inherit (lib) mkEnableOption mkOption mkIf types;
  port = 3000;
in
{
  options.fleet.monitoring = {
    enable = mkEnableOption "Prometheus and Grafana";
    grafanaPort = mkOption {
      type = types.port;
      default = port;
      description = ''
        Port Grafana listens on.
      '';
    };
    retention = mkOption {
      type = types.enum [ "7d" "30d" "1y" ];
      default = "30d";
      example = "1y";
    };
    scrapeTargets = mkOption {
      type = types.listOf (types.submodule {
        options = {
          host = mkOption { type = types.str; };
          port = mkOption { type = types.nullOr types.port; default = null; };
        };
      });
      default = [ ];
    };
  };

  config = mkIf cfg.enable {
    services.prometheus = {
      enable = true;
      scrapeConfigs = map (t: {
        job_name = t.host;
        static_configs = [ { targets = [ "${t.host}:${toString t.port}" ]; } ];
      }) cfg.scrapeTargets;
    };
    services.grafana.settings.server.http_port = cfg.grafanaPort;
    networking.firewall.allowedTCPPorts = lib.optional (cfg.grafanaPort != 80) cfg.grafanaPort
      ++ [ 9090 ];
    assertions = [
      {
        assertion = cfg.enable -> config.services.prometheus.enable;
        message = "prometheus must be enabled";
      }
    ];
    environment.etc."grafana/dashboards".source = ./dashboards;
  };
}
