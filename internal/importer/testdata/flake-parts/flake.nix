{
  description = "flake-parts systems";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    nix-darwin.url = "github:LnL7/nix-darwin";
  };

  outputs = inputs@{ flake-parts, nixpkgs, nix-darwin, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" "aarch64-darwin" ];
      perSystem = { pkgs, ... }: {
        devShells.default = pkgs.mkShell { packages = [ pkgs.nixfmt-rfc-style ]; };
      };
      flake = {
        nixosConfigurations.atlas = nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          modules = [ ./hosts/atlas/configuration.nix ];
        };
        darwinConfigurations.mini = nix-darwin.lib.darwinSystem {
          modules = [
            ./hosts/mini/configuration.nix
            { nixpkgs.hostPlatform = "aarch64-darwin"; }
          ];
        };
      };
    };
}
