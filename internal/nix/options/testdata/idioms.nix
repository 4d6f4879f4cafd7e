# The declaration idioms of real modules: extended declarations, names
# bound in let, local helpers, joined option sets, imports from the
# module's folder, types from inherit and let-bound sets.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption mkEnableOption types;
  inherit (lib.types) nonEmptyStr port;
  myTypes = {
    name = types.strMatching "[a-z][a-z0-9-]*";
    level = types.enum [ "debug" "info" ];
  };
  defaultPort = 8080;
  mkPort = d: mkOption { type = port; default = d; description = "A port."; };
  mkOpt = type: description: mkOption { type = types.nullOr type; default = null; inherit description; };
  mkStrOpt = { default ? "", description }: mkOption { type = types.str; inherit default description; };
  logOpt = mkOption { type = myTypes.level; default = "info"; };
  common = {
    user = mkOption { type = nonEmptyStr; default = "idioms"; };
  };
  scrape = types.submodule {
    options = {
      job_name = mkOpt types.str "Job name.";
      interval = mkOpt (let t = types.ints.positive; in t) "Seconds.";
    };
  };
in
{
  imports = [ ./idioms/extra.nix ];

  options.fleet.idioms = {
    enable = mkEnableOption "idioms" // { default = true; };
    verbose = mkOption { type = types.bool; } // { default = false; description = "Talk more."; };
    port = mkPort 9000;
    adminPort = mkPort defaultPort;
    label = mkOpt types.str "A label.";
    title = mkStrOpt { description = "Title."; };
    log = logOpt;
    host = mkOption { type = myTypes.name; default = "web-1"; };
    line = mkOption { type = with types; let s = singleLineStr; in s; default = "one line"; };
    scrapes = mkOption { type = types.listOf scrape; default = [ ]; };
  } // common // lib.recursiveUpdate { extraA = mkPort 1; } { extraB = mkPort 2; };

  config = lib.mkIf config.fleet.idioms.enable { };
}
