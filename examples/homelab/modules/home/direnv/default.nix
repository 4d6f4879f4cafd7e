# direnv with nix-direnv: entering a project loads its flake's devShell
# (an .envrc with `use flake`), cached and protected from garbage collection.
{ config, lib, ... }:
let
  cfg = config.fleet.direnv;
in
{
  options.fleet.direnv = {
    enable = lib.mkEnableOption "direnv with nix-direnv";

    silent = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = "Do not print what direnv loads.";
    };

    trustedDirs = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "src/github.com/alex-morgan" ];
      description = ''
        Directories, relative to the home directory, whose `.envrc` files
        load without `direnv allow` (your own repositories only).
      '';
    };

    warnTimeout = lib.mkOption {
      type = lib.types.str;
      default = "30s";
      description = "How long loading may take before direnv says it is still working (first builds of a devShell are slow).";
    };
  };

  config = lib.mkIf cfg.enable {
    programs.direnv = {
      enable = true;
      nix-direnv.enable = true;
      silent = cfg.silent;
      config = {
        global = {
          hide_env_diff = true;
          warn_timeout = cfg.warnTimeout;
        };
        whitelist.prefix = map (d: "${config.home.homeDirectory}/${d}") cfg.trustedDirs;
      };
    };
  };
}
