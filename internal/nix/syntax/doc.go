// Package syntax owns fleet's reading of Nix source: a lexer that follows
// the states and token classes of Nix's own lexer, a parser for the whole
// language that recovers from errors and reports each with its position, and
// a lossless syntax tree: every byte of the input, comments and whitespace
// included, belongs to exactly one token of the tree, so printing the tree
// gives back the input byte for byte.
//
// On top of the tree the package provides the checks Nix performs while
// parsing (duplicate attributes and formals, dynamic attributes where they
// are not allowed, undefined variables), a printer of the format of
// `nix-instantiate --parse` of Nix 2.8 (ShowParse) used by `fleet nix parse`
// and by differential tests, and a small query API over attribute-path
// definitions for lint and refactoring.
//
// Entry points:
//
//   - Parse parses a file (any Nix expression) and returns its tree and its
//     syntax errors; Options.Parse accepts the pipe operators on request.
//   - CheckExpr syntax-checks a standalone expression embedded elsewhere,
//     such as an { expr = "..." } value in TOML, with positions relative to
//     where it is embedded.
//   - Check reports everything `nix-instantiate --parse` of Nix 2.8 would
//     reject, including undefined variables; generators run it on the files
//     they write.
//   - (*File).ShowParse prints the `--parse` form; (*File).Bytes prints the
//     tree back; (*File).Text and NodePos give a node's source and position.
//   - (*File).ModuleDefinitions and Definitions list attribute-path
//     definitions with their positions and source text.
//   - A Parser parses many files in turn, reusing its memory (fleet nix
//     parse); each File it returns is valid until its next call.
//
// The tree is made of typed nodes (Let, AttrSet, Select, ...) that hold their
// tokens; Inspect walks nodes and Tokens walks tokens, both in source order.
package syntax
