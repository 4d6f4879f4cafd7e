package options

import (
	"fmt"
	"regexp"
	"strings"
)

// Matcher compiles pattern, a POSIX extended regular expression as Nix's
// builtins.match reads it (C++ std::regex, extended grammar; the whole
// string must match), into a Go regexp that matches the same strings once
// both are passed through Bytes. Only constructs whose meaning is the same
// in both are translated; any other (back-references, escapes such as \d
// or \w, (?...) groups, collating elements and equivalence classes) is an
// error naming it, and the caller must not check values against the
// pattern. Matching a whole string, leftmost-longest (POSIX) and
// leftmost-first (Go) semantics agree on whether a match exists.
func Matcher(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	// (?s): in POSIX mode std::regex lets . match a newline.
	b.WriteString(`(?s)^(?:`)
	p := pattern
	lastRepeat := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		repeat := false
		switch c {
		case '\\':
			if i+1 >= len(p) {
				return nil, fmt.Errorf("the pattern ends in a backslash")
			}
			i++
			if !strings.ContainsRune(`.[]()*+?{}|^$\`, rune(p[i])) {
				return nil, fmt.Errorf(`the escape \%c has no POSIX meaning`, p[i])
			}
			b.WriteByte('\\')
			b.WriteByte(p[i])
		case '[':
			end, class, err := bracket(p, i)
			if err != nil {
				return nil, err
			}
			b.WriteString(class)
			i = end
		case '{':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 || !regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}$`).MatchString(p[i:i+end+1]) {
				return nil, fmt.Errorf("the interval at %q is not {n}, {n,} or {n,m}", p[i:])
			}
			if lastRepeat {
				return nil, fmt.Errorf("repetition operators follow each other")
			}
			b.WriteString(p[i : i+end+1])
			i += end
			repeat = true
		case '*', '+', '?':
			if lastRepeat {
				return nil, fmt.Errorf("repetition operators follow each other")
			}
			b.WriteByte(c)
			repeat = true
		case '(':
			if i+1 < len(p) && p[i+1] == '?' {
				return nil, fmt.Errorf("(? groups are not POSIX")
			}
			b.WriteByte(c)
		case '.', ')', '|', '^', '$':
			b.WriteByte(c)
		default:
			writeByte(&b, c)
		}
		lastRepeat = repeat
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

// Bytes maps each byte of s to the character of the same number, so that
// Go's regexp, which reads UTF-8, sees bytes one by one as std::regex does.
func Bytes(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// writeByte writes a literal byte of the pattern.
func writeByte(b *strings.Builder, c byte) {
	if c >= 0x80 {
		b.WriteRune(rune(c))
		return
	}
	b.WriteString(regexp.QuoteMeta(string(c)))
}

var posixClasses = map[string]bool{
	"alnum": true, "alpha": true, "blank": true, "cntrl": true, "digit": true, "graph": true,
	"lower": true, "print": true, "punct": true, "space": true, "upper": true, "xdigit": true,
}

// bracket translates the bracket expression starting at p[i]. In POSIX a
// backslash is literal there, and ] is literal first.
func bracket(p string, i int) (end int, class string, err error) {
	var b strings.Builder
	b.WriteByte('[')
	j := i + 1
	if j < len(p) && p[j] == '^' {
		b.WriteByte('^')
		j++
	}
	first := true
	for ; j < len(p); j++ {
		c := p[j]
		switch {
		case c == ']' && !first:
			b.WriteByte(']')
			return j, b.String(), nil
		case c == '[' && j+1 < len(p) && p[j+1] == ':':
			k := strings.Index(p[j+2:], ":]")
			if k < 0 || !posixClasses[p[j+2:j+2+k]] {
				return 0, "", fmt.Errorf("unknown character class in %q", p[i:])
			}
			b.WriteString(p[j : j+2+k+2])
			j += 2 + k + 1
		case c == '[' && j+1 < len(p) && (p[j+1] == '=' || p[j+1] == '.'):
			return 0, "", fmt.Errorf("collating elements and equivalence classes are not read")
		case c == '-':
			// A range between the neighbours, or literal at an end.
			if first || j+1 < len(p) && p[j+1] == ']' {
				b.WriteString(`\-`)
			} else {
				b.WriteByte('-')
			}
		default:
			if c >= 0x80 {
				b.WriteRune(rune(c))
			} else if strings.IndexByte(`\[]^-`, c) >= 0 {
				b.WriteByte('\\')
				b.WriteByte(c)
			} else {
				b.WriteByte(c)
			}
		}
		first = false
	}
	return 0, "", fmt.Errorf("the bracket expression in %q is not closed", p[i:])
}
