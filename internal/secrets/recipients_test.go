package secrets

import (
	"slices"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/sopsyaml"
	"github.com/fleetdev/fleet/internal/sopsyaml/sopstest"
)

// sameAsParse fails unless ReadRecipients returns what Parse does.
func sameAsParse(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := ReadRecipients(FormatYAML, data)
	var want []string
	f, wantErr := Parse(FormatYAML, data)
	if wantErr == nil {
		want = f.Recipients()
	}
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("ReadRecipients: %v; Parse: %v\n%q", gotErr, wantErr, data)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("ReadRecipients: %v; Parse: %v\n%q", gotErr, wantErr, data)
	case !slices.Equal(got, want):
		t.Fatalf("ReadRecipients: %q; Parse: %q\n%q", got, want, data)
	}
}

// TestReadRecipients: on sops's own files and on changed copies of one,
// the files read without a parser give what Parse gives.
func TestReadRecipients(t *testing.T) {
	files := sopstest.Files(t, "../..")
	var scanned []string
	for _, f := range files {
		if _, ok := sopsyaml.Scan(f.Data); ok {
			scanned = append(scanned, string(f.Data))
		}
		sameAsParse(t, f.Data)
	}
	if len(scanned) < 8 {
		t.Fatalf("%d of %d files read without a parser", len(scanned), len(files))
	}
	base := scanned[0]
	for _, c := range []struct{ old, new string }{
		{"    lastmodified: \"", "    lastmodified: \"x"},           // not a time
		{"          recipient: age1", "          recipient: xage1"}, // another recipient
		{"    unencrypted_suffix: _unencrypted\n", "    unencrypted_suffix: _unencrypted\n    encrypted_regex: x\n"},
		{"    version: 3.13.3\n", ""},
	} {
		changed := strings.Replace(base, c.old, c.new, 1)
		if changed == base {
			t.Fatalf("%q is not in the file", c.old)
		}
		if _, ok := sopsyaml.Scan([]byte(changed)); !ok {
			t.Fatalf("changed file not read without a parser:\n%s", changed)
		}
		sameAsParse(t, []byte(changed))
	}
}

// FuzzReadRecipients checks the reading without a parser against Parse.
func FuzzReadRecipients(f *testing.F) {
	for _, sf := range sopstest.Files(f, "../..") {
		f.Add(sf.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsParse(t, data)
	})
}
