package secrets

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseEncValue(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want EncValue
		ok   bool
	}{
		{"sops value", "ENC[AES256_GCM,data:qZDmiZke/w==,iv:AAECAw==,tag:BAUGBw==,type:str]", EncValue{Data: []byte{0xa9, 0x90, 0xe6, 0x89, 0x99, 0x1e, 0xff}, IV: []byte{0, 1, 2, 3}, Tag: []byte{4, 5, 6, 7}, Type: "str"}, true},
		{"trailing text ignored", "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:int]xyz", EncValue{Data: []byte{0}, IV: []byte{0}, Tag: []byte{0}, Type: "int"}, true},
		{"greedy type", "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:a]b]", EncValue{Data: []byte{0}, IV: []byte{0}, Tag: []byte{0}, Type: "a]b"}, true},
		{"empty data", "ENC[AES256_GCM,data:,iv:AA==,tag:AA==,type:str]", EncValue{}, false},
		{"newline inside", "ENC[AES256_GCM,data:AA==\n,iv:AA==,tag:AA==,type:str]", EncValue{}, false},
		{"bad base64", "ENC[AES256_GCM,data:A,iv:AA==,tag:AA==,type:str]", EncValue{}, false},
		{"plaintext", "hello", EncValue{}, false},
		{"other cipher", "ENC[AES128_GCM,data:AA==,iv:AA==,tag:AA==,type:str]", EncValue{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEncValue(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseEncValue(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); tc.ok && diff != "" {
				t.Errorf("ParseEncValue(%q) (-want +got):\n%s", tc.in, diff)
			}
			if tc.ok && got.String() != tc.in && !strings.Contains(tc.in, "xyz") {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
}

// FuzzParseEncValue checks the hand-written parser against the regular
// expression sops uses.
func FuzzParseEncValue(f *testing.F) {
	re := regexp.MustCompile(`^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]`)
	for _, s := range []string{
		"ENC[AES256_GCM,data:qZDmiZke/w==,iv:AAECAw==,tag:BAUGBw==,type:str]",
		"ENC[AES256_GCM,data:a,iv:b,tag:c,type:d],iv:e,tag:f,type:g]",
		"ENC[AES256_GCM,data:,iv:,iv:x,tag:,tag:y,type:,type:z]]",
		"ENC[AES256_GCM,data:a\n,iv:b,tag:c,type:d]",
		"ENC[AES256_GCM,data:a,iv:b,tag:c,type:d]\n]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := re.FindStringSubmatch(s)
		data, iv, tag, typ, ok := splitEnc(s)
		if (m != nil) != ok {
			t.Fatalf("splitEnc(%q) ok = %v, regexp matched = %v", s, ok, m != nil)
		}
		if ok {
			if diff := cmp.Diff(m[1:], []string{data, iv, tag, typ}); diff != "" {
				t.Fatalf("splitEnc(%q) groups (-regexp +splitEnc):\n%s", s, diff)
			}
		}
		if _, err := ParseEncValue(s); err != nil && strings.Contains(err.Error(), s) && len(s) > 8 {
			t.Fatalf("error repeats its input: %v", err)
		}
	})
}

func TestValueCipherRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	when := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, v := range []any{"secret", "", 42, -7, 1.5, 1e21, true, false, when, comment{Value: " a comment"}} {
		c, err := newValueCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.encrypt(v, "a:b:")
		if err != nil {
			t.Fatalf("encrypt(%v): %v", v, err)
		}
		if isEmptyValue(v) {
			if enc != "" {
				t.Errorf("encrypt(%#v) = %q, want empty", v, enc)
			}
			continue
		}
		got, err := c.decrypt(enc, "a:b:")
		if err != nil {
			t.Fatalf("decrypt(%v): %v", v, err)
		}
		if diff := cmp.Diff(v, got, cmp.AllowUnexported(comment{})); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if _, err := c.decrypt(enc, "a:c:"); err == nil {
			t.Errorf("decrypt under another key path succeeded")
		}
		// The stash gives the same plaintext at the same path its old IV.
		again, err := c.encrypt(got, "a:b:")
		if err != nil {
			t.Fatal(err)
		}
		if again != enc {
			t.Errorf("re-encrypting %v changed its ciphertext", v)
		}
	}
}

func TestValueCipherFreshIVs(t *testing.T) {
	c, err := newValueCipher(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.encrypt("x", "k:")
	b, _ := c.encrypt("x", "k:")
	if a == b {
		t.Errorf("two encryptions without a stash share an IV")
	}
	ev, err := ParseEncValue(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.IV) != ivSize || len(ev.Tag) != gcmTagSize {
		t.Errorf("iv %d bytes, tag %d bytes; want %d and %d", len(ev.IV), len(ev.Tag), ivSize, gcmTagSize)
	}
}

func TestDecryptErrorsHideValues(t *testing.T) {
	c, err := newValueCipher(bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"int", "float", "bool", "time", "nope"} {
		enc, err := c.encrypt(marker, "k:")
		if err != nil {
			t.Fatal(err)
		}
		enc = strings.Replace(enc, "type:str]", "type:"+typ+"]", 1)
		_, err = c.decrypt(enc, "k:")
		if err == nil {
			t.Fatalf("type %s: decrypting a string as %s succeeded", typ, typ)
		}
		if strings.Contains(err.Error(), marker) {
			t.Errorf("type %s: error shows the value: %v", typ, err)
		}
	}
}
