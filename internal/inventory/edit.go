package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// Edits of a fleet file's text in place, at the positions its values were
// read at: the rest of the file (comments, layout, quoting) is kept.

// StringEnd returns the offset after the TOML string that starts at i
// (basic, literal, or their multi-line forms), or -1.
func StringEnd(src []byte, i int) int {
	q := src[i]
	if i+2 < len(src) && src[i+1] == q && src[i+2] == q {
		delim := string([]byte{q, q, q})
		end := strings.Index(string(src[i+3:]), delim)
		if end < 0 {
			return -1
		}
		end += i + 6
		for end < len(src) && src[end] == q { // up to two quotes may end the content
			end++
		}
		return end
	}
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if q == '"' {
				j++
			}
		case q:
			return j + 1
		case '\n':
			return -1
		}
	}
	return -1
}

// Offset is the byte offset of a line and column of src, or -1.
func Offset(src []byte, pos diag.Pos) int {
	line, off := int32(1), 0
	for line < pos.Line {
		i := strings.IndexByte(string(src[off:]), '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
		line++
	}
	if off+int(pos.Col)-1 > len(src) {
		return -1
	}
	return off + int(pos.Col) - 1
}

// ReplaceString replaces the one-line TOML string old that starts at pos
// in src with s, written as a basic string, and checks that the file
// still reads with s there. It fails when src holds no string old at pos
// (the file changed since it was read), when the string spans lines, or
// when s holds a character a basic string must escape.
func ReplaceString(src []byte, pos diag.Pos, old, s string) ([]byte, error) {
	if strings.ContainsAny(s, "\"\\\n\r\t") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("%q needs escapes", s)
	}
	if v, err := readOK(src, pos.File); err != nil || !holdsString(v, pos, old) {
		return nil, fmt.Errorf("the file no longer holds %q here", old)
	}
	at := Offset(src, pos) // where the string old starts, read above
	end := StringEnd(src, at)
	if end < 0 || strings.Contains(string(src[at:end]), "\n") {
		return nil, fmt.Errorf("the string spans lines")
	}
	out := make([]byte, 0, len(src)+len(s))
	out = append(out, src[:at]...)
	out = append(out, '"')
	out = append(out, s...)
	out = append(out, '"')
	out = append(out, src[end:]...)
	v, err := readOK(out, pos.File)
	if err != nil {
		return nil, fmt.Errorf("the file would not read: %v", err)
	}
	if !holdsString(v, pos, s) {
		return nil, fmt.Errorf("the file would not read %q here", s)
	}
	return out, nil
}

// readOK parses a TOML file and returns its first error, if any.
func readOK(src []byte, file string) (*Value, error) {
	v, diags := ParseTOML(file, src)
	for _, d := range diags {
		if d.Severity == diag.Error {
			return nil, errors.New(d.Message)
		}
	}
	return v, nil
}

// holdsString reports whether a string value s starts at pos in the
// tree below v.
func holdsString(v *Value, pos diag.Pos, s string) bool {
	if v == nil {
		return false
	}
	if v.Kind == String && v.Pos == pos {
		return v.Str == s
	}
	for _, f := range v.Entries() {
		if holdsString(f, pos, s) {
			return true
		}
	}
	for _, it := range v.List {
		if holdsString(it, pos, s) {
			return true
		}
	}
	return false
}
