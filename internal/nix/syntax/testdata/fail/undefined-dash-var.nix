(a-b)
