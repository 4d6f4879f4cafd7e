package secrets

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestVerifyAndEnv(t *testing.T) {
	tf := newTestFleet(t)
	rels := seed(t, tf, 20)
	res, err := tf.repo.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(rels) {
		t.Fatalf("%d results for %d files", len(res), len(rels))
	}
	for i, r := range res {
		if !r.OK || r.Path != rels[i] {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	// A value changed in place fails authentication; the rest verify.
	data := tf.read(t, rels[3])
	// The first ENC[ value's data starts 20 bytes in; replace its first
	// base64 digit by another digit so the ciphertext stays well-formed.
	i := slices.Index(data, 'E') + len("ENC[AES256_GCM,data:")
	if data[i] == 'A' {
		data[i] = 'B'
	} else {
		data[i] = 'A'
	}
	tf.write(t, rels[3], data)
	res, _ = tf.repo.Verify(context.Background(), rels[2:5])
	if !res[0].OK || res[1].OK || !res[2].OK || !errors.Is(res[1].Err(), ErrTampered) {
		t.Errorf("after tampering: %+v", res)
	}

	if env, err := openPlain(t, tf, FormatDotenv, "A=1\nB=two words\n").Env(); err != nil || !slices.Equal(env, []string{"A=1", "B=two words"}) {
		t.Errorf("dotenv Env = %q, %v", env, err)
	}
	d := openPlain(t, tf, FormatYAML, "a: 1\nb: true\nc: text\n")
	env, err := d.Env()
	if err != nil || !slices.Equal(env, []string{"a=1", "b=true", "c=text"}) {
		t.Errorf("Env = %q, %v", env, err)
	}
	if _, err := openPlain(t, tf, FormatYAML, "a:\n    b: c\n").Env(); err == nil {
		t.Error("Env of a nested value: no error")
	}
}

func mustEncrypt(t *testing.T, tf *testFleet, f Format, plain string) []byte {
	t.Helper()
	enc, err := Encrypt(f, []byte(plain), []string{tf.admin.Recipient().String()}, testNow())
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func openPlain(t *testing.T, tf *testFleet, f Format, plain string) *Document {
	t.Helper()
	file, err := Parse(f, mustEncrypt(t, tf, f, plain))
	if err != nil {
		t.Fatal(err)
	}
	d, err := file.Decrypt(tf.repo.Identities)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
