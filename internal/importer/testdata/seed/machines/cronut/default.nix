{ pkgs, ... }:
{
  networking.hostName = "cronut";
  services.nix-daemon.enable = true;
  homebrew.enable = true;
  system.stateVersion = 4;
}
