// Package build owns the Nix that fleet writes: a small model of Nix
// expressions (strings, indented strings, paths, attribute sets with
// nested paths, lists, let, functions, calls, selects, comments and
// syntax-checked raw source) and the one printer that lays them out the
// way nixfmt does.
//
// Every package that emits Nix (generation, import rewrites, project
// templates, containers, VM tests) builds values with this package instead
// of concatenating strings, so that escaping is decided in one place:
//
//   - String values print as double-quoted or indented strings that Nix
//     reads back as exactly the same bytes; `${` never becomes an
//     interpolation and two single quotes never close a string early.
//   - Attribute names print bare when they are identifiers and quoted
//     otherwise (AttrName, AttrPath).
//   - Paths print as path literals when every segment is made of path
//     characters, and as `./. + "/rest"` otherwise (Path).
//   - Comments are split into lines, so no text can end a comment and
//     become code.
//   - Raw source is syntax-checked before it is accepted (Raw).
//
// What Nix cannot represent is refused by File and Print with an error
// (a NUL byte in a string, a name or a comment; a string over MaxString
// bytes), never printed wrongly. Callers that read user input validate it
// first with Validate, so that the refusal carries the input's position.
package build
