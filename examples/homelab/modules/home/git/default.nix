# Git with the person's identity, SSH commit signing and delta as the diff
# pager. Identity lives in users/<user>/user.toml; a host can override the
# email (the work MacBook commits as the work address).
{ config, lib, ... }:
let
  cfg = config.fleet.git;
in
{
  options.fleet.git = {
    enable = lib.mkEnableOption "git with the fleet's defaults";

    name = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "Author name of commits.";
    };

    email = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "Author email of commits.";
    };

    defaultBranch = lib.mkOption {
      type = lib.types.str;
      default = "main";
      description = "Branch `git init` creates.";
    };

    pullRebase = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Rebase local commits on `git pull` instead of merging.";
    };

    aliases = lib.mkOption {
      type = lib.types.attrsOf lib.types.str;
      default = { };
      example = {
        st = "status --short";
      };
      description = "Git aliases.";
    };

    ignores = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [
        ".direnv/"
        "result"
        ".DS_Store"
      ];
      description = "Patterns every repository ignores.";
    };

    signing = {
      sshKey = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        example = ".ssh/id_ed25519.pub";
        description = "Public SSH key that signs commits, relative to the home directory; `null` signs nothing.";
      };

      signByDefault = lib.mkOption {
        type = lib.types.bool;
        default = false;
        description = "Sign every commit and tag.";
      };
    };

    delta = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = "Show diffs through delta (syntax highlighting, side by side).";
    };
  };

  config = lib.mkIf cfg.enable {
    programs.git = {
      enable = true;
      inherit (cfg) ignores;
      settings = {
        user = lib.filterAttrs (_: v: v != null) {
          inherit (cfg) name email;
        };
        init.defaultBranch = cfg.defaultBranch;
        pull.rebase = cfg.pullRebase;
        push.autoSetupRemote = true;
        rerere.enabled = true;
        alias = cfg.aliases;
      };
      signing = lib.mkIf (cfg.signing.sshKey != null) {
        format = "ssh";
        key = "${config.home.homeDirectory}/${cfg.signing.sshKey}";
        signByDefault = cfg.signing.signByDefault;
      };
    };

    programs.delta = lib.mkIf cfg.delta {
      enable = true;
      enableGitIntegration = true;
      options.navigate = true;
    };
  };
}
