# Stand-in for nixpkgs' nixos/modules/misc/assertions.nix, which
# home-manager imports from pkgs.path: the same two options.
{ lib, ... }:
{
  options.assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; internal = true; };
  options.warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; internal = true; };
}
