{ config, pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "server";
  time.timeZone = "Europe/Paris";
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  users.users.alex.isNormalUser = true;

  system.stateVersion = "23.11";
}
