# Application: calls flatten, also into desugared operators.
f: g: a: b: [
  (f a)
  (f a b)
  ((f a) b)
  (((f a) b) a)
  (f (g a))
  (f (g a) b)
  ((a - b) f)
  ((a * b) f g)
  ((a < b) f)
  ((a > b) f)
  ((a <= b) f)
  ((-a) f)
  (<nixpkgs> f)
  (f [ a b ])
  (f { a = 1; })
  (f rec { a = 1; })
  (f let { body = 1; })
  (f a.b)
  (f a.b or b)
  (f "s")
  (f ''s'')
  (f ./p)
  (f 1 2.5)
  (f http://x.org)
  [ f a ]
  [ (f a) ]
  [ a.b f ]
  [ f.a or g b ]
  [ (-1) ]
  ((x: x) 1)
  ((f) (a))
  (builtins.map f [ a ])
]
