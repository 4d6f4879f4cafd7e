package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func TestYAMLComments(t *testing.T) {
	in := "# head\na: 1 # inline a\n# before b\nb:\n    # inside b\n    c: x\nl:\n    # before item\n    - one # inline one\n    - two\n# foot\n"
	docs, err := yamlStore{}.loadPlain([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var comments []string
	walkDocs(cloneDocs(docs), func(v any, path []string, _ [][]string, isComment bool, _ pos) (any, error) {
		if isComment {
			comments = append(comments, keyPath(path)+"|"+v.(comment).Value)
		}
		return v, nil
	})
	want := []string{"| head", "| inline a", "| before b", "b| inside b", "l| before item", "l| inline one", "| foot"}
	if diff := cmp.Diff(want, comments); diff != "" {
		t.Errorf("comments with their key paths (-want +got):\n%s", diff)
	}
	out, err := yamlStore{}.emitPlain(docs)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("emit changed the document:\n%s\nwant:\n%s", out, in)
	}
}

func TestYAMLMultiDocument(t *testing.T) {
	admin := newIdentity(t)
	in := []byte("a: 1\n---\nb: " + marker + "\n")
	enc, err := Encrypt(FormatYAML, in, []string{admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(enc), "\nsops:\n"); n != 2 {
		t.Errorf("metadata appears %d times, want once per document", n)
	}
	if _, err := Decrypt(FormatYAML, enc, nil); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("no identities: %v", err)
	}
	got, err := Decrypt(FormatYAML, enc, []age.Identity{admin})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(in) {
		t.Errorf("plaintext %q, want %q", got, in)
	}
}

func TestSyntaxErrorsHideContent(t *testing.T) {
	for _, tc := range []struct {
		f  Format
		in string
	}{
		{FormatYAML, "a: [" + marker + "\n"},
		{FormatYAML, "a: " + marker + "\n a: b\n"},
		{FormatYAML, "a: 1\na: " + marker + "\n"},
		{FormatYAML, "- " + marker + "\n"},
		{FormatYAML, marker + "\n"},
		{FormatYAML, "? [" + marker + "]\n: v\n"},
		{FormatYAML, "a: !!int " + marker + "\n"},
		{FormatYAML, "a: 99999999999999999999999\n"},
		{FormatJSON, `{"a": ` + marker + `}`},
		{FormatJSON, `{"a": "` + marker + `"`},
		{FormatJSON, `["` + marker + `"]`},
		{FormatJSON, `{"a": "x"} "` + marker + `"`},
		{FormatJSON, `{"a": "x", "a": "` + marker + `"}`},
		{FormatDotenv, marker + "\n"},
		{FormatDotenv, "A=1\nA=" + marker + "\n"},
	} {
		_, err := storeFor(tc.f).loadPlain([]byte(tc.in))
		if err == nil {
			_, err = Parse(tc.f, []byte(tc.in))
			if err == nil {
				t.Errorf("%s %q: no error", tc.f, tc.in)
				continue
			}
		}
		if strings.Contains(err.Error(), marker) || strings.Contains(err.Error(), marker[:6]) {
			t.Errorf("%s: error shows content: %v", tc.f, err)
		}
	}
}

// noInputInError fails when an error repeats a line of the input.
func noInputInError(t *testing.T, data []byte, err error) {
	if err == nil {
		return
	}
	msg := err.Error()
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 12 && strings.Contains(msg, line) {
			t.Fatalf("error repeats an input line %q: %v", line, err)
		}
	}
}

// fuzzStore checks that a store never panics, keeps content out of its
// errors, and that emitting what it loaded is stable.
func fuzzStore(t *testing.T, f Format, data []byte) {
	s := storeFor(f)
	docs, err := s.loadPlain(data)
	noInputInError(t, data, err)
	if err != nil {
		return
	}
	out, err := s.emitPlain(docs)
	if err != nil {
		return // e.g. a YAML file with no document
	}
	docs2, err := s.loadPlain(out)
	if err != nil {
		t.Fatalf("%s: emitted document does not load: %v\n%q", f, err, out)
	}
	out2, err := s.emitPlain(docs2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, out2) {
		t.Fatalf("%s: emit is not stable:\n%q\n%q", f, out, out2)
	}
}

func FuzzLoadYAML(f *testing.F) {
	for _, s := range samples() {
		f.Add(s)
	}
	f.Add([]byte("a: &x [1, 2]\nb: *x\n"))
	f.Add([]byte("a: 2024-01-01\nb: 0x1F\nc: .nan\n"))
	f.Add([]byte("# only a comment\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStore(t, FormatYAML, data) })
}

func FuzzLoadJSON(f *testing.F) {
	f.Add(samples()[FormatJSON])
	f.Add([]byte(`{"a": [1, {"b": null}], "c": -1.5e300, "d": 18446744073709551616}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStore(t, FormatJSON, data) })
}

func FuzzLoadDotenv(f *testing.F) {
	f.Add(samples()[FormatDotenv])
	f.Add([]byte("A=1\n#c\n\nB=x=y\\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStore(t, FormatDotenv, data) })
}

func FuzzLoadINI(f *testing.F) {
	f.Add(samples()[FormatINI])
	f.Add([]byte("; c\na=1\n[s]\nb = x ; y\n[s]\nc=\"\"\"multi\nline\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzStore(t, FormatINI, data) })
}

// FuzzParse feeds every format's encrypted-file loader: it must not panic
// nor repeat content in errors, and marshaling what it parsed must parse
// to the same bytes again.
func FuzzParse(f *testing.F) {
	admin := newIdentity(f)
	for fm, s := range samples() {
		enc, err := Encrypt(fm, s, []string{admin.Recipient().String()}, testNow())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(fm), enc)
	}
	f.Fuzz(func(t *testing.T, fm uint8, data []byte) {
		format := Format(fm % 5)
		file, err := Parse(format, data)
		noInputInError(t, data, err)
		if err != nil {
			return
		}
		out, err := file.Marshal()
		if err != nil {
			return
		}
		again, err := Parse(format, out)
		if err != nil {
			t.Fatalf("marshaled file does not parse: %v\n%q", err, out)
		}
		out2, err := again.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable: %v", err)
		}
	})
}
