// Package options owns what fleet knows of a Nix module without evaluating
// it: the options the module declares (lib.mkOption, mkEnableOption,
// mkPackageOption, nested and dotted forms), each with its attribute path,
// type, default, description, example and position. Types it cannot read
// statically become Unknown with a note; extraction never fails on valid Nix.
package options
