# Apps nix does not package well on macOS, through Homebrew: nix-homebrew
# installs and pins Homebrew itself, nix-darwin's homebrew module keeps the
# installed formulae, casks and App Store apps equal to these lists.
{ config, lib, ... }:
let
  cfg = config.fleet.homebrew;
in
{
  options.fleet.homebrew = {
    enable = lib.mkEnableOption "Homebrew formulae, casks and App Store apps";

    taps = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Third-party repositories (`owner/repo`).";
    };

    brews = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Formulae (command-line tools) to install.";
    };

    casks = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      description = "Casks (applications) to install.";
    };

    masApps = lib.mkOption {
      type = lib.types.attrsOf lib.types.ints.positive;
      default = { };
      example = {
        WireGuard = 1451685025;
      };
      description = ''
        Mac App Store apps, name to id (the number in the app's store URL).
        Needs a signed-in App Store; removing one from the list does not
        uninstall it.
      '';
    };

    cleanup = lib.mkOption {
      type = lib.types.enum [ "none" "check" "uninstall" "zap" ];
      default = "none";
      description = ''
        What activation does with formulae and casks not in the lists:
        `none` leaves them, `check` fails, `uninstall` removes them, `zap`
        also removes their settings and caches.
      '';
    };

    autoUpdate = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Update Homebrew's package lists at each activation (slower, less reproducible).";
    };

    upgrade = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Upgrade outdated formulae and casks at each activation.";
    };

    rosetta = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Apple silicon: also install an Intel Homebrew under Rosetta 2.";
    };
  };

  config = lib.mkIf cfg.enable {
    nix-homebrew = {
      enable = true;
      user = config.system.primaryUser;
      enableRosetta = cfg.rosetta;
      autoMigrate = true;
    };

    homebrew = {
      enable = true;
      inherit (cfg)
        taps
        brews
        casks
        masApps
        ;
      onActivation = {
        inherit (cfg) cleanup autoUpdate upgrade;
      };
      global.autoUpdate = false;
    };
  };
}
