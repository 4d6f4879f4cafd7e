x: x.(a)
