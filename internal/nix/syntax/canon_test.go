package syntax

import (
	"fmt"
	"slices"
	"strings"
)

// canonical rewrites a line of `nix-instantiate --parse` output with the
// bindings of every let and the formals of every lambda sorted, the two
// lists whose order Nix 2.8 takes from its symbol table. It parses the
// output format (Expr::show of Nix 2.8) and fails on anything else.
func canonical(s string) (string, error) {
	c := &canonParser{s: s}
	out, err := c.expr()
	if err == nil && c.i != len(s) {
		err = c.errorf("trailing text")
	}
	return out, err
}

type canonParser struct {
	s string
	i int
}

type canonError struct{ msg string }

func (e *canonError) Error() string { return e.msg }

func (c *canonParser) errorf(format string, args ...any) error {
	ctx := c.s[c.i:]
	if len(ctx) > 40 {
		ctx = ctx[:40]
	}
	return &canonError{fmt.Sprintf("offset %d (%q): %s", c.i, ctx, fmt.Sprintf(format, args...))}
}

func (c *canonParser) has(p string) bool { return strings.HasPrefix(c.s[c.i:], p) }

func (c *canonParser) eat(p string) error {
	if !c.has(p) {
		return c.errorf("expected %q", p)
	}
	c.i += len(p)
	return nil
}

func (c *canonParser) expr() (string, error) {
	switch {
	case c.has("assert "):
		c.i += len("assert ")
		cond, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat("; "); err != nil {
			return "", err
		}
		body, err := c.expr()
		return "assert " + cond + "; " + body, err
	case c.has("(let "):
		return c.let()
	case c.has("({ ") && c.formalsAhead():
		return c.formalsLambda()
	case c.has("rec { "), c.has("{ "):
		return c.attrs()
	case c.has("[ "):
		return c.list()
	case c.has(`"`):
		return c.str()
	case c.has("("):
		if c.simpleLambdaAhead() {
			start := c.i
			c.i = strings.Index(c.s[c.i:], ": ") + c.i + 2
			head := c.s[start:c.i]
			body, err := c.expr()
			if err != nil {
				return "", err
			}
			return head + body + ")", c.eat(")")
		}
		return c.group()
	}
	return c.atom()
}

// atom reads an integer, float, path or variable.
func (c *canonParser) atom() (string, error) {
	start := c.i
	for c.i < len(c.s) && !strings.ContainsRune(" ;)]},", rune(c.s[c.i])) {
		c.i++
	}
	if c.i == start {
		return "", c.errorf("expected an expression")
	}
	return c.s[start:c.i], nil
}

func (c *canonParser) str() (string, error) {
	start := c.i
	c.i++
	for c.i < len(c.s) {
		switch c.s[c.i] {
		case '\\':
			c.i += 2
			continue
		case '"':
			c.i++
			return c.s[start:c.i], nil
		}
		c.i++
	}
	return "", c.errorf("unterminated string")
}

// name reads an attribute name: an identifier, a quoted string or a
// dynamic "${e}".
func (c *canonParser) name() (string, error) {
	if c.has(`"${`) {
		c.i += 3
		e, err := c.expr()
		if err != nil {
			return "", err
		}
		return `"${` + e + `}"`, c.eat(`}"`)
	}
	if c.has(`"`) {
		return c.str()
	}
	start := c.i
	for c.i < len(c.s) && isIDChar(c.s[c.i]) {
		c.i++
	}
	if c.i == start {
		return "", c.errorf("expected a name")
	}
	return c.s[start:c.i], nil
}

func (c *canonParser) attrPath() (string, error) {
	var b strings.Builder
	for {
		n, err := c.name()
		if err != nil {
			return "", err
		}
		b.WriteString(n)
		if !c.has(".") {
			return b.String(), nil
		}
		c.i++
		b.WriteByte('.')
	}
}

// group reads the parenthesized forms: calls, binary operators, string
// concatenations, with, if, not, has-attr, and selections (e).a or (d).
func (c *canonParser) group() (string, error) {
	var b strings.Builder
	switch {
	case c.has("(with "):
		c.i += len("(with ")
		env, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat("; "); err != nil {
			return "", err
		}
		body, err := c.expr()
		if err != nil {
			return "", err
		}
		b.WriteString("(with " + env + "; " + body)
	case c.has("(if "):
		c.i += len("(if ")
		cond, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat(" then "); err != nil {
			return "", err
		}
		t, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat(" else "); err != nil {
			return "", err
		}
		e, err := c.expr()
		if err != nil {
			return "", err
		}
		b.WriteString("(if " + cond + " then " + t + " else " + e)
	case c.has("(! "):
		c.i += len("(! ")
		e, err := c.expr()
		if err != nil {
			return "", err
		}
		b.WriteString("(! " + e)
	default:
		c.i++
		b.WriteByte('(')
		first, err := c.expr()
		if err != nil {
			return "", err
		}
		b.WriteString(first)
	loop:
		for {
			switch {
			case c.has(")"):
				break loop
			case c.has(" ? "):
				c.i += 3
				p, err := c.attrPath()
				if err != nil {
					return "", err
				}
				b.WriteString(" ? " + p)
				continue
			}
			op := ""
			for _, o := range []string{" + ", " == ", " != ", " && ", " || ", " -> ", " // ", " ++ "} {
				if c.has(o) {
					op = o
					break
				}
			}
			if op == "" {
				op = " "
				if !c.has(op) {
					return "", c.errorf("expected an operator, an argument or ')'")
				}
			}
			c.i += len(op)
			x, err := c.expr()
			if err != nil {
				return "", err
			}
			b.WriteString(op + x)
		}
	}
	if err := c.eat(")"); err != nil {
		return "", err
	}
	b.WriteByte(')')
	if c.has(".") {
		c.i++
		p, err := c.attrPath()
		if err != nil {
			return "", err
		}
		b.WriteString("." + p)
		if c.has(" or (") {
			c.i += len(" or ")
			d, err := c.expr()
			if err != nil {
				return "", err
			}
			b.WriteString(" or " + d)
		}
	}
	return b.String(), nil
}

func (c *canonParser) list() (string, error) {
	c.i += 2
	var b strings.Builder
	b.WriteString("[ ")
	for !c.has("]") {
		e, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat(" "); err != nil {
			return "", err
		}
		b.WriteString(e + " ")
	}
	c.i++
	b.WriteString("]")
	return b.String(), nil
}

func (c *canonParser) attrs() (string, error) {
	var b strings.Builder
	if c.has("rec ") {
		c.i += 4
		b.WriteString("rec ")
	}
	c.i += 2
	b.WriteString("{ ")
	for !c.has("}") {
		if c.has("inherit ") {
			c.i += len("inherit ")
			n, err := c.name()
			if err != nil {
				return "", err
			}
			if err := c.eat(" ; "); err != nil {
				return "", err
			}
			b.WriteString("inherit " + n + " ; ")
			continue
		}
		n, err := c.name()
		if err != nil {
			return "", err
		}
		if err := c.eat(" = "); err != nil {
			return "", err
		}
		v, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat("; "); err != nil {
			return "", err
		}
		b.WriteString(n + " = " + v + "; ")
	}
	c.i++
	b.WriteString("}")
	return b.String(), nil
}

func (c *canonParser) let() (string, error) {
	c.i += len("(let ")
	var items []string
	for !c.has("in ") {
		if c.has("inherit ") {
			c.i += len("inherit ")
			n, err := c.name()
			if err != nil {
				return "", err
			}
			if err := c.eat("; "); err != nil {
				return "", err
			}
			items = append(items, "inherit "+n+"; ")
			continue
		}
		n, err := c.name()
		if err != nil {
			return "", err
		}
		if err := c.eat(" = "); err != nil {
			return "", err
		}
		v, err := c.expr()
		if err != nil {
			return "", err
		}
		if err := c.eat("; "); err != nil {
			return "", err
		}
		items = append(items, n+" = "+v+"; ")
	}
	c.i += len("in ")
	body, err := c.expr()
	if err != nil {
		return "", err
	}
	if err := c.eat(")"); err != nil {
		return "", err
	}
	slices.Sort(items)
	return "(let " + strings.Join(items, "") + "in " + body + ")", nil
}

// formalsAhead tells, at "({ ", formals from an attribute set that is the
// first element of a group.
func (c *canonParser) formalsAhead() bool {
	rest := c.s[c.i+3:]
	switch {
	case strings.HasPrefix(rest, " }"), strings.HasPrefix(rest, "..."):
		return true
	case strings.HasPrefix(rest, `"`), strings.HasPrefix(rest, "inherit "), strings.HasPrefix(rest, "}"):
		return false
	}
	j := 0
	for j < len(rest) && isIDChar(rest[j]) {
		j++
	}
	rest = rest[j:]
	return strings.HasPrefix(rest, ", ") || strings.HasPrefix(rest, " ? ") || strings.HasPrefix(rest, " }")
}

func (c *canonParser) simpleLambdaAhead() bool {
	j := c.i + 1
	for j < len(c.s) && isIDChar(c.s[j]) {
		j++
	}
	return j > c.i+1 && strings.HasPrefix(c.s[j:], ": ")
}

func (c *canonParser) formalsLambda() (string, error) {
	c.i += len("({ ")
	var items []string
	ellipsis := false
	for !c.has(" }") {
		if len(items) > 0 || ellipsis {
			if err := c.eat(", "); err != nil {
				return "", err
			}
		}
		if c.has("...") {
			c.i += 3
			ellipsis = true
			continue
		}
		n, err := c.name()
		if err != nil {
			return "", err
		}
		if c.has(" ? ") {
			c.i += 3
			d, err := c.expr()
			if err != nil {
				return "", err
			}
			n += " ? " + d
		}
		items = append(items, n)
	}
	c.i += 2
	slices.Sort(items)
	if ellipsis {
		items = append(items, "...")
	}
	head := "({ " + strings.Join(items, ", ") + " }"
	if c.has(" @ ") {
		c.i += 3
		n, err := c.name()
		if err != nil {
			return "", err
		}
		head += " @ " + n
	}
	if err := c.eat(": "); err != nil {
		return "", err
	}
	body, err := c.expr()
	if err != nil {
		return "", err
	}
	return head + ": " + body + ")", c.eat(")")
}
