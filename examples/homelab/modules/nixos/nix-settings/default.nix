# Nix itself: flakes, trusted users, binary caches, garbage collection and
# which unfree packages may be installed. The darwin module of the same name
# takes the same settings, so common.toml configures both platforms at once.
{ config, lib, ... }:
let
  cfg = config.fleet.nix-settings;
  gib = 1024 * 1024 * 1024;
in
{
  options.fleet.nix-settings = {
    enable = lib.mkEnableOption "fleet's Nix settings and garbage collection";

    gcSchedule = lib.mkOption {
      type = lib.types.str;
      default = "weekly";
      example = "Sun 03:15";
      description = "When garbage collection runs: a systemd calendar expression (`nix.gc.dates`).";
    };

    gcKeepDays = lib.mkOption {
      type = lib.types.ints.positive;
      default = 30;
      description = ''
        Garbage collection deletes generations older than this many days.
        Older generations can no longer be booted or rolled back to.
      '';
    };

    autoOptimise = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Hard-link identical files in the store as they are added.";
    };

    maxJobs = lib.mkOption {
      type = lib.types.either lib.types.ints.positive (lib.types.enum [ "auto" ]);
      default = "auto";
      description = "How many derivations Nix builds at once (`auto`: one per CPU).";
    };

    minFreeGB = lib.mkOption {
      type = lib.types.nullOr lib.types.ints.positive;
      default = null;
      example = 2;
      description = ''
        When free space on the store's disk drops below this many GiB during
        a build, Nix collects garbage until three times as much is free.
        `null` leaves it to the scheduled collection.
      '';
    };

    substituters = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "https://nix-community.cachix.org" ];
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
      example = [ "steam" "steam-unwrapped" ];
      description = ''
        Names (`lib.getName`) of the unfree packages this machine may
        install. Other modules add to it: gaming adds Steam, graphics adds
        the NVIDIA driver.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    nix.settings = {
      experimental-features = [ "nix-command" "flakes" ];
      trusted-users = [ "root" "@wheel" ];
      auto-optimise-store = cfg.autoOptimise;
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
      dates = cfg.gcSchedule;
      options = "--delete-older-than ${toString cfg.gcKeepDays}d";
      persistent = true;
      randomizedDelaySec = "45min";
    };

    # The fleet is a flake: no channels on the machines.
    nix.channel.enable = false;

    nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) cfg.allowUnfree;
  };
}
