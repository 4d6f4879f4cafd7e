# The development setup around the tools: the GitHub CLI and a terminal
# editor, the same on Linux and macOS. The tools themselves are toolsets
# (toolsets/*.toml), which fleet installs as home packages on every dev
# machine and puts in the dev shells of the project templates, from the
# same nixpkgs. Projects pin their own shell (loaded by direnv).
{ config, lib, ... }:
let
  cfg = config.fleet.dev-tools;
in
{
  options.fleet.dev-tools = {
    enable = lib.mkEnableOption "the GitHub CLI and the terminal editor";

    editor = lib.mkOption {
      type = lib.types.enum [ "neovim" "helix" ];
      default = "neovim";
      description = "Terminal editor, also set as `EDITOR`.";
    };
  };

  config = lib.mkIf cfg.enable {
    programs.gh = {
      enable = true;
      settings.git_protocol = "ssh";
    };

    programs.neovim = lib.mkIf (cfg.editor == "neovim") {
      enable = true;
      defaultEditor = true;
      viAlias = true;
      vimAlias = true;
    };

    programs.helix = lib.mkIf (cfg.editor == "helix") {
      enable = true;
      defaultEditor = true;
    };
  };
}
