# macOS preferences: Dock, Finder, keyboard, Touch ID for sudo and the
# application firewall. User-level defaults are written for
# system.primaryUser (set by the site module).
{ config, lib, ... }:
let
  cfg = config.fleet.macos-defaults;

  viewStyles = {
    icon = "icnv";
    list = "Nlsv";
    column = "clmv";
    gallery = "glyv";
  };
in
{
  options.fleet.macos-defaults = {
    enable = lib.mkEnableOption "fleet's macOS preferences";

    dock = {
      autohide = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Hide the Dock until the pointer reaches it.";
      };
      orientation = lib.mkOption {
        type = lib.types.enum [ "bottom" "left" "right" ];
        default = "bottom";
        description = "Screen edge of the Dock.";
      };
      tileSize = lib.mkOption {
        type = lib.types.ints.between 16 128;
        default = 48;
        description = "Size of the Dock's icons, in points.";
      };
      showRecents = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Show recently used apps in the Dock.";
      };
    };

    finder = {
      showAllExtensions = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Always show file name extensions.";
      };
      showPathbar = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Show the path bar at the bottom of Finder windows.";
      };
      defaultView = lib.mkOption {
        type = lib.types.enum [ "icon" "list" "column" "gallery" ];
        default = "column";
        description = "View of new Finder windows.";
      };
    };

    keyboard = {
      keyRepeat = lib.mkOption {
        type = lib.types.ints.positive;
        default = 2;
        description = "Key repeat interval, in 15 ms units (2 is the fastest the settings app offers).";
      };
      initialKeyRepeat = lib.mkOption {
        type = lib.types.ints.positive;
        default = 15;
        description = "Delay before a held key repeats, in 15 ms units.";
      };
      capsLockToEscape = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Make Caps Lock an Escape key.";
      };
    };

    touchIdSudo = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Allow sudo with Touch ID.";
    };

    firewall = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Turn on the application firewall in stealth mode.";
    };

    screenshotDir = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "~/Pictures/Screenshots";
      description = "Where screenshots are saved; `null` keeps the Desktop.";
    };
  };

  config = lib.mkIf cfg.enable {
    system.defaults = {
      dock = {
        autohide = cfg.dock.autohide;
        orientation = cfg.dock.orientation;
        tilesize = cfg.dock.tileSize;
        show-recents = cfg.dock.showRecents;
        mru-spaces = false;
      };
      finder = {
        AppleShowAllExtensions = cfg.finder.showAllExtensions;
        ShowPathbar = cfg.finder.showPathbar;
        FXPreferredViewStyle = viewStyles.${cfg.finder.defaultView};
        FXEnableExtensionChangeWarning = false;
        _FXSortFoldersFirst = true;
      };
      NSGlobalDomain = {
        AppleShowAllExtensions = cfg.finder.showAllExtensions;
        KeyRepeat = cfg.keyboard.keyRepeat;
        InitialKeyRepeat = cfg.keyboard.initialKeyRepeat;
        ApplePressAndHoldEnabled = false;
        NSAutomaticSpellingCorrectionEnabled = false;
        NSDocumentSaveNewDocumentsToCloud = false;
      };
      screencapture.location = lib.mkIf (cfg.screenshotDir != null) cfg.screenshotDir;
    };

    system.keyboard = lib.mkIf cfg.keyboard.capsLockToEscape {
      enableKeyMapping = true;
      remapCapsLockToEscape = true;
    };

    security.pam.services.sudo_local.touchIdAuth = cfg.touchIdSudo;

    networking.applicationFirewall = lib.mkIf cfg.firewall {
      enable = true;
      enableStealthMode = true;
    };
  };
}
