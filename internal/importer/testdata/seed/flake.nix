{
  description = "Systems flake";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.home-manager.url = "github:nix-community/home-manager/release-24.05";
  inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";
  # nix-darwin under its old name.
  inputs.darwin.url = "github:LnL7/nix-darwin";

  outputs = { self, nixpkgs, home-manager, darwin, ... }@attrs:
    let
      inherit (nixpkgs) lib;
      systems = [ "x86_64-linux" "aarch64-darwin" ];
      forAllSystems = lib.genAttrs systems;
      common = [ ./common/base.nix ];
      withHome = [
        home-manager.nixosModules.home-manager
        {
          home-manager.useGlobalPkgs = true;
          home-manager.users.alex = import ./home/alex.nix;
        }
      ];
      mkNixos = name: extra: lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = attrs;
        modules = common ++ [ ./machines/${name} ] ++ extra;
      };
      mkMac = name: darwin.lib.darwinSystem {
        system = "aarch64-darwin";
        specialArgs = { inherit attrs; };
        modules = [
          ./machines/${name}
          home-manager.darwinModules.home-manager
          { home-manager.users.alex = import ./home/alex.nix; }
        ];
      };
    in
    {
      nixosConfigurations = {
        rich-evans = mkNixos "rich-evans" [ ];
        marshmallow = mkNixos "marshmallow" withHome;
        total-eclipse = mkNixos "total-eclipse" withHome;
        bartleby = mkNixos "bartleby" [ ];
      };
      darwinConfigurations = {
        cronut = mkMac "cronut";
        work-macbook = mkMac "work-macbook";
      };
      formatter = forAllSystems (system: nixpkgs.legacyPackages.${system}.nixfmt-rfc-style);
    };
}
