// Package devenv owns development environments: project templates
// (templates/<name>/ with template.toml), the dev shells' toolsets, and
// the projects written from templates.
//
// A template is a folder copied into a new project: a flake.nix whose
// devShells cover every system the fleet's dev machines run, an .envrc
// (`use flake`) for direnv, a README and what the language needs. Its
// template.toml holds the description and the toolsets of the dev shell;
// fleet generates toolset.nix next to it, the toolsets' packages per
// system, so that the shell gets the same packages home-manager installs
// on the dev machines (toolsets/*.toml, resolved by package eval), from
// the same pinned nixpkgs.
//
// Entry points:
//
//   - Files renders every template's toolset.nix (written by fleet
//     generate); Description gives a template's description for the
//     flake's templates output.
//   - Check reports templates without .envrc or description, Nix that
//     does not parse, unknown toolsets, and inputs that disagree with the
//     fleet's pins.
//   - New plans a project from a template (placeholders filled, nixpkgs
//     pinned to the fleet's locked revision); Create writes it without
//     overwriting anything.
package devenv
