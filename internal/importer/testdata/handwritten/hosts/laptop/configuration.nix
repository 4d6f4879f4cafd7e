{ pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "laptop";
  # Same as the server.
  time.timeZone = "Europe/Paris";
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = false;
  users.users.alex.isNormalUser = true;
  services.xserver.enable = true;

  system.stateVersion = "24.05";
}
