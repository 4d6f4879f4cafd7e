package syntax

import "strings"

// StringValue returns the value of a string literal without
// interpolations: escapes decoded and, in an indented string, the
// indentation stripped as Nix 2.8 does. ok is false when the string
// interpolates an expression.
func StringValue(s *String) (value string, ok bool) {
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
	var b strings.Builder
	if !appendLiteral(&b, e) {
		return "", false
	}
	return b.String(), true
}

func appendLiteral(b *strings.Builder, e lexpr) bool {
	switch x := e.(type) {
	case *lStr:
		b.WriteString(x.s)
		return true
	case *lConcat:
		for _, y := range x.es {
			if !appendLiteral(b, y) {
				return false
			}
		}
		return true
	}
	return false
}
