{ lib, ... }:
{
  options.fleet.idioms.extra = lib.mkOption {
    type = lib.types.ints.positive;
    default = 1;
  };
  options.fleet.idioms.computed = lib.genAttrs [ "a" "b" ] (n: lib.mkOption { type = lib.types.str; });
}
