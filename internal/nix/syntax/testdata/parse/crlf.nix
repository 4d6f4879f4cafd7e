# A file with CR LF line endings.
let
  a = "x
yz";
  b = ''
    line one
    line two
  '';
  c = ''
    lf then
    crlf
  '';
in
[ a b c ]
