# The interactive shell, the same on Linux and macOS: zsh with
# autosuggestions and highlighting, a shared history, starship, fzf, zoxide
# and eza.
{ config, lib, ... }:
let
  cfg = config.fleet.shell;
in
{
  options.fleet.shell = {
    enable = lib.mkEnableOption "zsh with the fleet's prompt and tools";

    prompt = lib.mkOption {
      type = lib.types.enum [ "starship" "plain" ];
      default = "starship";
      description = "The prompt: starship, or zsh's own.";
    };

    historySize = lib.mkOption {
      type = lib.types.ints.positive;
      default = 50000;
      description = "Commands kept in the history, shared between open shells.";
    };

    aliases = lib.mkOption {
      type = lib.types.attrsOf lib.types.str;
      default = { };
      example = {
        k = "kubectl";
      };
      description = "Shell aliases, in addition to the fleet's (`ll`, `la`, `..`).";
    };

    extraInit = lib.mkOption {
      type = lib.types.lines;
      default = "";
      description = "Lines run at the end of `.zshrc`.";
    };
  };

  config = lib.mkIf cfg.enable {
    programs.zsh = {
      enable = true;
      enableCompletion = true;
      autosuggestion.enable = true;
      syntaxHighlighting.enable = true;
      history = {
        size = cfg.historySize;
        save = cfg.historySize;
        share = true;
        ignoreDups = true;
        ignoreSpace = true;
        extended = true;
      };
      shellAliases = {
        ".." = "cd ..";
        ll = "eza -l --git";
        la = "eza -la --git";
      }
      // cfg.aliases;
      initContent = lib.mkMerge [
        (lib.mkBefore ''
          # Emacs-style line editing even when EDITOR is vi.
          bindkey -e
        '')
        cfg.extraInit
      ];
    };

    programs.starship = lib.mkIf (cfg.prompt == "starship") {
      enable = true;
      settings = {
        add_newline = false;
        hostname.ssh_only = true;
      };
    };

    programs.fzf.enable = true;
    programs.zoxide.enable = true;
    programs.eza.enable = true;
  };
}
