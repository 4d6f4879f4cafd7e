x: y: x @ y
