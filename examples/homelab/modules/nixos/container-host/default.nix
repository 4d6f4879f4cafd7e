# The engine under the fleet's containers. The containers themselves come
# from the catalog (containers/<name>.toml) and run through
# virtualisation.oci-containers, which fleet generates per host; this module
# adds what the catalog does not say: Docker compatibility and DNS between
# containers for Podman, and regular pruning of unused images. The
# catalog's definitions set TZ themselves.
{ config, lib, ... }:
let
  cfg = config.fleet.container-host;
  podman = config.virtualisation.oci-containers.backend == "podman";

  # Unused tagged images too, not only dangling ones.
  pruneFlags = [
    "--all"
    "--filter=until=${cfg.pruneKeep}"
  ];
in
{
  options.fleet.container-host = {
    enable = lib.mkEnableOption "the container engine of the fleet's containers";

    autoPrune = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Remove stopped containers and every image no container uses
        regularly (`prune --all`): after a digest changes, the superseded
        image is no longer used, and a plain prune would keep it forever.
      '';
    };

    pruneKeep = lib.mkOption {
      type = lib.types.str;
      default = "168h";
      description = "Images younger than this survive a prune (`--filter until=`), so a rollback finds the previous image still there.";
    };

    pruneSchedule = lib.mkOption {
      type = lib.types.str;
      default = "weekly";
      description = "When unused images are removed (systemd calendar).";
    };
  };

  config = lib.mkIf cfg.enable {
    virtualisation.podman = lib.mkIf podman {
      enable = true;
      dockerCompat = true;
      defaultNetwork.settings.dns_enabled = true;
      autoPrune = {
        enable = cfg.autoPrune;
        dates = cfg.pruneSchedule;
        flags = pruneFlags;
      };
    };

    virtualisation.docker = lib.mkIf (!podman) {
      enable = true;
      autoPrune = {
        enable = cfg.autoPrune;
        dates = cfg.pruneSchedule;
        flags = pruneFlags;
      };
    };
  };
}
