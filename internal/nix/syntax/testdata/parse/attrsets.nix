# Attribute sets: sorting, nested paths merging, rec, dynamic names,
# inherit, and names that need quotes when printed.
x: {
  z = 1;
  a = 2;
  B = 3;
  _c = 4;
  "d e" = 5;
  "" = 6;
  "1a" = 7;
  "if" = 8;
  "then" = 9;
  "with\nnewline" = 10;
  "$dollar" = 11;
  nested.deep.path = 13;
  nested.deep.other = 14;
  nested.shallow = 15;
  merged = { a = 1; };
  merged.b = 2;
  mergedTwice = { a = 1; };
  mergedTwice = { b = 2; };
  recMerged = rec { a = 1; };
  recMerged.b = a;
  pathFirst.a = 1;
  pathFirst = rec { b = 2; ${x} = 3; };
  ${x} = 16;
  "${x}" = 17;
  ${x}.sub = 18;
  "${x}-suffix" = 19;
  ${"static"} = 20;
  "${"static2"}" = 21;
  ${''static3''} = 22;
  "quoted".path = 23;
  ${"xx"}.${"yy"} = 24;
  empty = { };
  emptyRec = rec { };
  inherit x;
  inherit ({ p = 1; q = 2; }) p q;
  inherit ({ or = 1; }) or;
  inherit ({ "r s" = 1; }) "r s";
  list = [ { a = 1; } { } ];
}
