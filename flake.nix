{
  description = "fleet: manage NixOS, nix-darwin and home-manager machines as one systems flake";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      # The commit fleet --version names: the flake's revision, or "dirty"
      # for a work tree with changes.
      rev = self.rev or self.dirtyRev or null;
    in
    {
      # nixpkgs.overlays = [ fleet.overlays.default ] makes pkgs.fleet.
      overlays.default = final: _prev: {
        fleet = final.callPackage ./nix/package.nix { inherit rev; };
      };

      packages = forAllSystems (pkgs: rec {
        fleet = pkgs.callPackage ./nix/package.nix { inherit rev; };
        default = fleet;
      });

      # nix run github:fleetdev/fleet -- check
      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.fleet}/bin/fleet";
        };
      });
    };
}
