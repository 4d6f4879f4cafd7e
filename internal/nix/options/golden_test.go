package options

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExtractGolden extracts the realistic modules of testdata and
// compares a rendering of the result with NAME.golden. FLEET_UPDATE=1
// rewrites the golden files.
func TestExtractGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.nix")
	if err != nil || len(files) == 0 {
		t.Fatalf("no modules in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, ds := Reader{ReadFile: os.ReadFile}.Extract(file, src)
			got := render(m)
			for _, d := range ds {
				got += fmt.Sprintf("%s %s: %s\n", d.Severity, d.Pos, d.Message)
			}
			if m.Open != nil {
				got += fmt.Sprintf("open at %s: %s\n", m.Open.Pos, m.Open.Reason)
			}
			golden := strings.TrimSuffix(file, ".nix") + ".golden"
			if os.Getenv("FLEET_UPDATE") == "1" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("extraction differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// render prints a module's options one per block, for golden files.
func render(m *Module) string {
	var b strings.Builder
	renderOptions(&b, m.Options, "")
	return b.String()
}

func renderOptions(b *strings.Builder, opts []*Option, indent string) {
	for _, o := range opts {
		fmt.Fprintf(b, "%s%s @%d:%d\n", indent, strings.Join(o.Path, "."), o.Pos.Line, o.Pos.Col)
		in := indent + "  "
		fmt.Fprintf(b, "%stype %s\n", in, renderType(o.Type))
		if o.Type != nil && o.Type.Name != "" {
			fmt.Fprintf(b, "%s  as written: %s\n", in, o.Type.Name)
		}
		for _, note := range typeNotes(o.Type) {
			fmt.Fprintf(b, "%s  note: %s\n", in, note)
		}
		switch d := o.Default; {
		case d == nil:
			fmt.Fprintf(b, "%sno default\n", in)
		case d.Computed:
			fmt.Fprintf(b, "%sdefault computed @%d:%d: %s\n", in, d.Pos.Line, d.Pos.Col, d.Source)
		default:
			v, _ := json.Marshal(d.Value)
			fmt.Fprintf(b, "%sdefault %s @%d:%d (source %s)\n", in, v, d.Pos.Line, d.Pos.Col, d.Source)
		}
		if o.Description != "" {
			fmt.Fprintf(b, "%sdescription %q\n", in, o.Description)
		}
		if o.Example != "" {
			fmt.Fprintf(b, "%sexample %q\n", in, o.Example)
		}
		for _, t := range submodules(o.Type) {
			fmt.Fprintf(b, "%ssubmodule options:\n", in)
			renderOptions(b, t.Options, in+"  ")
		}
	}
}

// renderType writes a type as kind(elem), kind(a|b), enum[values],
// int[min..max].
func renderType(t *Type) string {
	if t == nil {
		return "<nil>"
	}
	s := string(t.Kind)
	switch t.Kind {
	case ListOf, AttrsOf, NullOr:
		s += "(" + renderType(t.Elem) + ")"
	case Either:
		alts := make([]string, len(t.Alts))
		for i, a := range t.Alts {
			alts[i] = renderType(a)
		}
		s += "(" + strings.Join(alts, "|") + ")"
	case Enum:
		v, _ := json.Marshal(t.Values)
		s += string(v)
	case Int:
		if t.Min != nil || t.Max != nil {
			lo, hi := "", ""
			if t.Min != nil {
				lo = fmt.Sprint(*t.Min)
			}
			if t.Max != nil {
				hi = fmt.Sprint(*t.Max)
			}
			s += "[" + lo + ".." + hi + "]"
		}
	case Submodule:
		s += fmt.Sprintf("{%d options}", len(t.Options))
	}
	return s
}

func typeNotes(t *Type) []string {
	if t == nil {
		return nil
	}
	var notes []string
	if t.Note != "" {
		notes = append(notes, t.Note)
	}
	notes = append(notes, typeNotes(t.Elem)...)
	for _, a := range t.Alts {
		notes = append(notes, typeNotes(a)...)
	}
	return notes
}

func submodules(t *Type) []*Type {
	if t == nil {
		return nil
	}
	var out []*Type
	if t.Kind == Submodule {
		out = append(out, t)
	}
	out = append(out, submodules(t.Elem)...)
	for _, a := range t.Alts {
		out = append(out, submodules(a)...)
	}
	return out
}

// TestExtractCorpus runs Extract on every .nix file under
// $FLEET_NIX_CORPUS (real-world module trees such as home-manager): it
// must never panic, and it reports how many options it found and how many
// types it could not read.
func TestExtractCorpus(t *testing.T) {
	var dirs []string
	for _, d := range strings.Split(os.Getenv("FLEET_NIX_CORPUS"), ":") {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		t.Skip("FLEET_NIX_CORPUS not set: point it at checkouts of Nix module trees")
	}
	files, options, unknown, withDefault, computed := 0, 0, 0, 0, 0
	notes := map[string]int{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".nix") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			m, _ := Extract(path, src)
			var count func([]*Option)
			count = func(opts []*Option) {
				for _, o := range opts {
					options++
					if o.Type.Kind == Unknown {
						unknown++
						notes[o.Type.Note]++
					}
					if o.Default != nil {
						withDefault++
						if o.Default.Computed {
							computed++
						}
					}
					for _, s := range submodules(o.Type) {
						count(s.Options)
					}
				}
			}
			count(m.Options)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files: %d options, %d with an unknown type, %d with a default (%d computed)", files, options, unknown, withDefault, computed)
	for note, n := range notes {
		if n >= 20 {
			t.Logf("  %5d unknown: %s", n, note)
		}
	}
}
