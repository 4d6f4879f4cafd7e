# "or" after an expression that is not a selection calls it with a
# variable named or (kept by Nix for a nixpkgs function of that name).
let
  or = x: x;
  f = x: x;
  g = x: y: x;
  a = { b = 1; };
in
[
  (f or)
  (f or g)
  (g f or)
  [ f or ]
  [ a or f ]
  (a.b or f or g)
  ((f a) or)
  ((f or) a)
]
