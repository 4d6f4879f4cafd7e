{ config, pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "bartleby";
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  users.users.alex = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
  };

  system.stateVersion = "23.05";
}
