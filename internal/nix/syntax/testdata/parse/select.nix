# Selection, defaults, has-attr, quoted and dynamic names.
x: y: [
  x.a
  x.a.b.c
  (x.a or y)
  (x.a.b or y.c)
  (x.a or y.b or x)
  x."a b"
  x."a"
  x.""
  x."${y}"
  x.${y}
  x.${"a"}
  x."${"a"}"
  x.${"a" + y}
  x.or
  x.or.or
  (x.a or x.or)
  (x ? or)
  x . a . b
  (x.a or [ ])
  ({ a = 1; }.a)
  ({ or = 1; }.or)
  ([ 1 ].a or 2)
  ("s".a or 1)
  (x.a or (y))
  (x.a.${y}.c or null)
  (x."if")
  (x."then")
  (x."a.b")
  (x."1a")
  (x."$")
]
