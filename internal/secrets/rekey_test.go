package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

// seed writes n YAML secrets readable by host web (app/*) and returns
// their paths.
func seed(t *testing.T, tf *testFleet, n int) []string {
	t.Helper()
	var rels []string
	for i := range n {
		rel := fmt.Sprintf("secrets/app/s%02d.yaml", i)
		if err := tf.repo.Encrypt(rel, []byte(fmt.Sprintf("v: %s-%d\nl:\n    - a\n    - b\n", marker, i))); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, rel)
	}
	return rels
}

func TestRekeyAddHost(t *testing.T) {
	tf := newTestFleet(t)
	rels := seed(t, tf, 3)
	before := map[string][]byte{}
	for _, rel := range rels {
		before[rel] = tf.read(t, rel)
	}
	// Host db now reads app/* too.
	tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/*")
	res, err := tf.repo.Rekey(context.Background(), RekeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action != ActionRekeyed || !cmp.Equal(r.Added, []string{tf.db.recipient}) || len(r.Removed) != 0 {
			t.Errorf("%s: %+v", r.Path, r)
		}
	}
	dbRepo := *tf.repo
	dbRepo.Identities = []age.Identity{tf.db.ageIdentIt}
	for _, rel := range rels {
		after := tf.read(t, rel)
		// Values, lastmodified and MAC are untouched: same data key.
		b, a := encLines(before[rel]), encLines(after)
		for _, k := range []string{"v", "mac"} {
			if b[k] != a[k] {
				t.Errorf("%s: rekey changed %s", rel, k)
			}
		}
		if _, err := dbRepo.Decrypt(rel); err != nil {
			t.Errorf("%s: host db cannot read after rekey: %v", rel, err)
		}
	}
	// A second run has nothing to do and writes nothing.
	snapshot := map[string][]byte{}
	for _, rel := range rels {
		snapshot[rel] = tf.read(t, rel)
	}
	res, err = tf.repo.Rekey(context.Background(), RekeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action != ActionUpToDate {
			t.Errorf("second run: %s %s", r.Path, r.Action)
		}
		if !bytes.Equal(snapshot[r.Path], tf.read(t, r.Path)) {
			t.Errorf("second run rewrote %s", r.Path)
		}
	}
}

func TestRekeyRemoveHost(t *testing.T) {
	tf := newTestFleet(t)
	rels := seed(t, tf, 2)
	webRepo := *tf.repo
	webRepo.Identities = []age.Identity{tf.web.ageIdentIt}
	oldKeys := map[string][]byte{}
	for _, rel := range rels {
		d, err := tf.repo.Open(rel)
		if err != nil {
			t.Fatal(err)
		}
		oldKeys[rel] = d.key
	}
	tf.repo.Access.Hosts[0].Readable = nil // web no longer reads app/*

	// Without rotation: web loses its wrapped key but would still know the
	// data key, and the result says so.
	res, err := tf.repo.Rekey(context.Background(), RekeyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action != ActionRekeyed || !cmp.Equal(r.Removed, []string{tf.web.recipient}) || !strings.Contains(r.Warning, "--rotate") {
			t.Errorf("dry run: %+v", r)
		}
	}
	res, err = tf.repo.Rekey(context.Background(), RekeyOptions{Rotate: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Action != ActionRotated {
			t.Errorf("%s: %s", r.Path, r.Action)
		}
	}
	for _, rel := range rels {
		if _, err := webRepo.Decrypt(rel); !errors.Is(err, ErrNoIdentity) {
			t.Errorf("%s: removed host still decrypts: %v", rel, err)
		}
		d, err := tf.repo.Open(rel)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(d.key, oldKeys[rel]) {
			t.Errorf("%s: rotation kept the data key", rel)
		}
	}
}

// TestRekeyInterrupted stops a rekey in the middle of writing a file and
// checks that every file is either entirely old or entirely new, and that
// no temporary file is left.
func TestRekeyInterrupted(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		t.Run(fmt.Sprintf("rotate=%v", rotate), func(t *testing.T) {
			tf := newTestFleet(t)
			rels := seed(t, tf, 8)
			old := map[string][]byte{}
			for _, rel := range rels {
				old[rel] = tf.read(t, rel)
			}
			tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/*")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			writes := 0
			tf.repo.beforeRename = func(p string) error {
				writes++
				if writes == 4 {
					cancel()
					return errors.New("interrupted")
				}
				return nil
			}
			_, err := tf.repo.Rekey(ctx, RekeyOptions{Rotate: rotate})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Rekey: %v, want context.Canceled", err)
			}
			var nOld, nNew int
			want := tf.repo.Access.Recipients("app/x")
			for _, rel := range rels {
				data := tf.read(t, rel)
				if bytes.Equal(data, old[rel]) {
					nOld++
					continue
				}
				f, err := Parse(FormatYAML, data)
				if err != nil {
					t.Fatalf("%s is neither old nor a valid file: %v", rel, err)
				}
				if !sameSet(f.Recipients(), want) {
					t.Errorf("%s changed but has recipients %v", rel, f.Recipients())
				}
				if _, err := f.Decrypt([]age.Identity{tf.db.ageIdentIt}); err != nil {
					t.Errorf("%s: new version does not decrypt: %v", rel, err)
				}
				nNew++
			}
			if nNew != 3 || nOld != 5 {
				t.Errorf("%d new and %d old files, want 3 and 5", nNew, nOld)
			}
			entries, _ := os.ReadDir(filepath.Join(tf.root, "secrets/app"))
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
			// Running again finishes the job.
			tf.repo.beforeRename = nil
			if _, err := tf.repo.Rekey(context.Background(), RekeyOptions{Rotate: rotate}); err != nil {
				t.Fatal(err)
			}
			res, _ := tf.repo.Rekey(context.Background(), RekeyOptions{})
			for _, r := range res {
				if r.Action != ActionUpToDate {
					t.Errorf("after a second run %s is %s", r.Path, r.Action)
				}
			}
		})
	}
}

func TestRekeyReportsFailures(t *testing.T) {
	tf := newTestFleet(t)
	seed(t, tf, 2)
	tf.write(t, "secrets/app/plain.yaml", []byte("a: b\n"))
	tf.repo.Access.Hosts[1].Readable = append(tf.repo.Access.Hosts[1].Readable, "app/*")
	res, err := tf.repo.Rekey(context.Background(), RekeyOptions{})
	if !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("Rekey: %v, want the plaintext file's ErrNotEncrypted", err)
	}
	var actions []RekeyAction
	for _, r := range res {
		actions = append(actions, r.Action)
	}
	if diff := cmp.Diff([]RekeyAction{ActionFailed, ActionRekeyed, ActionRekeyed}, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}
