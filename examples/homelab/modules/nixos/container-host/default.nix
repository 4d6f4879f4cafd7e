# OCI containers run by systemd through Podman (or Docker), declared per
# host in TOML. Every container gets the site's time zone; host-side volume
# directories under /var/lib are created before it starts (data elsewhere,
# such as a media library, is the admin's to create and own).
{ config, lib, ... }:
let
  cfg = config.fleet.container-host;
  podman = cfg.backend == "podman";

  volumeSources = lib.unique (
    lib.concatMap (
      c: map (v: lib.head (lib.splitString ":" v)) c.volumes
    ) (lib.attrValues cfg.containers)
  );
  managedDirs = lib.filter (lib.hasPrefix "/var/lib/") volumeSources;

  # Unused tagged images too, not only dangling ones.
  pruneFlags = [
    "--all"
    "--filter=until=${cfg.pruneKeep}"
  ];

  container = lib.types.submodule {
    options = {
      image = lib.mkOption {
        type = lib.types.str;
        example = "docker.io/jellyfin/jellyfin:10.10.7";
        description = "Image with an explicit tag; the tag is the version that runs.";
      };
      ports = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "127.0.0.1:8080:80" ];
        description = ''
          Published ports, `[ip:]host:container`. Published ports bypass the
          NixOS firewall: bind to 127.0.0.1 what only this machine should reach.
        '';
      };
      volumes = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "/var/lib/app:/data" ];
        description = "Bind mounts, `host:container[:options]`.";
      };
      environment = lib.mkOption {
        type = lib.types.attrsOf lib.types.str;
        default = { };
        description = "Environment variables (never secrets: use environmentFiles).";
      };
      environmentFiles = lib.mkOption {
        type = lib.types.listOf lib.types.path;
        default = [ ];
        description = "Files of `NAME=value` lines, such as decrypted secrets.";
      };
      extraOptions = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = [ ];
        example = [ "--device=/dev/dri" ];
        description = "More arguments to `podman run`.";
      };
      autoStart = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Start the container at boot.";
      };
    };
  };
in
{
  options.fleet.container-host = {
    enable = lib.mkEnableOption "OCI containers run as systemd services";

    backend = lib.mkOption {
      type = lib.types.enum [ "podman" "docker" ];
      default = "podman";
      description = "Container engine.";
    };

    autoPrune = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Remove stopped containers and every image no container uses
        regularly (`prune --all`): after a tag changes, the superseded
        image is no longer dangling but tagged, and a plain prune would
        keep it forever.
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

    containers = lib.mkOption {
      type = lib.types.attrsOf container;
      default = { };
      description = "Containers of this machine, by name; each runs as `<backend>-<name>.service`.";
    };
  };

  config = lib.mkIf cfg.enable {
    virtualisation.oci-containers = {
      backend = cfg.backend;
      containers = lib.mapAttrs (name: c: {
        inherit (c)
          image
          ports
          volumes
          environmentFiles
          extraOptions
          autoStart
          ;
        environment = {
          TZ = config.fleet.site.timeZone;
        }
        // c.environment;
      }) cfg.containers;
    };

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

    systemd.tmpfiles.rules = map (dir: "d ${dir} 0750 root root -") managedDirs;
  };
}
