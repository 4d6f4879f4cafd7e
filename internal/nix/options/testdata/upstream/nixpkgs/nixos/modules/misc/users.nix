# attrsOf submodule (users.users.<name>.*), a submodule in its own file.
{ lib, ... }:
{
  options.users.users = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ./user-options.nix);
    default = { };
  };
}
