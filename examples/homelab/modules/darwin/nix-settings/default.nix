# The darwin side of modules/nixos/nix-settings. Same options; the schedule
# is a name here because nix-darwin runs garbage collection from launchd
# (nix.gc.interval) where NixOS uses a systemd calendar (nix.gc.dates).
{ config, lib, ... }:
let
  cfg = config.fleet.nix-settings;
  gib = 1024 * 1024 * 1024;

  intervals = {
    daily = [
      {
        Hour = 3;
        Minute = 15;
      }
    ];
    weekly = [
      {
        Weekday = 7;
        Hour = 3;
        Minute = 15;
      }
    ];
    monthly = [
      {
        Day = 1;
        Hour = 3;
        Minute = 15;
      }
    ];
  };
in
{
  options.fleet.nix-settings = {
    enable = lib.mkEnableOption "fleet's Nix settings and garbage collection";

    gcSchedule = lib.mkOption {
      type = lib.types.enum [ "daily" "weekly" "monthly" ];
      default = "weekly";
      description = "When garbage collection runs (at 03:15; weekly on Sundays, monthly on the 1st).";
    };

    gcKeepDays = lib.mkOption {
      type = lib.types.ints.positive;
      default = 30;
      description = "Garbage collection deletes generations older than this many days.";
    };

    autoOptimise = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Deduplicate the store. On macOS this runs as a scheduled job
        (`nix.optimise`): optimising while adding to the store is unreliable there.
      '';
    };

    maxJobs = lib.mkOption {
      type = lib.types.either lib.types.ints.positive (lib.types.enum [ "auto" ]);
      default = "auto";
      description = "How many derivations Nix builds at once (`auto`: one per CPU).";
    };

    minFreeGB = lib.mkOption {
      type = lib.types.nullOr lib.types.ints.positive;
      default = null;
      description = "Collect garbage during builds when less than this many GiB are free.";
    };

    substituters = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Binary caches used in addition to cache.nixos.org.";
    };

    trustedPublicKeys = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Signing keys of the caches in {option}`fleet.nix-settings.substituters`.";
    };

    allowUnfree = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Names (`lib.getName`) of the unfree packages this machine may install.";
    };
  };

  config = lib.mkIf cfg.enable {
    nix.settings = {
      experimental-features = [ "nix-command" "flakes" ];
      # nix-darwin already trusts root.
      trusted-users = [ "@admin" ];
      max-jobs = cfg.maxJobs;
      extra-substituters = cfg.substituters;
      extra-trusted-public-keys = cfg.trustedPublicKeys;
    }
    // lib.optionalAttrs (cfg.minFreeGB != null) {
      min-free = cfg.minFreeGB * gib;
      max-free = 3 * cfg.minFreeGB * gib;
    };

    nix.gc = {
      automatic = true;
      interval = intervals.${cfg.gcSchedule};
      options = "--delete-older-than ${toString cfg.gcKeepDays}d";
    };

    # An hour after garbage collection, so that it has less to scan.
    nix.optimise = {
      automatic = cfg.autoOptimise;
      interval = [
        {
          Weekday = 7;
          Hour = 4;
          Minute = 15;
        }
      ];
    };

    nix.channel.enable = false;

    nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) cfg.allowUnfree;
  };
}
