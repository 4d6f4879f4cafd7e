# Recursive sets see their own attributes; inherit looks outside.
let
  outer = 1;
in
rec {
  a = 1;
  b = a + outer;
  inherit outer;
  inherit (self) c;
  self = { c = 3; };
  ${toString a} = b;
  nested = rec { d = a; e = d; };
}
