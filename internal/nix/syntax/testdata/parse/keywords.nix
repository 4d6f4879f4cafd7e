# Keywords are reserved; "or" is also an attribute name.
let
  s = {
    or = 1;
    "if" = 2;
    "then" = 3;
    "else" = 4;
    "assert" = 5;
    "with" = 6;
    "let" = 7;
    "in" = 8;
    "rec" = 9;
    "inherit" = 10;
    "true" = 11;
    ifx = 12;
    inx = 13;
    or' = 14;
    orange = 15;
    letter = 16;
    rec-x = 17;
  };
in
[ s.or s."if" s."then" s."else" s."assert" s."with" s."let" s."in" s."rec" s."inherit" s.ifx s.inx s.or' s.orange s.letter s.rec-x (s ? or) (s ? "if") (s.or or s.or) ]
