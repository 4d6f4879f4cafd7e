x: /a/ + x
