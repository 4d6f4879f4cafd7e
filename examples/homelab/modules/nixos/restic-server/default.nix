# The fleet's backup server: a restic REST server in append-only mode, so a
# compromised client can add snapshots but never delete them, and the
# server-side jobs that forget and prune the clients' old snapshots. Every
# host with the backup-client role gets a repository <dataDir>/<host>.
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
    passwordFile = cfg.passwordFile;
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
      type = lib.types.nullOr lib.types.path;
      default = null;
      description = ''
        htpasswd file of client logins. `null` serves without logins, which
        is only sensible on a trusted LAN with the port firewalled.
      '';
    };

    passwordFile = lib.mkOption {
      type = lib.types.path;
      description = "Password of the clients' repositories, needed to prune them. Set it from a secret.";
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
      description = "Open the port on the LAN.";
    };
  };

  config = lib.mkIf cfg.enable {
    services.restic.server = {
      enable = true;
      inherit (cfg) dataDir appendOnly;
      listenAddress = toString cfg.port;
      prometheus = true;
      htpasswd-file = cfg.htpasswdFile;
      extraFlags = lib.optional (cfg.htpasswdFile == null) "--no-auth";
    };

    services.restic.backups = lib.listToAttrs (
      map (client: lib.nameValuePair "prune-${client}" (pruneJob client)) clients
    );

    networking.firewall.allowedTCPPorts = lib.optional cfg.openFirewall cfg.port;
  };
}
