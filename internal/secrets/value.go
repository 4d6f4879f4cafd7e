package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ivSize is the AES-GCM nonce size sops writes. Decryption accepts any size.
const ivSize = 32

// gcmTagSize is the size of an AES-GCM tag.
const gcmTagSize = 16

// EncValue is a parsed "ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]"
// string: one encrypted value of a SOPS file.
type EncValue struct {
	Data []byte
	IV   []byte
	Tag  []byte
	Type string
}

const encPrefix = "ENC[AES256_GCM,data:"

// ParseEncValue parses an encrypted value. It accepts exactly what sops
// accepts: the regular expression
//
//	^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]
//
// with its greedy groups, and standard padded base64.
func ParseEncValue(s string) (EncValue, error) {
	data, iv, tag, typ, ok := splitEnc(s)
	if !ok {
		return EncValue{}, errors.New("not an encrypted value")
	}
	var v EncValue
	var err error
	if v.Data, err = base64.StdEncoding.DecodeString(data); err != nil {
		return EncValue{}, errors.New("encrypted value: malformed base64 in data")
	}
	if v.IV, err = base64.StdEncoding.DecodeString(iv); err != nil {
		return EncValue{}, errors.New("encrypted value: malformed base64 in iv")
	}
	if v.Tag, err = base64.StdEncoding.DecodeString(tag); err != nil {
		return EncValue{}, errors.New("encrypted value: malformed base64 in tag")
	}
	v.Type = typ
	return v, nil
}

// String formats v the way sops writes it.
func (v EncValue) String() string {
	return "ENC[AES256_GCM,data:" + base64.StdEncoding.EncodeToString(v.Data) +
		",iv:" + base64.StdEncoding.EncodeToString(v.IV) +
		",tag:" + base64.StdEncoding.EncodeToString(v.Tag) +
		",type:" + v.Type + "]"
}

// isEncValue reports whether s has the shape of an encrypted value.
func isEncValue(s string) bool {
	_, _, _, _, ok := splitEnc(s)
	return ok
}

// splitEnc finds the four groups of the sops value regular expression. The
// groups cannot hold a newline ('.' does not match one), must be non-empty,
// and are greedy from the left: the data group is as long as it can be,
// then iv, then tag, then type. What follows the closing bracket is
// ignored, as the expression is not anchored at the end.
func splitEnc(s string) (data, iv, tag, typ string, ok bool) {
	if !strings.HasPrefix(s, encPrefix) {
		return "", "", "", "", false
	}
	t := s[len(encPrefix):]
	if nl := strings.IndexByte(t, '\n'); nl >= 0 {
		t = t[:nl]
	}
	end := strings.LastIndexByte(t, ']')
	if end < 0 {
		return "", "", "", "", false
	}
	// ",type:" must end before the bracket with at least one byte between.
	pType := strings.LastIndex(t[:max(end-1, 0)], ",type:")
	if pType < 0 || pType+len(",type:") >= end {
		return "", "", "", "", false
	}
	pTag := strings.LastIndex(t[:max(pType-1, 0)], ",tag:")
	if pTag < 0 || pTag+len(",tag:") >= pType {
		return "", "", "", "", false
	}
	pIV := strings.LastIndex(t[:max(pTag-1, 0)], ",iv:")
	if pIV < 1 || pIV+len(",iv:") >= pTag {
		return "", "", "", "", false
	}
	return t[:pIV], t[pIV+len(",iv:") : pTag], t[pTag+len(",tag:") : pType], t[pType+len(",type:") : end], true
}

// valueCipher encrypts and decrypts the values of one document under one
// data key, remembering the IV of every value it decrypted so that
// re-encrypting an unchanged value reproduces its ciphertext.
type valueCipher struct {
	block cipher.Block
	gcms  map[int]cipher.AEAD
	stash map[stashKey][][]byte
}

// stashKey identifies a plaintext value at a key path. The same plaintext
// at the same path under the same data key may reuse its IV: the
// ciphertext is then identical, which reveals nothing new.
type stashKey struct {
	aad, typ, plain string
}

func newValueCipher(key []byte) (*valueCipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("data key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &valueCipher{block: block, gcms: map[int]cipher.AEAD{}, stash: map[stashKey][][]byte{}}, nil
}

func (c *valueCipher) gcm(nonceSize int) (cipher.AEAD, error) {
	if g, ok := c.gcms[nonceSize]; ok {
		return g, nil
	}
	g, err := cipher.NewGCMWithNonceSize(c.block, nonceSize)
	if err != nil {
		return nil, err
	}
	c.gcms[nonceSize] = g
	return g, nil
}

// plainBytes returns the bytes sops encrypts and hashes for a leaf value,
// and the type name it records.
func plainBytes(v any) (typ string, b []byte, err error) {
	switch v := v.(type) {
	case string:
		return "str", []byte(v), nil
	case int:
		return "int", []byte(strconv.Itoa(v)), nil
	case float64:
		return "float", []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return "bool", []byte("True"), nil
		}
		return "bool", []byte("False"), nil
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return "", nil, errors.New("timestamp cannot be represented")
		}
		return "time", b, nil
	case []byte:
		return "bytes", v, nil
	case comment:
		return "comment", []byte(v.Value), nil
	}
	return "", nil, fmt.Errorf("values of type %s are not supported", typeName(v))
}

// typeName describes the Go type of a tree value without showing it.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case int, int64, uint64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "timestamp"
	case mapping:
		return "mapping"
	case list:
		return "list"
	case comment:
		return "comment"
	}
	return fmt.Sprintf("%T", v)
}

// isEmptyValue reports whether sops leaves v unencrypted because it is
// empty: the empty string and the empty comment.
func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case []byte:
		return len(v) == 0
	case comment:
		return v.Value == ""
	}
	return false
}

// encrypt encrypts a leaf value at the key path aad. Empty values stay
// empty. A value decrypted earlier at the same path with the same plaintext
// gets its old IV back.
func (c *valueCipher) encrypt(v any, aad string) (string, error) {
	if isEmptyValue(v) {
		return "", nil
	}
	typ, plain, err := plainBytes(v)
	if err != nil {
		return "", err
	}
	if typ == "bytes" {
		typ = "str"
	}
	k := stashKey{aad: aad, typ: typ, plain: string(plain)}
	var iv []byte
	if ivs := c.stash[k]; len(ivs) > 0 {
		iv = ivs[0]
		if len(ivs) > 1 {
			c.stash[k] = ivs[1:]
		}
	} else {
		iv = make([]byte, ivSize)
		if _, err := rand.Read(iv); err != nil {
			return "", fmt.Errorf("generating IV: %w", err)
		}
	}
	g, err := c.gcm(len(iv))
	if err != nil {
		return "", err
	}
	sealed := g.Seal(nil, iv, plain, []byte(aad))
	n := len(sealed) - gcmTagSize
	return EncValue{Data: sealed[:n], IV: iv, Tag: sealed[n:], Type: typ}.String(), nil
}

// errValueAuth is the cause of a value that does not authenticate.
var errValueAuth = errors.New("does not decrypt: the value or its key path was changed")

// decrypt decrypts one ENC value at the key path aad and stashes its IV.
// Errors describe the value's shape, never its content.
func (c *valueCipher) decrypt(s string, aad string) (any, error) {
	if s == "" {
		return "", nil
	}
	ev, err := ParseEncValue(s)
	if err != nil {
		return nil, err
	}
	if len(ev.IV) == 0 {
		return nil, errors.New("encrypted value has an empty iv")
	}
	g, err := c.gcm(len(ev.IV))
	if err != nil {
		return nil, err
	}
	sealed := make([]byte, 0, len(ev.Data)+len(ev.Tag))
	sealed = append(append(sealed, ev.Data...), ev.Tag...)
	plain, err := g.Open(nil, ev.IV, sealed, []byte(aad))
	if err != nil {
		return nil, errValueAuth
	}
	var v any
	switch ev.Type {
	case "str":
		v = string(plain)
	case "int":
		n, err := strconv.Atoi(string(plain))
		if err != nil {
			return nil, errors.New("value of type int is not an integer")
		}
		v = n
	case "float":
		f, err := strconv.ParseFloat(string(plain), 64)
		if err != nil {
			return nil, errors.New("value of type float is not a number")
		}
		v = f
	case "bool":
		b, err := strconv.ParseBool(string(plain))
		if err != nil {
			return nil, errors.New("value of type bool is not a boolean")
		}
		v = b
	case "time":
		var t time.Time
		if err := t.UnmarshalText(plain); err != nil {
			return nil, errors.New("value of type time is not a timestamp")
		}
		v = t
	case "bytes":
		v = plain
	case "comment":
		v = comment{Value: string(plain)}
	default:
		return nil, errors.New("encrypted value has an unknown type")
	}
	typ, pb, err := plainBytes(v)
	if err == nil {
		if typ == "bytes" {
			typ = "str"
		}
		k := stashKey{aad: aad, typ: typ, plain: string(pb)}
		c.stash[k] = append(c.stash[k], ev.IV)
	}
	return v, nil
}
