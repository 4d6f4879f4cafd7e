# Identifiers may hold quotes and dashes after the first character.
let
  x' = 1;
  x'' = 2;
  a-b = 3;
  a-b-c = 4;
  _a = 5;
  A'-_9 = 6;
  __x = 7;
  b = 8;
  c = 9;
in
[ (x' + x'') a-b a-b-c _a A'-_9 __x (a-b - b) (b-c: b-c) ]
