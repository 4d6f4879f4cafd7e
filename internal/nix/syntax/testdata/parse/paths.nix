# Path literals, resolved against the file's directory; ~ against $HOME.
x: [
  ./a
  ./a/b.nix
  ./.
  ./a/./b/../c
  a/b
  a/b/c.nix
  1/2
  a-/b
  .a/b
  ../b
  ../../..
  /abs/path
  /a/../..
  /.
  ~/home/file
  ~/a/../b
  <nixpkgs>
  <nixpkgs/lib>
  <a.b-c_d+e/f>
  ./a-${x}.nix
  ./${x}
  ./${x}/b
  a/${x}
  ./a/${x}/b/${x}
  /${x}/x
  ~/${x}
  ~/a/${x}
  ./foo${x}
  ./foo${x}bar/${x}.baz
  (./a + "/b")
  (./a)
  (<nixpkgs> + "/lib")
  (x ./a)
]
