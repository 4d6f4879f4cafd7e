# Names of Nix's base environment need no binding.
[
  true false null builtins import map toString throw abort
  derivation baseNameOf dirOf isNull removeAttrs placeholder scopedImport
  fetchTarball fetchGit fromTOML
  __add __sub __mul __div __lessThan __currentSystem __nixPath __findFile
  __storeDir __nixVersion __langVersion __currentTime __toJSON __foldl'
  builtins.length (builtins.map (x: x) [ ])
]
