package compose

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Lookup finds the value of a variable for interpolation; ok is false
// when it is unset.
type Lookup func(name string) (value string, ok bool)

// expand interpolates s as compose does: $VAR and ${VAR}, ${VAR:-default}
// and ${VAR-default} (unset or empty, and unset), ${VAR:?message} and
// ${VAR?message} (an error), ${VAR:+other} and ${VAR+other}, and $$ for a
// dollar sign; a '$' that starts none of these stays as it is. A default,
// message or other value is interpolated too. unset lists the variables
// substituted that are not set: compose makes them empty, with a warning.
func expand(s string, lookup Lookup) (out string, unset []string, err error) {
	x := expander{lookup: lookup}
	out, err = x.expand(s)
	return out, x.unset, err
}

type expander struct {
	lookup Lookup
	unset  []string
}

func (x *expander) get(name string) string {
	v, ok := x.lookup(name)
	if !ok {
		x.unset = append(x.unset, name)
	}
	return v
}

func (x *expander) expand(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch n := s[i+1]; {
		case n == '$':
			b.WriteByte('$')
			i += 2
		case n == '{':
			end := closing(s, i+2)
			if end < 0 {
				return "", fmt.Errorf("${ is not closed by }")
			}
			v, err := x.braced(s[i+2 : end])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = end + 1
		case nameStart(n):
			j := i + 2
			for j < len(s) && nameChar(s[j]) {
				j++
			}
			b.WriteString(x.get(s[i+1 : j]))
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// closing returns the index of the '}' that closes a ${ whose body starts
// at from, or -1.
func closing(s string, from int) int {
	depth := 1
	for i := from; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '$':
			i++
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// braced expands the body of ${...}.
func (x *expander) braced(body string) (string, error) {
	j := 0
	for j < len(body) && nameChar(body[j]) {
		j++
	}
	name, rest := body[:j], body[j:]
	if name == "" || !nameStart(name[0]) {
		return "", fmt.Errorf("${%s} does not start with a variable name", describe(body))
	}
	if rest == "" {
		return x.get(name), nil
	}
	v, set := x.lookup(name)
	op := rest[:1]
	if strings.HasPrefix(rest, ":") && len(rest) > 1 {
		op = rest[:2]
	}
	arg := rest[len(op):]
	switch op {
	case ":-", "-":
		if set && (op == "-" || v != "") {
			return v, nil
		}
		return x.expand(arg)
	case ":?", "?":
		if set && (op == "?" || v != "") {
			return v, nil
		}
		msg, err := x.expand(arg)
		if err != nil {
			return "", err
		}
		if msg == "" {
			msg = "it is required"
		}
		return "", fmt.Errorf("variable %s is not set: %s", name, msg)
	case ":+", "+":
		if set && (op == "+" || v != "") {
			return x.expand(arg)
		}
		return "", nil
	}
	return "", fmt.Errorf("${%s}: %q is not one of :- - :? ? :+ +", describe(body), op)
}

func nameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func nameChar(c byte) bool { return nameStart(c) || c >= '0' && c <= '9' }

// ParseEnvFile reads a .env file as compose does: NAME=value lines, blank
// lines and # comments, an optional "export " before the name, values in
// single quotes (as written, \' for a quote) or double quotes (with \n,
// \t, \r, \\ and \" escapes), and unquoted values trimmed, up to a " #"
// comment. Unquoted and double-quoted values are interpolated, from lookup
// and the file's earlier lines (nil: not at all). A line without '='
// sets nothing. The error names the line, never its value.
func ParseEnvFile(data []byte, lookup Lookup) (map[string]string, error) {
	out := map[string]string{}
	vars := func(name string) (string, bool) {
		if lookup != nil {
			if v, ok := lookup(name); ok {
				return v, true
			}
		}
		v, ok := out[name]
		return v, ok
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		if name == "" || !nameStart(name[0]) || strings.IndexFunc(name, func(r rune) bool { return r > 0x7f || !nameChar(byte(r)) }) >= 0 {
			return nil, fmt.Errorf("line %d: %q is not a variable name", line, describe(name))
		}
		value = strings.TrimLeft(value, " \t")
		interpolate := true
		switch {
		case strings.HasPrefix(value, "'"):
			v, ok := unquote(value[1:], '\'')
			if !ok {
				return nil, fmt.Errorf("line %d: the value of %s has no closing '", line, name)
			}
			value, interpolate = v, false
		case strings.HasPrefix(value, `"`):
			v, ok := unquote(value[1:], '"')
			if !ok {
				return nil, fmt.Errorf(`line %d: the value of %s has no closing "`, line, name)
			}
			value = v
		default:
			if i := strings.Index(value, " #"); i >= 0 {
				value = value[:i]
			}
			value = strings.TrimSpace(value)
		}
		if interpolate && lookup != nil {
			v, _, err := expand(value, vars)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", line, err)
			}
			value = v
		}
		out[name] = value
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// unquote reads a quoted value up to its closing quote q: in double
// quotes \n, \t and \r are escapes, and in both a backslash keeps the
// character after it (a quote, a backslash).
func unquote(s string, q byte) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == q:
			return b.String(), true
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; {
			case q == '"' && e == 'n':
				b.WriteByte('\n')
			case q == '"' && e == 't':
				b.WriteByte('\t')
			case q == '"' && e == 'r':
				b.WriteByte('\r')
			case e == q || e == '\\':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
