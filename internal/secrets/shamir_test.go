package secrets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInteropShamirThresholdKept: sops writes shamir_threshold when a
// creation rule sets it, even with one key group. fleet keeps it through
// rekey --all and rekey --rotate --all, in every format, and sops still
// decrypts the result.
func TestInteropShamirThresholdKept(t *testing.T) {
	s := needSops(t)
	tf := newTestFleet(t)
	env := []string{"SOPS_AGE_KEY_FILE=" + keyFile(t, tf.repo.TempDir, "admin.txt", tf.admin.String())}
	rule := "creation_rules:\n  - shamir_threshold: 1\n    key_groups:\n      - age:\n          - " + tf.admin.Recipient().String() + "\n"
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, SopsConfigFile), []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	var rels []string
	for f, plain := range samples() {
		if f == FormatBinary {
			continue
		}
		in := filepath.Join(work, "plain"+extFor(f))
		os.WriteFile(in, plain, 0o600)
		enc := s.must(work, env, "encrypt", in)
		if !strings.Contains(string(enc), "shamir_threshold") {
			t.Fatalf("%s: sops wrote no shamir_threshold:\n%s", f, enc)
		}
		if file, err := Parse(f, enc); err != nil {
			t.Fatal(err)
		} else if again, err := file.Marshal(); err != nil || string(again) != string(enc) {
			t.Errorf("%s: Parse+Marshal differs from sops' file (%v):\n%s", f, err, lineDiff(enc, again))
		}
		rel := "secrets/app/s" + extFor(f)
		tf.write(t, rel, enc)
		rels = append(rels, rel)
	}
	for _, rotate := range []bool{false, true} {
		if _, err := tf.repo.Rekey(context.Background(), RekeyOptions{All: true, Rotate: rotate}); err != nil {
			t.Fatal(err)
		}
		for _, rel := range rels {
			got := tf.read(t, rel)
			if !strings.Contains(string(got), "shamir_threshold") {
				t.Errorf("rotate=%v: %s lost shamir_threshold:\n%s", rotate, rel, got)
			}
			s.must(tf.root, env, "decrypt", rel)
			f, err := Parse(FormatForPath(rel), got)
			if err != nil {
				t.Fatal(err)
			}
			if f.md.ShamirThreshold != 1 {
				t.Errorf("%s: shamir_threshold read as %d", rel, f.md.ShamirThreshold)
			}
		}
	}
}
