{ ... }:
{
  boot.loader.systemd-boot.enable = true;
  fileSystems."/".device = "/dev/disk/by-label/atlas";
  services.openssh.enable = true;
  system.stateVersion = "24.05";
}
