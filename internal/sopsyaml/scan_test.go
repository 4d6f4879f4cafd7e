package sopsyaml

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/sopsyaml/sopstest"
)

// TestScanReadsSopsFiles: files sops and fleet write are read, with their
// values and recipients; the ones sops writes in another shape are not.
func TestScanReadsSopsFiles(t *testing.T) {
	// Not the layout Scan reads: comments, lists, plain values, several
	// documents, other shapes of metadata.
	other := map[string]bool{
		"comment-regex.yaml": true, "encrypted-regex.yaml": true, "encrypted-suffix.yaml": true,
		"mac-only-encrypted.yaml": true, "matrix.yaml": true, "multi-doc.yaml": true,
		"sops37.yaml": true, "unencrypted-regex.yaml": true,
	}
	read := 0
	for _, sf := range sopstest.Files(t, "../..") {
		name, data := sf.Name, sf.Data
		f, ok := Scan(data)
		base := filepath.Base(name)
		if other[base] && strings.Contains(name, "testdata") {
			if ok {
				t.Errorf("%s: read, but it is not in the layout Scan reads", name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: not read", name)
			continue
		}
		read++
		var age *Field
		for i := range f.Sops {
			if f.Sops[i].Key == "age" {
				age = &f.Sops[i]
			}
		}
		if age == nil || len(age.Age) == 0 {
			t.Fatalf("%s: no age entries", name)
		}
		for _, e := range age.Age {
			keys := []string{e[0].Key, e[1].Key}
			slices.Sort(keys)
			if !slices.Equal(keys, []string{"enc", "recipient"}) {
				t.Errorf("%s: age entry with %v", name, keys)
			}
			for _, fl := range e {
				if fl.Key == "enc" && (!strings.HasPrefix(fl.Text, "-----BEGIN AGE ENCRYPTED FILE-----\n") || !strings.HasSuffix(fl.Text, "-----END AGE ENCRYPTED FILE-----\n")) {
					t.Errorf("%s: enc block %q", name, fl.Text)
				}
				if fl.Key == "recipient" && !strings.HasPrefix(fl.Text, "age1") {
					t.Errorf("%s: recipient %q", name, fl.Text)
				}
			}
		}
		if len(f.Values) == 0 {
			t.Errorf("%s: no values", name)
		}
	}
	if read < 8 {
		t.Errorf("read %d files", read)
	}
}

func TestScan(t *testing.T) {
	const enc = "ENC[AES256_GCM,data:YQ==,iv:aXY=,tag:dGFn,type:str]"
	const age = "    age:\n        - enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            YWdl\n            -----END AGE ENCRYPTED FILE-----\n          recipient: age1abc\n"
	const tail = "    lastmodified: \"2026-01-01T00:00:00Z\"\n    mac: " + enc + "\n    version: 3.13.3\n"
	good := "db:\n    password: " + enc + "\n    inner:\n        x: " + enc + "\ntoken: " + enc + "\nsops:\n" + age + tail
	f, ok := Scan([]byte(good))
	if !ok {
		t.Fatal("not read")
	}
	var got []string
	for _, v := range f.Values {
		s := strings.Join(v.Path, "/")
		if v.Map {
			s += "/"
		}
		got = append(got, s)
	}
	if want := []string{"db/", "db/password", "db/inner/", "db/inner/x", "token"}; !slices.Equal(got, want) {
		t.Errorf("values %v, want %v", got, want)
	}
	if f.Sops[1].Text != "2026-01-01T00:00:00Z" || f.Sops[3].Text != "3.13.3" {
		t.Errorf("fields %+v", f.Sops)
	}
	// nodes: document, mapping, 5 values, sops mapping, age list, one
	// entry (3), 3 scalars.
	if f.Nodes != 2+5+1+1+3+3 {
		t.Errorf("nodes %d", f.Nodes)
	}
	// Each of these is valid YAML (or not) that Scan leaves to a parser.
	for _, c := range []string{
		"# comment\n" + good,
		"\n" + good,
		"db: " + enc + "\ndb: " + enc + "\nsops:\n" + age + tail, // duplicate key
		"db:\n  password: " + enc + "\nsops:\n" + age + tail,     // two spaces
		"yes: " + enc + "\nsops:\n" + age + tail,                 // a boolean key
		"'q': " + enc + "\nsops:\n" + age + tail,
		"1: " + enc + "\nsops:\n" + age + tail,
		"a: plain\nsops:\n" + age + tail,
		"a: " + enc + " # c\nsops:\n" + age + tail,
		"a:\nsops:\n" + age + tail, // null value
		"a:\n    - " + enc + "\nsops:\n" + age + tail,
		"a: " + enc + "\n    more\nsops:\n" + age + tail,                             // continued scalar
		"a: " + enc + "\nsops:\n" + age + tail + "b: " + enc + "\n",                  // after sops
		"a: " + enc + "\nsops:\n" + age + "    lastmodified: 2026-01-01T00:00:00Z\n", // a timestamp
		"a: " + enc + "\nsops:\n" + age + "    version: 3.13\n",                      // a float
		"a: " + enc + "\nsops:\n" + age + "    kms: []\n",
		"a: " + enc + "\nsops:\n" + strings.Replace(age, "age1abc", "ssh-ed25519 AAAA", 1) + tail,
		"a: " + enc + "\nsops:\n" + strings.Replace(age, "            YWdl\n", "            YWdl\n\n", 1) + tail,
		"a: " + enc + "\nsops:\n" + strings.Replace(age, "            YWdl\n", "              YWdl\n", 1) + tail,
		"a: " + enc + "\r\nsops:\n" + age + tail,
		"---\na: " + enc + "\nsops:\n" + age + tail,
		strings.TrimSuffix(good, "\n"),
		"a: " + enc + "\n",
		"a: " + enc + "\nsops:\n",
	} {
		if _, ok := Scan([]byte(c)); ok {
			t.Errorf("read %q", c)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, sf := range sopstest.Files(f, "../..") {
		f.Add(sf.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, ok := Scan(data)
		if !ok {
			return
		}
		if sf.Nodes > maxScanned {
			t.Fatalf("read %d nodes", sf.Nodes)
		}
		for _, v := range sf.Values {
			if len(v.Path) == 0 || len(v.Path) > maxDepth+1 || v.Map == (v.Text != "") {
				t.Fatalf("value %+v", v)
			}
		}
	})
}
