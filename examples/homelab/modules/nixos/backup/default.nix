# Nightly restic backups of this machine. Either to the fleet's backup
# server (fleet.backup.server names it; the repository is then
# rest:http://<server>:<port>/<this host>) or to a repository given
# directly, such as a USB disk. The password comes from a sops secret.
{ config, lib, ... }:
let
  cfg = config.fleet.backup;

  server = config.fleet.hosts.${cfg.server};
  repository =
    if cfg.repository != null then
      cfg.repository
    else
      "rest:http://${server.address}:${toString cfg.serverPort}/${config.networking.hostName}";

  keepFlags = lib.concatLists (
    lib.mapAttrsToList (
      period: n: lib.optional (n > 0) "--keep-${period} ${toString n}"
    ) cfg.prune.keep
  );
in
{
  options.fleet.backup = {
    enable = lib.mkEnableOption "nightly restic backups";

    server = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "rich-evans";
      description = "Host of the fleet running the restic REST server (role backup-server) to back up to.";
    };

    serverPort = lib.mkOption {
      type = lib.types.port;
      default = 8000;
      description = "Port of the restic REST server on {option}`fleet.backup.server`.";
    };

    repository = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "/mnt/usb-backup/restic";
      description = "Restic repository to back up to, instead of the backup server.";
    };

    passwordFile = lib.mkOption {
      type = lib.types.path;
      description = ''
        File holding the repository password. Set it from a secret:
        `passwordFile = { secret = "backup/restic-password" }`.
      '';
    };

    paths = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "/etc/nixos" "/var/lib" ];
      description = "What to back up.";
    };

    exclude = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "/home/*/.cache" ];
      description = "Patterns restic skips (`--exclude`).";
    };

    schedule = lib.mkOption {
      type = lib.types.str;
      default = "daily";
      description = "When the backup runs: a systemd calendar expression.";
    };

    randomizedDelay = lib.mkOption {
      type = lib.types.str;
      default = "1h";
      description = "Random delay added to the schedule, so that machines do not all start at once.";
    };

    prune = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          Forget and prune old snapshots after each backup. Off for clients
          of the backup server: it is append-only and prunes itself.
        '';
      };

      keep = lib.mkOption {
        type = lib.types.submodule {
          options = {
            daily = lib.mkOption {
              type = lib.types.ints.unsigned;
              default = 7;
              description = "Daily snapshots to keep.";
            };
            weekly = lib.mkOption {
              type = lib.types.ints.unsigned;
              default = 5;
              description = "Weekly snapshots to keep.";
            };
            monthly = lib.mkOption {
              type = lib.types.ints.unsigned;
              default = 12;
              description = "Monthly snapshots to keep.";
            };
            yearly = lib.mkOption {
              type = lib.types.ints.unsigned;
              default = 0;
              description = "Yearly snapshots to keep.";
            };
          };
        };
        default = { };
        description = "Snapshots kept by pruning, per period (0 keeps none of that period).";
      };
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = (cfg.server == null) != (cfg.repository == null);
        message = "fleet.backup needs exactly one of server and repository.";
      }
      {
        assertion = cfg.server == null || config.fleet.hosts ? ${cfg.server};
        message = "fleet.backup.server names ${toString cfg.server}, which is not a host of the fleet.";
      }
    ];

    services.restic.backups.fleet = {
      inherit repository;
      inherit (cfg) paths exclude passwordFile;
      initialize = true;
      extraBackupArgs = [
        "--exclude-caches"
        "--one-file-system"
      ];
      pruneOpts = lib.optionals cfg.prune.enable keepFlags;
      timerConfig = {
        OnCalendar = cfg.schedule;
        Persistent = true;
        RandomizedDelaySec = cfg.randomizedDelay;
      };
    };
  };
}
