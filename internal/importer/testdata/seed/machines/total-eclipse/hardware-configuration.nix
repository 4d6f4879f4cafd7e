{ ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/" = {
    device = "/dev/disk/by-label/total-eclipse";
    fsType = "ext4";
  };
}
