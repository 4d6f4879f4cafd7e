# Stand-in for nixpkgs' portable systemd service module, which
# home-manager's modular services import from pkgs.path: systemd is open.
{ lib, ... }:
{
  options.systemd = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
}
