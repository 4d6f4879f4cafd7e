let a = with {}; b; in b
