a: a ? b or c
