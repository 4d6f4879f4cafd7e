{ pkgs, ... }:
{
  networking.hostName = "mac";
  services.nix-daemon.enable = true;
  system.stateVersion = 4;
}
