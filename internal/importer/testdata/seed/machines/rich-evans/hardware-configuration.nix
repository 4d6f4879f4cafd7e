{ ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/" = {
    device = "/dev/disk/by-label/rich-evans";
    fsType = "ext4";
  };
}
