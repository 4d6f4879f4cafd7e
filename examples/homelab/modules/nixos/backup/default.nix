# Nightly restic backups of this machine. Either to the fleet's backup
# server (fleet.backup.server names it; the repository is then
# rest:http://<server>:<port>/<this host>/, reached with this host's own
# login) or to a repository given directly, such as a USB disk; optionally
# also to an off-site repository. Before each run SQLite databases are
# copied consistently and other modules' prepare commands run (the
# monitoring module snapshots Prometheus' database), and a canary file
# records when the backup was taken: the restore test restores it.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.backup;

  server = config.fleet.hosts.${cfg.server};
  repository =
    if cfg.repository != null then
      cfg.repository
    else
      "rest:http://${server.address}:${toString cfg.serverPort}/${config.networking.hostName}/";

  keepFlags =
    keep:
    lib.concatLists (
      lib.mapAttrsToList (period: n: lib.optional (n > 0) "--keep-${period} ${toString n}") keep
    );

  # Dumps, snapshots and the canary live here, outside the paths they copy.
  staging = "/var/backup/fleet";
  dumpName = db: lib.replaceStrings [ "/" ] [ "_" ] (lib.removePrefix "/" db);

  # The live files of the databases copied by prepare.
  sqliteExcludes =
    cfg.excludeLive
    ++ lib.concatMap (db: [
      db
      "${db}-wal"
      "${db}-shm"
      "${db}-journal"
    ]) cfg.sqlite;

  prepare = pkgs.writeShellScript "fleet-backup-prepare" ''
    set -euo pipefail
    rm -rf ${staging}/sqlite
    mkdir -p ${staging}/sqlite
    ${lib.concatMapStrings (db: ''
      # .backup copies a consistent state while the service keeps writing.
      ${lib.getExe pkgs.sqlite} ${lib.escapeShellArg db} ".backup '${staging}/sqlite/${dumpName db}'"
    '') cfg.sqlite}
    ${cfg.prepareCommands}
    date +%s > ${staging}/canary
  '';
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
        File holding the repository's password. Every repository has its
        own: `passwordFile = { secret = "backup/repositories/{host}" }`.
      '';
    };

    environmentFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = ''
        Environment file for restic: for the backup server, this host's
        login (`RESTIC_REST_USERNAME=<host>` and `RESTIC_REST_PASSWORD=...`
        lines), from a secret only this host reads.
      '';
    };

    paths = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [
        "/etc/nixos"
        "/var/lib"
      ];
      description = "What to back up (the dumps and the canary under /var/backup/fleet are always added).";
    };

    exclude = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "/home/*/.cache" ];
      description = "Patterns restic skips (`--exclude`).";
    };

    sqlite = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "/var/lib/grafana/data/grafana.db" ];
      description = ''
        SQLite databases to copy consistently (`sqlite3 .backup`) into
        /var/backup/fleet/sqlite before each run. The live files (and
        their -wal and -shm) are excluded: a copy taken while the service
        writes may not open. Other modules add their databases.
      '';
    };

    excludeLive = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "/var/lib/prometheus2" ];
      description = ''
        Live database directories every job skips, because a prepare
        command snapshots them under /var/backup/fleet. Other modules add
        theirs (monitoring adds Prometheus' data).
      '';
    };

    prepareCommands = lib.mkOption {
      type = lib.types.lines;
      default = "";
      description = ''
        Shell commands run as root before each backup, after the SQLite
        copies: snapshots of other databases go under /var/backup/fleet.
        Other modules add to it (monitoring snapshots Prometheus).
      '';
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

    check = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = cfg.server == null;
        defaultText = lib.literalExpression "config.fleet.backup.server == null";
        description = ''
          Run `restic check` after each backup. Off by default for clients
          of the backup server, which checks their repositories itself.
        '';
      };

      readDataSubset = lib.mkOption {
        type = lib.types.str;
        default = "2%";
        description = "Share of the data `restic check` reads back and verifies (`--read-data-subset`).";
      };
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
        type = lib.types.attrsOf lib.types.ints.unsigned;
        default = {
          daily = 7;
          weekly = 5;
          monthly = 12;
        };
        description = "Snapshots kept per period (`daily`, `weekly`, `monthly`, `yearly`; 0 keeps none of that period).";
      };
    };

    offsite = {
      enable = lib.mkEnableOption "a second, off-site copy of the same paths";

      repository = lib.mkOption {
        type = lib.types.str;
        example = "s3:https://s3.eu-central-003.backblazeb2.com/homelab-offsite";
        description = "Off-site restic repository (S3, B2, SFTP, rclone ...).";
      };

      passwordFile = lib.mkOption {
        type = lib.types.path;
        description = "Password of the off-site repository, different from the local one.";
      };

      environmentFile = lib.mkOption {
        type = lib.types.nullOr lib.types.path;
        default = null;
        description = "The provider's credentials (`AWS_ACCESS_KEY_ID=...` lines for S3), from a secret.";
      };

      paths = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = cfg.paths;
        defaultText = lib.literalExpression "config.fleet.backup.paths";
        example = [
          "/var/lib"
          "/srv/restic"
        ];
        description = ''
          What is copied off-site (the dumps and the canary are always
          added), such as the repositories this machine keeps for others:
          they are encrypted already.
        '';
      };

      exclude = lib.mkOption {
        type = lib.types.listOf lib.types.str;
        default = cfg.exclude;
        defaultText = lib.literalExpression "config.fleet.backup.exclude";
        description = "Patterns the off-site copy skips.";
      };

      schedule = lib.mkOption {
        type = lib.types.str;
        default = "Sat 05:00";
        description = "When the off-site copy runs (systemd calendar).";
      };

      keep = lib.mkOption {
        type = lib.types.attrsOf lib.types.ints.unsigned;
        default = {
          weekly = 8;
          monthly = 12;
          yearly = 3;
        };
        description = "Snapshots the off-site repository keeps per period.";
      };
    };

    restoreTest = {
      enable = lib.mkEnableOption ''
        a scheduled restore test: restore the canary file of the latest
        snapshot of every repository in {option}`fleet.backup.restoreTest.repositories`
        and export its age to the node exporter's textfile collector
        (`fleet_backup_age_seconds`, `fleet_backup_restore_ok`)
      '';

      schedule = lib.mkOption {
        type = lib.types.str;
        default = "*-*-* 09:00";
        description = "When the restore test runs (systemd calendar).";
      };

      repositories = lib.mkOption {
        type = lib.types.attrsOf (
          lib.types.submodule {
            options = {
              repository = lib.mkOption {
                type = lib.types.str;
                description = "The repository.";
              };
              passwordFile = lib.mkOption {
                type = lib.types.path;
                description = "Its password.";
              };
              environmentFile = lib.mkOption {
                type = lib.types.nullOr lib.types.path;
                default = null;
                description = "Its credentials, if any.";
              };
            };
          }
        );
        default = { };
        description = ''
          Repositories the restore test restores from, by name. This
          machine's own are added; the backup server adds its clients'.
        '';
      };

      textfileDir = lib.mkOption {
        type = lib.types.str;
        default = "/var/lib/prometheus-node-exporter-text";
        description = "Directory of the node exporter's textfile collector.";
      };
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions = [
          {
            assertion = (cfg.server == null) != (cfg.repository == null);
            message = "fleet.backup needs exactly one of server and repository.";
          }
          {
            assertion = cfg.server == null || config.fleet.hosts ? ${cfg.server};
            message = "fleet.backup.server names ${toString cfg.server}, which is not a host of the fleet.";
          }
          {
            assertion = cfg.server == null || cfg.environmentFile != null;
            message = "fleet.backup.environmentFile must hold this host's login to the backup server (RESTIC_REST_USERNAME, RESTIC_REST_PASSWORD).";
          }
        ];

        services.restic.backups.fleet = {
          inherit repository;
          inherit (cfg) passwordFile environmentFile;
          paths = cfg.paths ++ [ staging ];
          exclude = cfg.exclude ++ sqliteExcludes;
          initialize = true;
          backupPrepareCommand = "${prepare}";
          extraBackupArgs = [
            "--exclude-caches"
            "--one-file-system"
          ];
          pruneOpts = lib.optionals cfg.prune.enable (keepFlags cfg.prune.keep);
          runCheck = cfg.check.enable;
          checkOpts = [ "--read-data-subset=${cfg.check.readDataSubset}" ];
          timerConfig = {
            OnCalendar = cfg.schedule;
            Persistent = true;
            RandomizedDelaySec = cfg.randomizedDelay;
          };
        };

        systemd.tmpfiles.rules = [ "d ${staging} 0700 root root -" ];

        fleet.backup.restoreTest.repositories.fleet = {
          inherit repository;
          inherit (cfg) passwordFile environmentFile;
        };
      }

      (lib.mkIf cfg.offsite.enable {
        services.restic.backups.offsite = {
          inherit (cfg.offsite) repository passwordFile environmentFile;
          # The same staging directory: the local job's dumps of the night.
          paths = cfg.offsite.paths ++ [ staging ];
          exclude = cfg.offsite.exclude ++ sqliteExcludes;
          inherit (config.services.restic.backups.fleet) extraBackupArgs;
          initialize = true;
          pruneOpts = keepFlags cfg.offsite.keep;
          runCheck = true;
          # Reading back costs egress: a small share each week.
          checkOpts = [ "--read-data-subset=1%" ];
          timerConfig = {
            OnCalendar = cfg.offsite.schedule;
            Persistent = true;
          };
        };

        fleet.backup.restoreTest.repositories.offsite = {
          inherit (cfg.offsite) repository passwordFile environmentFile;
        };
      })

      (lib.mkIf cfg.restoreTest.enable {
        systemd.services.fleet-backup-restore-test = {
          description = "Restore the canary of every restic repository and export the backups' age";
          path = [
            pkgs.restic
            pkgs.coreutils
          ];
          serviceConfig = {
            Type = "oneshot";
            PrivateTmp = true;
          };
          script = ''
            set -uo pipefail
            metrics=$(mktemp)
            failed=0
            echo "# HELP fleet_backup_age_seconds Age of the latest snapshot, from its restored canary." >> "$metrics"
            echo "# TYPE fleet_backup_age_seconds gauge" >> "$metrics"
            echo "# HELP fleet_backup_restore_ok 1 when the latest snapshot's canary was restored." >> "$metrics"
            echo "# TYPE fleet_backup_restore_ok gauge" >> "$metrics"
            ${lib.concatStrings (
              lib.mapAttrsToList (name: r: ''
                target=$(mktemp -d)
                if (
                  ${lib.optionalString (r.environmentFile != null) "set -a; . ${r.environmentFile}; set +a"}
                  restic --repo ${lib.escapeShellArg r.repository} --password-file ${r.passwordFile} \
                    restore latest --target "$target" --include ${staging}/canary
                ) && taken=$(cat "$target${staging}/canary"); then
                  echo "fleet_backup_age_seconds{repository=\"${name}\"} $(( $(date +%s) - taken ))" >> "$metrics"
                  echo "fleet_backup_restore_ok{repository=\"${name}\"} 1" >> "$metrics"
                else
                  echo "restore test: ${name}: the latest snapshot's canary could not be restored" >&2
                  echo "fleet_backup_restore_ok{repository=\"${name}\"} 0" >> "$metrics"
                  failed=1
                fi
                rm -rf "$target"
              '') cfg.restoreTest.repositories
            )}
            echo "fleet_backup_restore_test_timestamp_seconds $(date +%s)" >> "$metrics"
            install -m 0644 "$metrics" ${cfg.restoreTest.textfileDir}/fleet-backup.prom
            exit "$failed"
          '';
        };

        systemd.timers.fleet-backup-restore-test = {
          wantedBy = [ "timers.target" ];
          timerConfig = {
            OnCalendar = cfg.restoreTest.schedule;
            Persistent = true;
          };
        };

        systemd.tmpfiles.rules = [ "d ${cfg.restoreTest.textfileDir} 0755 root root -" ];
      })
    ]
  );
}
