{
  description = "@name@: a Go module";

  # The fleet's nixpkgs: the same tools as on the dev machines.
  # `fleet new project` pins the revision the fleet has locked.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { nixpkgs, ... }:
    let
      # toolset.nix is written by fleet (toolsets/go.toml): the systems of
      # the fleet's dev machines and the dev shell's packages on each.
      toolset = import ./toolset.nix;
      forAllSystems =
        f: nixpkgs.lib.genAttrs toolset.systems (system: f system nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (
        system: pkgs: {
          default = pkgs.mkShell {
            packages = toolset.packages.${system} pkgs;
            # Static binaries by default; set to 1 for cgo.
            env.CGO_ENABLED = "0";
          };
        }
      );

      formatter = forAllSystems (system: pkgs: pkgs.nixfmt);
    };
}
