{ pkgs, ... }:
{
  imports = [ ./nix.nix ];
  time.timeZone = "America/New_York";
}
