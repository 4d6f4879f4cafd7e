# Indented strings: indentation stripping and their escapes.
x: [
  ''''
  ''a''
  ''
    one line
  ''
  ''
    first
      indented
    last''
  ''
      deeper first
    shallower
  ''
  ''
    a

    b
  ''
  ''
    trailing spaces are kept   
  ''
  ''
    interpolated ${x} inside
    ${x} at the start
  ''
  ''
    ${x}''
  ''${x}''
  ''a${x}''
  ''
    escapes: ''$ ''' ''\n ''\t ''\r ''\'' ''\x
  ''
  ''
    not interpolated: ''${x}
  ''
  ''
    dollar $ alone, $x, $$, '' ''' quote ' and 'x
  ''
  ''a'$b''
  ''a''\nb''
  ''
      ''\n  after escape
    line
  ''
  ''   
    opener with spaces
  ''
  ''  text on first line
    next
  ''
  ''
	tab indented
	  lines
  ''
  ''
  ''
  ''


  ''
  ''
    a ${x} b ${x}
      c
  ''
  ''
    last line without newline''
  ''
    ends with spaces
    ''
  ''x ${x}
    ''
]
