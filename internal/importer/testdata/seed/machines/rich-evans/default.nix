{ config, pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "rich-evans";
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  users.users.alex = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
  };

  system.stateVersion = "24.05";
}
