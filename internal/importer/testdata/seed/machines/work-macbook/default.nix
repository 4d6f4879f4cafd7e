{ pkgs, ... }:
{
  networking.hostName = "work-macbook";
  services.nix-daemon.enable = true;
  homebrew.enable = true;
  system.stateVersion = 4;
}
