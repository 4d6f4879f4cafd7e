package syntax

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
)

// File is a parsed Nix file: one expression and the trivia after it.
type File struct {
	// Name is the file name as given to Parse; diagnostics use it.
	Name string
	// Expr is the file's expression; on broken input it may be, or
	// contain, *Error nodes.
	Expr Expr
	// Rest holds the tokens after the expression that could not be
	// parsed; nil when there are none.
	Rest *Error
	// EOF is the end-of-input token; its Lead is the file's trailing
	// whitespace and comments.
	EOF *Token

	src    string
	lines  []int   // offsets of line starts, built on first use
	low    lexpr   // lowered form; nil when the file has errors
	parser *Parser // whose memory the file uses
}

// Options change what the parser accepts.
type Options struct {
	// PipeOperators accepts |> and <| (Nix 2.24 and later with the
	// experimental feature pipe-operators). Without it they are syntax
	// errors, as in Nix 2.8.
	PipeOperators bool
}

// Parse parses src, the content of filename, with default Options.
func Parse(filename string, src []byte) (*File, []diag.Diagnostic) {
	return Options{}.Parse(filename, src)
}

// Parse parses src, the content of filename. It always returns a File
// that prints back to src byte for byte (see Bytes); the diagnostics are
// the syntax errors, in source order, and the other errors Nix's parser
// reports: invalid numbers, paths with a trailing slash, duplicate
// attributes and formals, and dynamic attributes in let and inherit.
// Undefined variables are not reported here (see CheckScope).
func (o Options) Parse(filename string, src []byte) (*File, []diag.Diagnostic) {
	p := &Parser{Options: o}
	return p.Parse(filename, src)
}

// A Parser parses files one after another and reuses its memory from one
// file to the next, so that tools reading many files and keeping nothing
// of them (fleet nix parse) allocate little. The File it returns, and
// every node and token in it, is valid only until the next call of Parse
// on the same Parser. The zero Parser is ready to use; a Parser is not
// safe for concurrent use.
type Parser struct {
	Options

	lx lexer
	ps parser
	lw lowerer
	sc scoper
}

// Parse parses src as Options.Parse does, reusing p's memory.
func (p *Parser) Parse(filename string, src []byte) (*File, []diag.Diagnostic) {
	f := &File{Name: filename, src: string(src), parser: p}
	toks, lexErrs := p.lx.lex(f.src)
	p.ps.reset(toks, p.PipeOperators)
	f.Expr, f.Rest, f.EOF = p.ps.parseFile()

	errs := p.ps.errs
	for _, e := range lexErrs {
		errs = append(errs, parseError{off: e.off, msg: e.msg, relOff: -1})
	}
	if len(errs) == 0 {
		p.lw.reset(f)
		f.low = p.lw.expr(f.Expr)
		p.lw.finish()
		errs = p.lw.errs
		if len(errs) > 0 {
			f.low = nil
		}
	} else {
		errs = append(errs, p.earlyErrors(f, errs)...)
	}
	return f, f.diagnostics(errs)
}

// earlyErrors returns the duplicate attributes of a file with syntax
// errors that lie before its first syntax error. Nix's parser checks a
// binding as soon as it reads its ';', so such a duplicate is the error
// Nix reports, not the syntax error after it. The bindings complete
// before the first error are lowered, set by set; the walk over the rest
// of the tree uses a stack, so deep or long input costs no recursion.
func (p *Parser) earlyErrors(f *File, errs []parseError) []parseError {
	first := errs[0].off
	for _, e := range errs[1:] {
		first = min(first, e.off)
	}
	complete := func(semi *Token) bool { return semi != nil && semi.Off < first }
	p.lw.reset(f)
	var stack []Node
	// Nodes after the first error hold no complete binding: walking
	// them lowers nothing.
	push := func(_ *Token, c Node) {
		if c != nil && !isNilNode(c) {
			stack = append(stack, c)
		}
	}
	// binds lowers the complete leading bindings of a set or let, and
	// walks into the first incomplete one.
	binds := func(bs []Binding, rec bool) {
		n := 0
		for n < len(bs) {
			switch b := bs[n].(type) {
			case *Assign:
				if complete(b.Semi) {
					n++
					continue
				}
			case *Inherit:
				if complete(b.Semi) {
					n++
					continue
				}
			}
			break
		}
		if n > 0 {
			p.lw.binds(bs[:n], rec)
		}
		if n < len(bs) {
			push(nil, bs[n])
		}
	}
	push(nil, f.Expr)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n := n.(type) {
		case *AttrSet:
			binds(n.Binds, n.RecTok != nil)
		case *LegacyLet:
			binds(n.Binds, true)
		case *Let:
			push(nil, n.Body)
			binds(n.Binds, false)
		default:
			n.eachChild(push)
		}
	}
	return p.lw.errs
}

func (f *File) diagnostics(errs []parseError) []diag.Diagnostic {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].off < errs[j].off })
	ds := make([]diag.Diagnostic, 0, len(errs))
	for _, e := range errs {
		d := diag.Diagnostic{Severity: diag.Error, Pos: f.Pos(e.off), Message: e.msg, Code: "nix-syntax"}
		if e.relOff >= 0 {
			d.Related = []diag.Related{{Pos: f.Pos(e.relOff), Message: e.relMsg}}
		}
		ds = append(ds, d)
	}
	return ds
}

// Source returns the text the file was parsed from.
func (f *File) Source() string { return f.src }

// Pos converts a byte offset into a position. Lines end at LF, CR LF or a
// lone CR, as in Nix's own positions; columns count bytes from 1.
func (f *File) Pos(off int) diag.Pos {
	if f.lines == nil {
		f.lines = lineStarts(f.src)
	}
	line := sort.SearchInts(f.lines, off+1) - 1
	if line < 0 {
		line = 0
	}
	return diag.Pos{File: f.Name, Line: int32(line + 1), Col: int32(off - f.lines[line] + 1)}
}

func lineStarts(s string) []int {
	lines := make([]int, 1, strings.Count(s, "\n")+1)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			lines = append(lines, i+1)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			lines = append(lines, i+1)
		}
	}
	return lines
}

// NodePos returns the position where n starts (its first token, after
// leading trivia).
func (f *File) NodePos(n Node) diag.Pos {
	if t := FirstToken(n); t != nil {
		return f.Pos(t.Off)
	}
	return diag.Pos{File: f.Name}
}

// Text returns the source text of n, from its first token to its last,
// without the trivia before it.
func (f *File) Text(n Node) string {
	first, last := FirstToken(n), LastToken(n)
	if first == nil {
		return ""
	}
	return f.src[first.Off:last.End()]
}

// Bytes prints the tree back: the Lead and Text of every token in order.
// For a tree fresh from Parse it is the source, byte for byte.
func (f *File) Bytes() []byte {
	b := make([]byte, 0, len(f.src))
	emit := func(t *Token) {
		b = append(b, t.Lead...)
		b = append(b, t.Text...)
	}
	Tokens(f.Expr, emit)
	if f.Rest != nil {
		Tokens(f.Rest, emit)
	}
	if f.EOF != nil {
		emit(f.EOF)
	}
	return b
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
