# let in all its forms, and the legacy let { body = ...; }.
let
  a = 1;
  b = a + 1;
  inherit (builtins) length;
  c.d = 2;
  c.e = 3;
  ${"f"} = 4;
  or = 5;
  "quoted name" = 6;
  g = let inner = b; in inner;
  h = let in 7;
  legacy = let { x = 1; body = x; };
  legacyMore = let { body = y; y = 2; };
  i = let inherit a; in a;
  j = x: let y = x; in y;
in
[ a b length c f or g h legacy legacyMore i j ]
