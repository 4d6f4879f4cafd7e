{ fleet, nixpkgs, homeManager, nixDarwin, sopsNix, host, kind }:
let
  lib = (import (nixpkgs + "/lib")).extend (final: prev: {
    nixosSystem = args: import (nixpkgs + "/nixos/lib/eval-config.nix") ({ system = null; } // args);
  });
  missing = name: throw "fleet verify: the ${name} tree is needed by this host: give it with --upstream ${name}=FOLDER";
  inputs = {
    self = outputs;
    nixpkgs = { outPath = nixpkgs; inherit lib; };
    home-manager = if homeManager == "" then missing "home-manager" else {
      outPath = homeManager;
      nixosModules.home-manager = import (homeManager + "/nixos");
      darwinModules.home-manager = import (homeManager + "/nix-darwin");
    };
    nix-darwin = if nixDarwin == "" then missing "nix-darwin" else {
      outPath = nixDarwin;
      # As nix-darwin's flake defines lib.darwinSystem.
      lib.darwinSystem = args: import (nixDarwin + "/eval-config.nix") (
        { inherit lib; }
        // builtins.removeAttrs args [ "system" "pkgs" "inputs" ]
        // {
          modules = args.modules ++ [
            { nixpkgs.source = nixpkgs; system.checks.verifyNixPath = false; }
          ];
        }
      );
    };
    sops-nix = if sopsNix == "" then missing "sops-nix" else {
      outPath = sopsNix;
      nixosModules.sops = import (sopsNix + "/modules/sops");
      darwinModules.sops = import (sopsNix + "/modules/nix-darwin");
    };
    nix-homebrew = { darwinModules.nix-homebrew = { }; };
  };
  outputs = import (fleet + "/generated/outputs.nix") inputs;
in
if kind == "nixos"
then outputs.nixosConfigurations.${host}.config.system.build.toplevel.drvPath
else if kind == "darwin" then outputs.darwinConfigurations.${host}.system.drvPath
else outputs.homeConfigurations.${host}.activationPackage.drvPath
