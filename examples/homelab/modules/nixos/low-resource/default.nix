# For machines with little memory and a small disk (bartleby): compressed
# swap in RAM, no documentation or default extras in the closure, a capped
# journal. Aggressive garbage collection is set by the low-resource role
# through the nix-settings module.
{ config, lib, options, ... }:
let
  cfg = config.fleet.low-resource;
in
{
  options.fleet.low-resource = {
    enable = lib.mkEnableOption "settings for machines short of memory and disk";

    zramPercent = lib.mkOption {
      type = lib.types.ints.between 1 200;
      default = 50;
      description = "Size of the compressed swap device, in percent of RAM (it compresses 2-3x).";
    };

    zramAlgorithm = lib.mkOption {
      type = lib.types.enum [ "zstd" "lz4" "lzo-rle" ];
      default = "zstd";
      description = "Compression algorithm of the swap device: zstd packs tighter, lz4 costs less CPU.";
    };

    documentation = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Keep man pages (the rest of the documentation is always left out).";
    };

    journalMaxUse = lib.mkOption {
      type = lib.types.str;
      default = "64M";
      description = "Disk space the systemd journal may use.";
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        zramSwap = {
          enable = true;
          memoryPercent = cfg.zramPercent;
          algorithm = cfg.zramAlgorithm;
        };
        # Swapping to zram is cheap: use it before dropping the page cache.
        boot.kernel.sysctl."vm.swappiness" = 180;

        documentation = {
          enable = cfg.documentation;
          man.enable = cfg.documentation;
          doc.enable = false;
          info.enable = false;
          nixos.enable = false;
        };
        environment.defaultPackages = [ ];
        programs.command-not-found.enable = false;

        boot.tmp.cleanOnBoot = true;
      }
      # NixOS 26.11 replaces services.journald.extraConfig (removed: defining
      # it fails evaluation) with the structured settings.Journal; 26.05,
      # which this fleet pins, has only extraConfig. Use whichever the pinned
      # nixpkgs declares, so a nixpkgs update needs no change here.
      (
        if options ? services.journald.settings then
          { services.journald.settings.Journal.SystemMaxUse = cfg.journalMaxUse; }
        else
          {
            services.journald.extraConfig = ''
              SystemMaxUse=${cfg.journalMaxUse}
            '';
          }
      )
    ]
  );
}
