{ config, pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "total-eclipse";
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  users.users.alex = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
  };
  services.xserver.enable = true;
  programs.firefox.enable = true;
  system.stateVersion = "24.05";
}
