# A graphical workstation: Plasma or GNOME on Wayland, PipeWire audio,
# NetworkManager, printing, Bluetooth and firmware updates.
{ config, lib, ... }:
let
  cfg = config.fleet.desktop;
  plasma = cfg.environment == "plasma";
  gnome = cfg.environment == "gnome";
in
{
  options.fleet.desktop = {
    enable = lib.mkEnableOption "the graphical desktop";

    environment = lib.mkOption {
      type = lib.types.enum [ "plasma" "gnome" ];
      default = "plasma";
      description = "Desktop environment: KDE Plasma 6 with SDDM, or GNOME with GDM.";
    };

    autoSuspend = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Let the machine suspend when idle. Off on machines that download or
        serve overnight (the gaming PC): the sleep targets are then disabled
        system-wide.
      '';
    };

    printing = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Run CUPS and discover network printers.";
    };

    bluetooth = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Enable Bluetooth.";
    };
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        services.displayManager.sddm = lib.mkIf plasma {
          enable = true;
          wayland.enable = true;
        };
        services.desktopManager.plasma6.enable = plasma;

        services.displayManager.gdm = lib.mkIf gnome {
          enable = true;
          autoSuspend = cfg.autoSuspend;
        };
        services.desktopManager.gnome.enable = gnome;

        services.pulseaudio.enable = false;
        security.rtkit.enable = true;
        services.pipewire = {
          enable = true;
          alsa.enable = true;
          alsa.support32Bit = true;
          pulse.enable = true;
        };

        networking.networkmanager.enable = true;
        users.users.${config.fleet.site.primaryUser}.extraGroups = [ "networkmanager" ];

        services.printing.enable = cfg.printing;
        services.avahi = lib.mkIf cfg.printing {
          enable = true;
          nssmdns4 = true;
        };
        hardware.bluetooth.enable = cfg.bluetooth;
        services.fwupd.enable = true;
      }

      (lib.mkIf (!cfg.autoSuspend) {
        systemd.targets = {
          sleep.enable = false;
          suspend.enable = false;
          hibernate.enable = false;
          hybrid-sleep.enable = false;
        };
      })
    ]
  );
}
