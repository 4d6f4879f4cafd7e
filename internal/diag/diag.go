// Package diag owns positioned diagnostics: the position type every other
// package reports against, the collection of errors and warnings found while
// loading and evaluating a fleet, and their rendering for people
// ("path:line:col: message" with hints) and for scripts (JSON).
package diag

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a source file. Line and Col count from 1; Col counts
// bytes. A zero Pos means "no position" (for example a built-in default).
// Line and Col are 32-bit: a Pos is 24 bytes, and every value and
// definition of a fleet carries one or two.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int32  `json:"line,omitempty"`
	Col  int32  `json:"col,omitempty"`
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

// String renders p as "file:line:col", "file" when the line is unknown, and
// "-" when p is the zero Pos.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return "-"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Compare orders positions by file, line and column.
func (p Pos) Compare(q Pos) int {
	if c := strings.Compare(p.File, q.File); c != 0 {
		return c
	}
	if c := cmp.Compare(p.Line, q.Line); c != 0 {
		return c
	}
	return cmp.Compare(p.Col, q.Col)
}

// Severity tells errors from warnings.
type Severity int

const (
	// Error makes a command fail.
	Error Severity = iota
	// Warning is reported but does not make a command fail.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Related is another position that contributes to a diagnostic, such as the
// other definition in a conflict.
type Related struct {
	Pos     Pos    `json:"pos"`
	Message string `json:"message"`
}

// Diagnostic is one finding: where, what, and what to do about it.
type Diagnostic struct {
	Severity Severity  `json:"severity"`
	Pos      Pos       `json:"pos"`
	Message  string    `json:"message"`
	Hints    []string  `json:"hints,omitempty"`
	Related  []Related `json:"related,omitempty"`
	// Code is a short stable identifier of the kind of finding, such as
	// "unknown-key" or "conflict", for scripts and tests.
	Code string `json:"code,omitempty"`
}

// Error implements error for a single diagnostic.
func (d Diagnostic) Error() string { return d.Pos.String() + ": " + d.Message }

// List collects diagnostics. The zero List is ready to use. It is not safe
// for concurrent use; merge per-goroutine lists with Append.
type List struct {
	items []Diagnostic
}

// Add appends d.
func (l *List) Add(d Diagnostic) { l.items = append(l.items, d) }

// Errorf adds an error at pos.
func (l *List) Errorf(pos Pos, code, format string, args ...any) *Diagnostic {
	l.items = append(l.items, Diagnostic{Severity: Error, Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
	return &l.items[len(l.items)-1]
}

// Warnf adds a warning at pos.
func (l *List) Warnf(pos Pos, code, format string, args ...any) *Diagnostic {
	l.items = append(l.items, Diagnostic{Severity: Warning, Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
	return &l.items[len(l.items)-1]
}

// Hint adds a hint to d and returns d, so calls chain after Errorf.
func (d *Diagnostic) Hint(format string, args ...any) *Diagnostic {
	d.Hints = append(d.Hints, fmt.Sprintf(format, args...))
	return d
}

// Also adds a related position to d and returns d.
func (d *Diagnostic) Also(pos Pos, format string, args ...any) *Diagnostic {
	d.Related = append(d.Related, Related{Pos: pos, Message: fmt.Sprintf(format, args...)})
	return d
}

// Append adds all of other's diagnostics to l.
func (l *List) Append(other *List) {
	if other != nil {
		l.items = append(l.items, other.items...)
	}
}

// Items returns the diagnostics, sorted by position and then message, with
// exact duplicates removed (several hosts can report the same finding about
// a shared file).
func (l *List) Items() []Diagnostic {
	out := slices.Clone(l.items)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		if c := a.Pos.Compare(b.Pos); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Severity, b.Severity); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.CompactFunc(out, func(a, b Diagnostic) bool {
		return a.Severity == b.Severity && a.Pos == b.Pos && a.Message == b.Message
	})
}

// Len is the number of diagnostics collected.
func (l *List) Len() int { return len(l.items) }

// HasErrors reports whether any diagnostic is an error.
func (l *List) HasErrors() bool {
	for _, d := range l.items {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns the number of errors and warnings, after deduplication.
func (l *List) Count() (errors, warnings int) {
	for _, d := range l.Items() {
		if d.Severity == Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}

// Err returns nil when l has no errors, and otherwise an *Errors holding
// every diagnostic.
func (l *List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return &Errors{List: l.Items()}
}

// Errors is an error made of diagnostics. The CLI renders it in full.
type Errors struct {
	List []Diagnostic
}

func (e *Errors) Error() string {
	var b strings.Builder
	for i, d := range e.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Render writes diagnostics for people:
//
//	path:line:col: error: message
//	    path:line:col: related message
//	    hint: what to do
func Render(w io.Writer, ds []Diagnostic) { RenderColor(w, ds, false) }

// RenderColor is Render, with the severity in color (red errors, yellow
// warnings) when color is true.
func RenderColor(w io.Writer, ds []Diagnostic, color bool) {
	RenderWith(w, ds, RenderOptions{Color: color})
}

// RenderOptions choose how RenderWith writes diagnostics for people.
type RenderOptions struct {
	// Color writes the severity in color.
	Color bool
	// Source, when set, returns the content of a diagnostic's file (nil
	// when it cannot be read): the line of each position is then shown
	// under the message with a caret at the column, as Nix does.
	Source func(file string) []byte
}

// RenderWith is Render with options.
func RenderWith(w io.Writer, ds []Diagnostic, o RenderOptions) {
	color := o.Color
	var cache map[string][]byte
	source := func(file string) []byte {
		if o.Source == nil {
			return nil
		}
		if src, ok := cache[file]; ok {
			return src
		}
		if cache == nil {
			cache = map[string][]byte{}
		}
		cache[file] = o.Source(file)
		return cache[file]
	}
	for _, d := range ds {
		sev := d.Severity.String()
		if color {
			code := "31"
			if d.Severity == Warning {
				code = "33"
			}
			sev = "\x1b[1;" + code + "m" + sev + "\x1b[0m"
		}
		fmt.Fprintf(w, "%s: %s: %s\n", d.Pos, sev, d.Message)
		if d.Pos.Line > 0 {
			writeExcerpt(w, source(d.Pos.File), d.Pos)
		}
		for _, r := range d.Related {
			fmt.Fprintf(w, "    %s: %s\n", r.Pos, r.Message)
		}
		for _, h := range d.Hints {
			fmt.Fprintf(w, "    hint: %s\n", h)
		}
	}
}

// RenderJSON writes diagnostics as a JSON array.
func RenderJSON(w io.Writer, ds []Diagnostic) error {
	if ds == nil {
		ds = []Diagnostic{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ds)
}

// Suggest returns the candidate closest to name by edit distance, or "" when
// none is close enough to be a plausible typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(name), strings.ToLower(c))
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	limit := max(1, len(name)/3)
	if bestDist >= 0 && bestDist <= limit {
		return best
	}
	// No near spelling: a candidate the name is the start of, when only
	// one is ("backup" for "backup-server").
	if len(name) < 3 {
		return ""
	}
	prefixed := ""
	for _, c := range candidates {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(name)) {
			if prefixed != "" {
				return ""
			}
			prefixed = c
		}
	}
	return prefixed
}

// DidYouMean returns a hint text for Suggest's answer, or "".
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return ""
}

// distance is the optimal string alignment distance (Levenshtein with
// transpositions) between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// excerptWidth bounds the source shown around a column: a minified or
// generated file may hold megabytes on one line.
const excerptWidth = 100

// writeExcerpt writes the line of src at p with a caret under p's column:
//
//	8 | grafanaPrt = 3001
//	  | ^
//
// Tabs before the column are kept in the caret line so that the caret
// lines up whatever the terminal's tab width. Nothing is written when the
// line is not in src.
func writeExcerpt(w io.Writer, src []byte, p Pos) {
	if src == nil {
		return
	}
	start := 0
	for line := int32(1); line < p.Line; line++ {
		i := bytes.IndexByte(src[start:], '\n')
		if i < 0 {
			return
		}
		start += i + 1
	}
	text := src[start:]
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	text = bytes.TrimSuffix(text, []byte("\r"))
	col := min(max(int(p.Col)-1, 0), len(text))
	// Keep a window of the line around the column.
	lo, hi := 0, len(text)
	if hi > excerptWidth {
		lo = max(0, col-excerptWidth/2)
		hi = min(len(text), lo+excerptWidth)
		// Cut on rune boundaries.
		for lo > 0 && !utf8.RuneStart(text[lo]) {
			lo--
		}
		for hi < len(text) && !utf8.RuneStart(text[hi]) {
			hi++
		}
	}
	var line, caret strings.Builder
	if lo > 0 {
		line.WriteString("...")
		caret.WriteString("   ")
	}
	for _, r := range string(text[lo:hi]) {
		if r < 0x20 && r != '\t' || r == 0x7f {
			r = '?' // a control character would move the caret
		}
		line.WriteRune(r)
	}
	if hi < len(text) {
		line.WriteString("...")
	}
	for _, r := range string(text[lo:col]) {
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	num := strconv.Itoa(int(p.Line))
	pad := strings.Repeat(" ", len(num))
	fmt.Fprintf(w, "    %s | %s\n    %s | %s^\n", num, line.String(), pad, caret.String())
}
