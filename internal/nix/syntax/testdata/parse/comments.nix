# A line comment.
/* A block comment. */
/* Block comments /* do not nest. */
/**/
/***/
/** doc comment */
{
  # inside a set
  a = /* inline */ 1; # after
  b /* between */ = /**/ 2;
  c = "# not a comment";
  d = "/* not a comment */";
  e = ''
    # kept in the string
  '';
  f = [
    1 # one
    2 /* two */
  ];
  /* before */ g = 3;
  h = 4;/*end*/
  i = x: /* body */ x;
  j = ./a /* after a path */;
  # /* line comment with block inside */
  k = 1 /*
  multi
  line
  */ + 2;
  l = 2/**/;
  m = 6 /* a * b */ * 7;
}
# A comment at the end without a newline