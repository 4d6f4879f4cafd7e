# Package options in their several forms.
{ lib, pkgs, ... }:
{
  options.fleet.tools = {
    editor = lib.mkPackageOption pkgs "neovim" { };
    formatter = lib.mkPackageOption pkgs [ "python3Packages" "black" ] { };
    shell = lib.mkPackageOption pkgs "zsh" {
      default = [ "zsh" ];
      example = [ "fish" ];
      extraDescription = "Used as the login shell.";
    };
    browser = lib.mkPackageOption pkgs "firefox" {
      nullable = true;
      default = null;
    };
    extra = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = with pkgs; [ git htop ];
    };
  };
}
