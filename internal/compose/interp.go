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
// dollar sign. A default, message or other value is interpolated too.
func expand(s string, lookup Lookup) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("a '$' ends the value: write $$ for a dollar sign")
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
			v, err := braced(s[i+2:end], lookup)
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
			v, _ := lookup(s[i+1 : j])
			b.WriteString(v)
			i = j
		default:
			return "", fmt.Errorf("'$' is followed by %q, not a variable name: write $$ for a dollar sign", s[i+1:i+2])
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
func braced(body string, lookup Lookup) (string, error) {
	j := 0
	for j < len(body) && nameChar(body[j]) {
		j++
	}
	name, rest := body[:j], body[j:]
	if name == "" || !nameStart(name[0]) {
		return "", fmt.Errorf("${%s} does not start with a variable name", describe(body))
	}
	v, set := lookup(name)
	if rest == "" {
		return v, nil
	}
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
		return expand(arg, lookup)
	case ":?", "?":
		if set && (op == "?" || v != "") {
			return v, nil
		}
		msg, err := expand(arg, lookup)
		if err != nil {
			return "", err
		}
		if msg == "" {
			msg = "it is required"
		}
		return "", fmt.Errorf("variable %s is not set: %s", name, msg)
	case ":+", "+":
		if set && (op == "+" || v != "") {
			return expand(arg, lookup)
		}
		return "", nil
	}
	return "", fmt.Errorf("${%s}: %q is not one of :- - :? ? :+ +", describe(body), op)
}

func nameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func nameChar(c byte) bool { return nameStart(c) || c >= '0' && c <= '9' }

// ParseEnvFile reads a .env file as compose does: NAME=value lines, blank
// lines and # comments, an optional "export " before the name, values in
// single quotes (as written) or double quotes (with \n, \t, \\ and \"
// escapes), and unquoted values trimmed, up to a " #" comment. A line
// without '=' sets nothing. The error names the line, never its value.
func ParseEnvFile(data []byte) (map[string]string, error) {
	out := map[string]string{}
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
		switch {
		case strings.HasPrefix(value, "'"):
			end := strings.IndexByte(value[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("line %d: the value of %s has no closing '", line, name)
			}
			value = value[1 : end+1]
		case strings.HasPrefix(value, `"`):
			v, ok := unquoteDouble(value[1:])
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
		out[name] = value
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// unquoteDouble reads a double-quoted value up to its closing quote.
func unquoteDouble(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), true
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}
