x: f: f <| x
