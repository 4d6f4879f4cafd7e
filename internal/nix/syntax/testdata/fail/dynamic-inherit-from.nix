x: { inherit (x) "${x}"; }
