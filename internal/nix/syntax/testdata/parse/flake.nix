{
  description = "A systems flake";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    home-manager = {
      url = "github:nix-community/home-manager/release-24.05";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, home-manager, ... }@inputs:
    let
      systems = [ "x86_64-linux" "aarch64-darwin" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      nixosConfigurations.host = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit inputs; };
        modules = [ ./hosts/host ./modules/nixos/monitoring home-manager.nixosModules.home-manager ];
      };
      devShells = forAll (pkgs: { default = pkgs.mkShell { packages = [ pkgs.go ]; }; });
      checks.x86_64-linux.host = self.nixosConfigurations.host.config.system.build.toplevel;
      rev = self.rev or self.dirtyRev or null;
    };
}
