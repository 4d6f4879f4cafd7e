# Steam with Proton, GameMode and gamescope (without CAP_SYS_NICE: see
# below). Pair with the graphics module (the gaming role enables both) for
# the GPU's 32-bit drivers.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.gaming;
in
{
  options.fleet.gaming = {
    enable = lib.mkEnableOption "Steam, GameMode and gamescope";

    protonGE = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Offer GE-Proton in Steam's compatibility tools next to Valve's Proton.";
    };

    remotePlay = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Open the firewall for Steam Remote Play (streaming to the TV or the Steam Deck).";
    };

    localNetworkGameTransfers = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Open the firewall so other Steam machines on the LAN can copy installed games from this one.";
    };

    gamescopeSession = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Add a Steam Big Picture session running in gamescope to the login screen.";
    };

    renice = lib.mkOption {
      type = lib.types.ints.between 0 20;
      default = 10;
      description = "How far GameMode raises a game's CPU priority (0 leaves it alone).";
    };
  };

  config = lib.mkIf cfg.enable {
    programs.steam = {
      enable = true;
      remotePlay.openFirewall = cfg.remotePlay;
      localNetworkGameTransfers.openFirewall = cfg.localNetworkGameTransfers;
      gamescopeSession.enable = cfg.gamescopeSession;
      extraCompatPackages = lib.optional cfg.protonGE pkgs.proton-ge-bin;
      protontricks.enable = true;
    };

    programs.gamemode = {
      enable = true;
      settings.general.renice = cfg.renice;
    };

    # No CAP_SYS_NICE on gamescope. With capSysNice NixOS runs gamescope
    # through a capability wrapper that puts CAP_SYS_NICE in the ambient
    # set; every child inherits it, and Steam's bubblewrap (the FHS
    # environment) refuses to start with capabilities it did not expect
    # ("bwrap: Unexpected capabilities but not setuid"), while gamescope as
    # a Steam launch option, started inside that sandbox, fails with "failed
    # to inherit capabilities" (nixpkgs #208936, #292620, #351516). Without
    # it the gamescope session and `gamescope -- %command%` both work; the
    # game's priority comes from GameMode, whose daemon renices through
    # polkit instead of a capability on a binary.
    programs.gamescope = {
      enable = true;
      capSysNice = false;
    };

    users.users.${config.fleet.site.primaryUser}.extraGroups = [ "gamemode" ];

    fleet.nix-settings.allowUnfree = [
      "steam"
      "steam-unwrapped"
    ];
  };
}
