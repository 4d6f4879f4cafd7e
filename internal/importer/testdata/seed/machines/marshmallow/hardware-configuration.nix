{ ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/" = {
    device = "/dev/disk/by-label/marshmallow";
    fsType = "ext4";
  };
}
