package syntax

import (
	"testing"
)

// benchFiles loads the files benchmarks run on: $FLEET_NIX_CORPUS when
// set, and otherwise the fixture corpus.
func benchFiles(b *testing.B) ([][]byte, int64) {
	b.Helper()
	var files []string
	for _, dir := range corpusDirs() {
		files = append(files, nixFiles(b, dir)...)
	}
	if len(files) == 0 {
		files = fixtures(b, "parse")
	}
	var srcs [][]byte
	var size int64
	for _, f := range files {
		src := mustRead(b, f)
		srcs = append(srcs, src)
		size += int64(len(src))
	}
	return srcs, size
}

// BenchmarkParse measures Parse alone: lexing, the lossless tree, and the
// checks Nix makes while parsing.
func BenchmarkParse(b *testing.B) {
	srcs, size := benchFiles(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			Parse("bench.nix", src)
		}
	}
}

// BenchmarkParseShow measures what `nix-instantiate --parse` does: parse,
// check variables, print the --parse form.
func BenchmarkParseShow(b *testing.B) {
	srcs, size := benchFiles(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			f, ds := Parse("bench.nix", src)
			if len(ds) == 0 && len(f.CheckScope()) == 0 {
				_ = f.ShowParse(ShowOptions{Dir: "/d", Home: "/h"})
			}
		}
	}
}

// BenchmarkLex measures the lexer alone.
func BenchmarkLex(b *testing.B) {
	srcs, size := benchFiles(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			lex(string(src))
		}
	}
}

// BenchmarkParserReuse is BenchmarkParseShow with one Parser for all
// files, as fleet nix parse runs.
func BenchmarkParserReuse(b *testing.B) {
	srcs, size := benchFiles(b)
	b.SetBytes(size)
	b.ReportAllocs()
	var p Parser
	var out []byte
	for b.Loop() {
		for _, src := range srcs {
			f, ds := p.Parse("bench.nix", src)
			if len(ds) == 0 && len(f.CheckScope()) == 0 {
				out = f.AppendShowParse(out[:0], ShowOptions{Dir: "/d", Home: "/h"})
			}
		}
	}
}
