# Stand-in for nixpkgs' nixos/modules/misc/meta.nix, which home-manager
# imports from pkgs.path: meta is open.
{ lib, ... }:
{
  options.meta = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; internal = true; };
}
