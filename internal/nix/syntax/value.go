package syntax

// StringValue returns the value of a string literal without
// interpolations: escapes decoded and, in an indented string, the
// indentation stripped as Nix 2.8 does. ok is false when the string
// interpolates an expression.
func StringValue(s *String) (value string, ok bool) {
	if s == nil {
		return "", false
	}
	for _, p := range s.Parts {
		if _, interp := p.(*Interp); interp {
			return "", false
		}
	}
	lw := &lowerer{}
	var e lexpr
	if s.Open != nil && s.Open.Kind == TokIndOpen {
		e = lw.indStr(s)
	} else {
		e = lw.dqStr(s)
	}
	switch x := e.(type) {
	case *lStr:
		return x.s, true
	case *lConcat:
		// An indented string whose escapes are separate pieces.
		n := 0
		for _, y := range x.es {
			n += len(y.(*lStr).s)
		}
		b := make([]byte, 0, n)
		for _, y := range x.es {
			b = append(b, y.(*lStr).s...)
		}
		return string(b), true
	}
	return "", false
}
