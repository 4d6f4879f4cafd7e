# The GPU driver, chosen from the host's GPU (hardware.gpu in host.toml):
# NVIDIA (proprietary driver, open or closed kernel module, always stated
# explicitly), AMD (amdgpu and RADV), Intel (iHD video acceleration).
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.graphics;
in
{
  options.fleet.graphics = {
    enable = lib.mkEnableOption "the GPU driver and hardware acceleration";

    gpu = lib.mkOption {
      type = lib.types.enum [ "none" "intel" "amd" "nvidia" ];
      default = config.fleet.host.hardware.gpu or "none";
      defaultText = lib.literalExpression ''config.fleet.host.hardware.gpu or "none"'';
      description = "The GPU the machine renders with; by default `hardware.gpu` of host.toml.";
    };

    enable32Bit = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Install 32-bit drivers too (Steam and Wine games need them).";
    };

    nvidia = {
      open = lib.mkOption {
        type = lib.types.nullOr lib.types.bool;
        default = null;
        description = ''
          Use NVIDIA's open kernel module. Must be stated for every NVIDIA
          machine: `true` for Turing (GTX 16xx, RTX 20xx) and newer, which
          NVIDIA recommends; `false` for Pascal (GTX 10xx) and older, which
          only the closed module supports.
        '';
      };

      driver = lib.mkOption {
        type = lib.types.enum [ "stable" "production" "beta" "latest" ];
        default = "stable";
        description = "Driver branch from `boot.kernelPackages.nvidiaPackages`.";
      };

      powerManagement = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Save video memory on suspend so the desktop survives it (can cause resume problems on older cards).";
      };
    };

    amd = {
      overdrive = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Unlock clock and voltage control (for LACT or CoreCtrl).";
      };

      opencl = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Install ROCm's OpenCL runtime.";
      };
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        hardware.graphics = {
          enable = true;
          enable32Bit = cfg.enable32Bit;
        };
      }

      (lib.mkIf (cfg.gpu == "nvidia") {
        assertions = [
          {
            assertion = cfg.nvidia.open != null;
            message = "fleet.graphics.nvidia.open must be set for an NVIDIA GPU: true for Turing (GTX 16xx, RTX 20xx) and newer, false for older cards.";
          }
        ];
        services.xserver.videoDrivers = [ "nvidia" ];
        hardware.nvidia = {
          open = cfg.nvidia.open;
          package = config.boot.kernelPackages.nvidiaPackages.${cfg.nvidia.driver};
          modesetting.enable = true;
          powerManagement.enable = cfg.nvidia.powerManagement;
          nvidiaSettings = true;
        };
        fleet.nix-settings.allowUnfree = [
          "nvidia-x11"
          "nvidia-settings"
          "nvidia-persistenced"
        ];
      })

      (lib.mkIf (cfg.gpu == "amd") {
        services.xserver.videoDrivers = [ "amdgpu" ];
        hardware.amdgpu = {
          initrd.enable = true;
          overdrive.enable = cfg.amd.overdrive;
          opencl.enable = cfg.amd.opencl;
        };
      })

      (lib.mkIf (cfg.gpu == "intel") {
        hardware.graphics.extraPackages = [ pkgs.intel-media-driver ];
        environment.sessionVariables.LIBVA_DRIVER_NAME = "iHD";
      })
    ]
  );
}
