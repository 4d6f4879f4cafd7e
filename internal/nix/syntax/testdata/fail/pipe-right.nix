x: f: x |> f
