# Stand-in for nixpkgs' modules/generic/meta-maintainers.nix (imported by
# nixpkgs.lib's lib/services/service.nix): meta.maintainers.
{ lib, ... }:
{
  options.meta.maintainers = lib.mkOption { type = lib.types.listOf lib.types.raw; default = [ ]; internal = true; };
}
