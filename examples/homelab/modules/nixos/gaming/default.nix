# Steam with Proton, GameMode and gamescope. Pair with the graphics module
# (the gaming role enables both) for the GPU's 32-bit drivers.
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

    programs.gamescope = {
      enable = true;
      capSysNice = true;
    };

    users.users.${config.fleet.site.primaryUser}.extraGroups = [ "gamemode" ];

    fleet.nix-settings.allowUnfree = [
      "steam"
      "steam-unwrapped"
    ];
  };
}
