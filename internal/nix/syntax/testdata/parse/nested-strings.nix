# Strings inside interpolations of strings, indented ones included.
x: [
  ''
    outer ${''
        inner ${x}
          more
      ''} after
      ${"dq ${''ind''} dq"}
    end
  ''
  "a ${''
    b
  ''} c"
  ''
    ${''${''${x}''}''}
  ''
]
