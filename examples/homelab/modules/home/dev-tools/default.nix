# The standard development tools, the same on Linux and macOS: search and
# JSON tools, GitHub CLI, an editor, and toolchains per language. Projects
# pin their own versions in a flake devShell (loaded by direnv); these are
# for everything outside a project.
{ config, lib, pkgs, ... }:
let
  cfg = config.fleet.dev-tools;

  toolchains = with pkgs; {
    go = [
      go
      gopls
      gotools
      delve
      golangci-lint
    ];
    rust = [ rustup ];
    python = [
      python3
      uv
      ruff
      pyright
    ];
    node = [
      nodejs
      pnpm
    ];
    nix = [
      nil
      nixfmt
      nix-tree
      nix-output-monitor
    ];
    c = [
      clang-tools
      cmake
      gnumake
    ];
  };
in
{
  options.fleet.dev-tools = {
    enable = lib.mkEnableOption "the standard development tools";

    languages = lib.mkOption {
      type = lib.types.listOf (
        lib.types.enum [
          "go"
          "rust"
          "python"
          "node"
          "nix"
          "c"
        ]
      );
      default = [ "nix" ];
      description = "Languages whose toolchain and language server are installed.";
    };

    editor = lib.mkOption {
      type = lib.types.enum [ "neovim" "helix" ];
      default = "neovim";
      description = "Terminal editor, also set as `EDITOR`.";
    };
  };

  config = lib.mkIf cfg.enable {
    home.packages =
      (with pkgs; [
        ripgrep
        fd
        jq
        yq-go
        just
        shellcheck
        tree
        watchexec
      ])
      ++ lib.concatMap (l: toolchains.${l}) cfg.languages
      ++ lib.optionals pkgs.stdenv.hostPlatform.isLinux [
        pkgs.strace
        pkgs.gdb
      ];

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
