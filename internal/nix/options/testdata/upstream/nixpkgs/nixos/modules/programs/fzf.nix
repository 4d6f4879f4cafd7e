# Renames made by a helper over a list, and an import fleet cannot read:
# names next to the module's own options are open.
{ lib, ... }:
let
  renamed = name: lib.mkRenamedOptionModule [ "programs" "fzf" name ] [ "programs" "fzf" "widgets" name ];
in
{
  imports = map renamed [ "fileWidgetCommand" "historyWidgetCommand" ] ++ [ (import ./fzf-extra.nix { }) ];
  options.programs.fzf.enable = lib.mkEnableOption "fzf";
  options.programs.fzf.widgets.fileWidgetCommand = lib.mkOption { type = lib.types.str; };
}
