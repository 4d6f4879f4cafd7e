# How the machine boots: systemd-boot on UEFI machines, GRUB in the disk's
# boot sector on BIOS machines (bartleby). The firmware and the boot disk
# default to the host's [hardware] facts (config.fleet.host, written by
# fleet generate); [settings.bootloader] can still override them.
{ config, lib, ... }:
let
  cfg = config.fleet.bootloader;
in
{
  options.fleet.bootloader = {
    enable = lib.mkEnableOption "the boot loader chosen from the machine's firmware";

    firmware = lib.mkOption {
      type = lib.types.enum [ "uefi" "bios" ];
      default = config.fleet.host.hardware.firmware or "uefi";
      defaultText = lib.literalExpression ''config.fleet.host.hardware.firmware or "uefi"'';
      description = "How the machine's firmware boots: `uefi` uses systemd-boot, `bios` GRUB.";
    };

    device = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = config.fleet.host.hardware.bootDisk or null;
      defaultText = lib.literalExpression "config.fleet.host.hardware.bootDisk or null";
      example = "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S2R5NX0H000000A";
      description = ''
        BIOS only: the whole disk whose boot sector GRUB is installed into,
        never a partition. On a GPT disk it needs a 1 MiB BIOS boot
        partition (type EF02) for GRUB's core image.
      '';
    };

    configurationLimit = lib.mkOption {
      type = lib.types.ints.positive;
      default = 20;
      description = ''
        Generations listed in the boot menu. Each keeps a kernel and initrd
        in /boot, so small boot partitions need a low limit.
      '';
    };

    timeout = lib.mkOption {
      type = lib.types.ints.unsigned;
      default = 3;
      description = "Seconds the boot menu waits for a choice.";
    };

    efiSysMountPoint = lib.mkOption {
      type = lib.types.str;
      default = "/boot";
      description = "UEFI only: where the EFI system partition is mounted.";
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions = [
          {
            assertion = cfg.firmware != "bios" || cfg.device != null;
            message = "fleet.bootloader.device must name the boot disk (/dev/disk/by-id/...) when fleet.bootloader.firmware is \"bios\".";
          }
        ];
        boot.loader.timeout = cfg.timeout;
      }

      (lib.mkIf (cfg.firmware == "uefi") {
        boot.loader.systemd-boot = {
          enable = true;
          configurationLimit = cfg.configurationLimit;
          # No editing the kernel command line at the boot menu (init=/bin/sh).
          editor = false;
        };
        boot.loader.efi = {
          canTouchEfiVariables = true;
          efiSysMountPoint = cfg.efiSysMountPoint;
        };
      })

      (lib.mkIf (cfg.firmware == "bios") {
        boot.loader.grub = {
          enable = true;
          device = lib.mkIf (cfg.device != null) cfg.device;
          efiSupport = false;
          configurationLimit = cfg.configurationLimit;
        };
      })
    ]
  );
}
