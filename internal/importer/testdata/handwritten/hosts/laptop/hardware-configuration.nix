{ ... }:
{
  boot.loader.systemd-boot.enable = true;
  fileSystems."/" = {
    device = "/dev/disk/by-label/root";
    fsType = "btrfs";
  };
}
