package build

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaxString is the largest string, name or comment fleet prints, in
// bytes. Longer values are refused: they are not configuration.
const MaxString = 1 << 20

// ErrNUL is returned for a string that holds a NUL byte: Nix strings end
// at NUL, so no Nix literal holds one.
var ErrNUL = errors.New("contains a NUL byte, which no Nix string can hold")

// ErrTooLong is returned for a string longer than MaxString.
var ErrTooLong = fmt.Errorf("is longer than %d bytes", MaxString)

// Validate reports why s cannot be printed as a Nix string, name, path or
// comment, or nil when it can. Callers check input with it where they
// know the input's position.
func Validate(s string) error {
	if len(s) > MaxString {
		return ErrTooLong
	}
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

// Print renders e at the top level, without a final newline.
func Print(e Expr) ([]byte, error) {
	p := &printer{}
	p.expr(e, 0)
	if p.err != nil {
		return nil, p.err
	}
	return p.b.Bytes(), nil
}

// File renders a whole file: the header as comment lines, the
// expression, a final newline.
func File(header []string, e Expr) ([]byte, error) {
	return FileInto(make([]byte, 0, 4096), header, e)
}

// FileInto is File written into buf's storage (from its start), grown
// when it is too small: a caller rendering many files reuses one buffer.
func FileInto(buf []byte, header []string, e Expr) ([]byte, error) {
	p := &printer{b: *bytes.NewBuffer(buf[:0])}
	p.comments(header, 0)
	p.expr(e, 0)
	p.b.WriteString("\n")
	if p.err != nil {
		return nil, p.err
	}
	return p.b.Bytes(), nil
}

// Quote renders s as a double-quoted Nix string that Nix reads back as s
// (`"`, `\` and `${` escaped; CR, LF and tab as \r \n \t). It does not
// check s: Print and File refuse what Validate refuses.
func Quote(s string) string {
	var b bytes.Buffer
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	quoteInto(&b, s, false)
	b.WriteByte('"')
	return b.String()
}

// quoteInto writes s escaped for a double-quoted string. beforeInterp is
// set when an interpolation follows: a last '$' is then escaped too, since
// Nix reads $${ as literal text.
func quoteInto(b *bytes.Buffer, s string, beforeInterp bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '$' && i == len(s)-1 && beforeInterp {
			b.WriteString(`\$`)
			continue
		}
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteString(`\$`)
			} else {
				b.WriteByte('$')
			}
		default:
			b.WriteByte(c)
		}
	}
}

// indentedOK reports whether s prints correctly as an indented string:
// several lines, no carriage returns or tabs, a last line that is not
// only spaces and does not end in a quote, and at least one line that
// does not start with a space (Nix strips the common indentation).
func indentedOK(s string) bool {
	if !strings.Contains(strings.TrimSuffix(s, "\n"), "\n") || strings.ContainsAny(s, "\r\t") {
		return false
	}
	lines := strings.Split(s, "\n")
	if last := lines[len(lines)-1]; last != "" && strings.TrimLeft(last, " ") == "" {
		return false // a last line of spaces would be dropped
	}
	if strings.HasSuffix(lines[len(lines)-1], "'") {
		return false // a quote before the closing '' would merge with it
	}
	for _, line := range lines {
		if line != "" && line[0] != ' ' {
			return true
		}
	}
	return false
}

// escapeIndented escapes one line of an indented string. In Nix's
// indented strings two single quotes close the string and are escaped as
// three; a dollar before a brace starts an interpolation and is escaped
// by two single quotes before it. A single quote left before such an
// escape would fuse with it into the three-quote escape, so it is written
// as two quotes, a backslash and the quote (the escape of any character).
func escapeIndented(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\'':
			n := 0
			for i+n < len(s) && s[i+n] == '\'' {
				n++
			}
			for range n / 2 {
				b.WriteString("'''")
			}
			if n%2 == 1 {
				if next := i + n; next+1 < len(s) && s[next] == '$' && s[next+1] == '{' {
					b.WriteString(`''\'`)
				} else {
					b.WriteByte('\'')
				}
			}
			i += n
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString("''${")
			i += 2
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// balancedInner reports whether parentheses in s never close more than
// they opened and all close (so "(a) (b)" is not one parenthesized
// expression). Double-quoted strings are skipped; an indented string
// makes it give up.
func balancedInner(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		case '\'':
			return false
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return false
			}
		}
	}
	return depth == 0
}

var selectRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_'-]*(\.([a-zA-Z_][a-zA-Z0-9_'-]*|"[^"\\$]*"))*$`)

// rawAtom reports whether raw source is a plain identifier, select or
// path that needs no parentheses.
func rawAtom(s string) bool {
	if selectRE.MatchString(s) && !slices.Contains(keywords, strings.SplitN(s, ".", 2)[0]) {
		return true
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && balancedInner(s[1:len(s)-1]) {
		return true
	}
	if strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
		return !strings.ContainsAny(s, " \t\n\r\"$'")
	}
	return false
}

func isPathChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+'
}

func pathSegment(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isPathChar(s[i]) {
			return false
		}
	}
	return true
}

// pathHead cuts p into its head, as written - "/", "./" or nothing,
// then any number of "../" - and the segments after it.
func pathHead(p string) (head, segs string) {
	i := 0
	switch {
	case strings.HasPrefix(p, "/"):
		i = 1
	case strings.HasPrefix(p, "./"):
		i = 2
	}
	for strings.HasPrefix(p[i:], "../") {
		i += 3
	}
	return p[:i], p[i:]
}

// literalPath reports whether p is a path literal as it is: a head
// (pathHead), then path segments.
func literalPath(p string) bool {
	head, segs := pathHead(p)
	if head == "" || segs == "" || segs == ".." {
		return false
	}
	for seg := range strings.SplitSeq(segs, "/") {
		if !pathSegment(seg) {
			return false
		}
	}
	return true
}

// splitPath splits p into the part that is a path literal and the rest,
// which is appended as a string ("" when the literal is all of it).
func splitPath(p string) (lit, rest string) {
	p = strings.TrimRight(p, "/")
	if literalPath(p) {
		return p, "" // as most paths are: printed as they are
	}
	return splitSegments(p)
}

// splitSegments is splitPath for any p without a trailing slash, segment
// by segment.
func splitSegments(p string) (lit, rest string) {
	switch p {
	case ".", "":
		return "./.", ""
	case "..":
		return "../.", ""
	}
	prefix, p := pathHead(p)
	if prefix == "" {
		prefix = "./" // a relative path without a head
	}
	if p == ".." {
		prefix, p = prefix+"../", ""
	}
	segs := strings.Split(p, "/")
	if p == "" {
		segs = nil
	}
	n := 0
	for n < len(segs) && pathSegment(segs[n]) {
		n++
	}
	lit = prefix + strings.Join(segs[:n], "/")
	if n == 0 {
		lit += "."
	}
	if n < len(segs) {
		rest = "/" + strings.Join(segs[n:], "/")
	}
	return lit, rest
}
