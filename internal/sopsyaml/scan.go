// Package sopsyaml reads a sops-encrypted YAML file in the layout sops
// and fleet write it, without a general YAML parser: a mapping of ENC[...]
// values (nested mappings indented by four spaces), then the sops block
// with its age entries and scalar fields. A check of thousands of hosts
// reads thousands of such files for their keys and recipients, and a YAML
// parser spends most of that time on the base64 of the age stanzas.
//
// Scan recognizes that layout only. For anything else (comments, blank
// lines, lists of values, quoted keys, other indentation, values that are
// not ENC[...], a value YAML would read as something other than a string)
// it reports false and the caller parses the file with a YAML library: it
// never decides that a file is invalid. What it returns for a file it
// accepts is what a YAML parser reads from that file, which the fuzz
// targets of its callers check against one.
package sopsyaml

import (
	"bytes"
	"strings"
)

// File is what Scan read.
type File struct {
	// Values are the values outside the sops block, in file order, a
	// nested mapping before its own values.
	Values []Value
	// Sops are the fields of the sops block in file order. An age field
	// holds its entries in Age; every other field is a string.
	Sops []Field
	// Nodes counts the YAML nodes of the file as a loader that counts
	// documents, mappings, lists and values (not keys) would.
	Nodes int
}

// Value is one value outside the sops block.
type Value struct {
	// Path is the key path: one key per level of nesting.
	Path []string
	// Map is true for a nested mapping; Text is empty then.
	Map bool
	// Text is the scalar: an ENC[...] envelope.
	Text string
}

// Field is one field of the sops block.
type Field struct {
	Key string
	// Text is a scalar field's string.
	Text string
	// Age is the age field's entries, each with its fields in file
	// order; nil for a scalar field.
	Age [][]Field
}

// Indentation sops writes YAML with.
const (
	indent     = 4
	ageItem    = 2 * indent   // "- " of an age entry
	ageField   = ageItem + 2  // an age entry's second field
	ageBlock   = ageField + 2 // the lines of an enc block
	maxDepth   = 32           // nesting of values Scan follows
	maxScanned = 1 << 16      // nodes Scan reads before it leaves the file to a parser
	sopsKey    = "sops"
)

// scanner walks the lines of a file.
type scanner struct {
	data []byte
	off  int // start of the next line
	cur  []byte
}

// next reads the next line (without its newline); false at the end.
func (s *scanner) next() bool {
	if s.off >= len(s.data) {
		return false
	}
	i := bytes.IndexByte(s.data[s.off:], '\n')
	if i < 0 {
		return false
	}
	s.cur = s.data[s.off : s.off+i]
	s.off += i + 1
	return true
}

// peekIndent returns the indentation of the next line, or -1 at the end.
func (s *scanner) peekIndent() int {
	if s.off >= len(s.data) {
		return -1
	}
	n := 0
	for s.off+n < len(s.data) && s.data[s.off+n] == ' ' {
		n++
	}
	return n
}

// Scan reads data if it is in the layout sops writes; false otherwise.
func Scan(data []byte) (*File, bool) {
	// Every line ends with a newline, so next reads every line that
	// peekIndent sees.
	if len(data) == 0 || data[len(data)-1] != '\n' || bytes.IndexByte(data, '\r') >= 0 || bytes.IndexByte(data, '\t') >= 0 {
		return nil, false
	}
	s := &scanner{data: data}
	f := &File{Nodes: 2} // the document and its mapping
	var path []string
	// seen holds the keys of each open mapping.
	seen := []map[string]bool{{}}
	for s.next() {
		depth, rest, ok := keyLine(s.cur)
		if !ok || depth > len(path) {
			return nil, false
		}
		key, value, ok := splitKey(rest)
		if !ok {
			return nil, false
		}
		path, seen = path[:depth], seen[:depth+1]
		if seen[depth][key] {
			return nil, false
		}
		seen[depth][key] = true
		if depth == 0 && key == sopsKey {
			if value != "" || !s.sops(f) {
				return nil, false
			}
			// The sops block is last, as sops writes it.
			return f, s.off == len(data)
		}
		f.Nodes++
		if f.Nodes > maxScanned {
			return nil, false
		}
		p := append(path[:depth:depth], key)
		if value == "" {
			// A nested mapping: its keys follow, one level deeper.
			if depth+1 > maxDepth || s.peekIndent() != (depth+1)*indent {
				return nil, false
			}
			f.Values = append(f.Values, Value{Path: p, Map: true})
			path, seen = p, append(seen, map[string]bool{})
			continue
		}
		if !isEnc(value) || s.peekIndent() > depth*indent {
			return nil, false
		}
		f.Values = append(f.Values, Value{Path: p, Text: value})
	}
	// No sops block, or a last line without its newline.
	return nil, false
}

// sops reads the sops block, whose "sops:" line was just read.
func (s *scanner) sops(f *File) bool {
	f.Nodes++ // its mapping
	seen := map[string]bool{}
	for s.peekIndent() == indent {
		s.next()
		depth, rest, ok := keyLine(s.cur)
		if !ok || depth != 1 {
			return false
		}
		key, value, ok := splitKey(rest)
		if !ok || seen[key] {
			return false
		}
		seen[key] = true
		field := Field{Key: key}
		switch {
		case key == "age" && value == "":
			entries, ok := s.age(f)
			if !ok {
				return false
			}
			field.Age = entries
		case scalarKeys[key]:
			text, ok := scalar(value)
			if !ok {
				return false
			}
			field.Text = text
			f.Nodes++
		default:
			return false
		}
		if f.Nodes > maxScanned {
			return false
		}
		f.Sops = append(f.Sops, field)
	}
	return len(f.Sops) > 0
}

// scalarKeys are the fields of the sops block Scan reads as strings.
var scalarKeys = map[string]bool{
	"lastmodified": true, "mac": true, "version": true,
	"unencrypted_suffix": true, "encrypted_suffix": true,
	"unencrypted_regex": true, "encrypted_regex": true,
	"unencrypted_comment_regex": true, "encrypted_comment_regex": true,
}

// age reads the entries of the age list: each "- " line opens an entry
// of two fields, enc (a literal block) and recipient, in either order.
func (s *scanner) age(f *File) ([][]Field, bool) {
	f.Nodes++ // the list
	var out [][]Field
	for s.peekIndent() == ageItem {
		s.next()
		rest, ok := bytes.CutPrefix(s.cur[ageItem:], []byte("- "))
		if !ok {
			return nil, false
		}
		first, ok := s.ageField(rest)
		if !ok || s.peekIndent() != ageField {
			return nil, false
		}
		s.next()
		second, ok := s.ageField(s.cur[ageField:])
		if !ok || second.Key == first.Key {
			return nil, false
		}
		out = append(out, []Field{first, second})
		f.Nodes += 3 // the entry's mapping and its two values
		if f.Nodes > maxScanned {
			return nil, false
		}
	}
	return out, len(out) > 0
}

// ageField reads "enc: |" with the block that follows, or "recipient: X".
func (s *scanner) ageField(rest []byte) (Field, bool) {
	key, value, ok := splitKey(rest)
	if !ok {
		return Field{}, false
	}
	field := Field{Key: key}
	switch key {
	case "enc":
		if value != "|" {
			return Field{}, false
		}
		var b strings.Builder
		for s.peekIndent() == ageBlock {
			s.next()
			text := s.cur[ageBlock:]
			if len(text) == 0 || !printable(text) {
				return Field{}, false
			}
			b.Write(text)
			b.WriteByte('\n')
		}
		if b.Len() == 0 {
			return Field{}, false
		}
		field.Text = b.String()
	case "recipient":
		if !plainString(value) {
			return Field{}, false
		}
		field.Text = value
	default:
		return Field{}, false
	}
	return field, true
}

// keyLine splits a line into its depth (indentation in steps of four
// spaces) and the rest.
func keyLine(line []byte) (int, []byte, bool) {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	if n%indent != 0 || n == len(line) {
		return 0, nil, false
	}
	return n / indent, line[n:], true
}

// splitKey splits "key: value" or "key:" into a plain key YAML reads as
// a string and the value's text.
func splitKey(rest []byte) (string, string, bool) {
	i := bytes.IndexByte(rest, ':')
	if i < 0 {
		return "", "", false
	}
	key := string(rest[:i])
	if !plainString(key) {
		return "", "", false
	}
	value := rest[i+1:]
	switch {
	case len(value) == 0:
		return key, "", true
	case value[0] != ' ' || len(value) == 1 || value[1] == ' ':
		return "", "", false
	}
	return key, string(value[1:]), true
}

// plainString reports whether s, written plain, is a string to YAML: it
// starts with a letter or an underscore, holds only letters, digits and
// _ . - after it, and is none of the words YAML reads as a boolean or
// null.
func plainString(s string) bool {
	if s == "" || !(isLetter(s[0]) || s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		return false
	}
	return true
}

// scalar reads the value of a sops field: an ENC[...] envelope, a plain
// string, a version (digits with two dots) or a double-quoted string
// without escapes.
func scalar(v string) (string, bool) {
	switch {
	case isEnc(v), plainString(v), isVersion(v):
		return v, true
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		inner := v[1 : len(v)-1]
		if strings.ContainsAny(inner, `"\`) || !printable([]byte(inner)) {
			return "", false
		}
		return inner, true
	}
	return "", false
}

// isEnc reports whether v is an ENC[...] envelope as sops writes it:
// ENC[CIPHER,name:value,...] with base64 values.
func isEnc(v string) bool {
	body, ok := strings.CutPrefix(v, "ENC[")
	if !ok {
		return false
	}
	body, ok = strings.CutSuffix(body, "]")
	if !ok {
		return false
	}
	cipher, fields, _ := strings.Cut(body, ",")
	if cipher == "" || !allBytes(cipher, func(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }) {
		return false
	}
	for fields != "" {
		var field string
		field, fields, _ = strings.Cut(fields, ",")
		name, value, ok := strings.Cut(field, ":")
		if !ok || name == "" || !allBytes(name, func(c byte) bool { return c >= 'a' && c <= 'z' || c == '_' }) ||
			!allBytes(value, func(c byte) bool { return isLetter(c) || isDigit(c) || c == '+' || c == '/' || c == '=' || c == '_' }) {
			return false
		}
	}
	return true
}

// isVersion reports whether v is digits.digits.digits, which YAML reads
// as a string (two dots make it no number).
func isVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || !allBytes(p, isDigit) {
			return false
		}
	}
	return true
}

// printable reports whether b is printable ASCII that a YAML scalar
// holds as it is: no leading or trailing space and no '#' after a space.
func printable(b []byte) bool {
	if len(b) > 0 && (b[0] == ' ' || b[len(b)-1] == ' ') {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
