# A module made by a helper in another file, its path built from the
# helper's parameters with lib.setAttrByPath.
{ lib, ... }:
let
  mkBrowserModule = import ./mkBrowserModule.nix;
in
{
  imports = [ (mkBrowserModule { name = "firefox"; }) ];
}
