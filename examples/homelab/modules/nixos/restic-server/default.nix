# The fleet's backup server: a restic REST server in append-only mode, so a
# compromised client can add snapshots but never delete them, and the
# server-side jobs that forget, prune and check the clients' old snapshots.
# Every host with the backup-client role gets a private repository
# <dataDir>/<host>/: it logs in as itself (htpasswd) and reaches only its
# own repository. The port is open to the LAN only.
{ config, lib, ... }:
let
  cfg = config.fleet.restic-server;

  clients = lib.attrNames (
    lib.filterAttrs (name: host: lib.elem "backup-client" host.roles) config.fleet.hosts
  );

  keepFlags = lib.concatLists (
    lib.mapAttrsToList (
      period: n: lib.optional (n > 0) "--keep-${period} ${toString n}"
    ) cfg.keep
  );

  pruneJob = client: {
    repository = "${cfg.dataDir}/${client}";
    passwordFile = cfg.clientPasswordFiles.${client};
    # No paths: the job only forgets and prunes.
    paths = [ ];
    pruneOpts = keepFlags;
    runCheck = true;
    checkOpts = [ "--read-data-subset=2%" ];
    # Pruning runs as root (the password file is root's); hand the
    # rewritten packs back to the REST server's user.
    backupCleanupCommand = "chown -R restic:restic ${cfg.dataDir}/${client}";
    timerConfig = {
      OnCalendar = cfg.pruneSchedule;
      Persistent = true;
      RandomizedDelaySec = "2h";
    };
  };
in
{
  options.fleet.restic-server = {
    enable = lib.mkEnableOption "the restic REST server for the fleet's backups";

    port = lib.mkOption {
      type = lib.types.port;
      default = 8000;
      description = "Port the REST server listens on; clients use the same value as `fleet.backup.serverPort`.";
    };

    dataDir = lib.mkOption {
      type = lib.types.str;
      default = "/srv/restic";
      description = "Directory holding one repository per client.";
    };

    appendOnly = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Refuse deletes from clients; only the server's prune jobs remove data.";
    };

    htpasswdFile = lib.mkOption {
      type = lib.types.path;
      description = ''
        htpasswd file (bcrypt) with one login per client, named after the
        host: with private repositories, a login reaches only the
        repository of the same name. Set it from a secret readable by the
        `restic` user: `{ secret = "backup/rest-server-htpasswd", owner = "restic" }`.
      '';
    };

    clientPasswordFiles = lib.mkOption {
      type = lib.types.attrsOf lib.types.path;
      default = { };
      description = ''
        Each client's repository password, by host name, needed to prune
        and check its repository. Every host with the backup-client role
        needs one.
      '';
    };

    pruneSchedule = lib.mkOption {
      type = lib.types.str;
      default = "Sun 04:00";
      description = "When old snapshots of every client are forgotten and pruned (systemd calendar).";
    };

    keep = lib.mkOption {
      type = lib.types.attrsOf lib.types.ints.unsigned;
      default = {
        daily = 7;
        weekly = 5;
        monthly = 12;
      };
      description = "Snapshots kept per period (`daily`, `weekly`, `monthly`, `yearly`) when pruning clients.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open the port to the LAN ({option}`fleet.site.lanSubnets`), not beyond.";
    };

    restoreTest = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Include every client's repository in this machine's restore test (`fleet.backup.restoreTest`).";
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = map (client: {
      assertion = cfg.clientPasswordFiles ? ${client};
      message = "fleet.restic-server.clientPasswordFiles has no password for ${client}, a host with the backup-client role.";
    }) clients;

    services.restic.server = {
      enable = true;
      inherit (cfg) dataDir appendOnly;
      listenAddress = toString cfg.port;
      privateRepos = true;
      # Prometheus scrapes /metrics from localhost without a login; the
      # port is closed to everything but the LAN anyway.
      prometheus = true;
      extraFlags = [ "--prometheus-no-auth" ];
      htpasswd-file = cfg.htpasswdFile;
    };

    services.restic.backups = lib.listToAttrs (
      map (client: lib.nameValuePair "prune-${client}" (pruneJob client)) clients
    );

    fleet.backup.restoreTest.repositories = lib.mkIf cfg.restoreTest (
      lib.genAttrs clients (client: {
        repository = "${cfg.dataDir}/${client}";
        passwordFile = cfg.clientPasswordFiles.${client};
      })
    );

    fleet.site.lanTCPPorts = lib.optional cfg.openFirewall cfg.port;
  };
}
