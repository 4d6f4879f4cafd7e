package secrets

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"

	"filippo.io/edwards25519"
	"golang.org/x/crypto/ssh"
)

// ErrUnsupportedKeyType means an SSH key is not ed25519, the only type
// that converts to an age X25519 key.
var ErrUnsupportedKeyType = errors.New("only ssh-ed25519 keys convert to age keys")

// SSHToAge converts an SSH ed25519 public key to the age recipient
// ssh-to-age derives from it: the key's Edwards point mapped to its
// Montgomery form, bech32-encoded with the "age" prefix. The input is an
// authorized_keys line ("ssh-ed25519 AAAA... comment") or a known_hosts /
// ssh-keyscan line ("host ssh-ed25519 AAAA...").
//
// A host whose host.toml gives host_key is encrypted to this recipient;
// sops-nix derives the matching identity from /etc/ssh/ssh_host_ed25519_key
// at activation.
func SSHToAge(line string) (string, error) {
	line = strings.TrimSpace(line)
	var pk ssh.PublicKey
	var err error
	if strings.HasPrefix(line, "ssh-") {
		pk, _, _, _, err = ssh.ParseAuthorizedKey([]byte(line))
	} else {
		_, _, pk, _, _, err = ssh.ParseKnownHosts([]byte(line))
	}
	if err != nil {
		return "", fmt.Errorf("not an ssh public key: %s", scrub(err.Error()))
	}
	if pk.Type() != ssh.KeyAlgoED25519 {
		return "", fmt.Errorf("%s key: %w", pk.Type(), ErrUnsupportedKeyType)
	}
	cpk, ok := pk.(ssh.CryptoPublicKey)
	if !ok {
		return "", errors.New("ssh public key does not expose its key bytes")
	}
	edpk, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
	if !ok {
		return "", ErrUnsupportedKeyType
	}
	return ed25519ToAgeRecipient(edpk)
}

func ed25519ToAgeRecipient(pk ed25519.PublicKey) (string, error) {
	p, err := new(edwards25519.Point).SetBytes(pk)
	if err != nil {
		return "", errors.New("ed25519 public key is not a valid curve point")
	}
	return bech32Encode("age", p.BytesMontgomery()), nil
}

// ConvertedKey is one line of SSHKeysToAge's input and its outcome.
type ConvertedKey struct {
	Line      int    // 1-based line of the input
	Recipient string // age1..., empty when skipped
	Skipped   error  // why the line was skipped (ErrUnsupportedKeyType for non-ed25519 keys)
}

// SSHKeysToAge converts every key of an authorized_keys, known_hosts or
// ssh-keyscan listing, one result per key line, as the ssh-to-age command
// does: empty lines and "#" comments are ignored, keys of other types are
// skipped. A line that is not a key at all is an error.
func SSHKeysToAge(data []byte) ([]ConvertedKey, error) {
	var out []ConvertedKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := SSHToAge(line)
		switch {
		case errors.Is(err, ErrUnsupportedKeyType):
			out = append(out, ConvertedKey{Line: n, Skipped: err})
		case err != nil:
			return nil, fmt.Errorf("line %d: %w", n, err)
		default:
			out = append(out, ConvertedKey{Line: n, Recipient: r})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// SSHPrivateKeyToAge converts an OpenSSH ed25519 private key to the age
// identity ssh-to-age derives from it (AGE-SECRET-KEY-1...): the first 32
// bytes of SHA-512 of the seed, as X25519 uses them. It also returns the
// matching recipient. passphrase may be nil for an unencrypted key. Errors
// never include the key.
func SSHPrivateKeyToAge(pemBytes, passphrase []byte) (identity, recipient string, err error) {
	var raw any
	if len(passphrase) > 0 {
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(pemBytes, passphrase)
	} else {
		raw, err = ssh.ParseRawPrivateKey(pemBytes)
	}
	if err != nil {
		var pme *ssh.PassphraseMissingError
		if errors.As(err, &pme) {
			return "", "", errors.New("the ssh private key is protected by a passphrase")
		}
		return "", "", errors.New("not an ssh private key, or a wrong passphrase")
	}
	var key ed25519.PrivateKey
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		key = *k
	case ed25519.PrivateKey:
		key = k
	default:
		return "", "", ErrUnsupportedKeyType
	}
	recipient, err = ed25519ToAgeRecipient(key.Public().(ed25519.PublicKey))
	if err != nil {
		return "", "", err
	}
	h := sha512.Sum512(key.Seed())
	identity = strings.ToUpper(bech32Encode("age-secret-key-", h[:32]))
	clear(h[:])
	return identity, recipient, nil
}

// bech32Encode encodes data (8-bit bytes) with a lower-case human-readable
// part, as BIP 173 specifies but without its 90-character limit, which age
// identities do not follow either.
func bech32Encode(hrp string, data []byte) string {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	// Regroup 8-bit bytes into 5-bit values, padding the last one.
	var values []byte
	acc, bits := uint32(0), uint(0)
	for _, b := range data {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			values = append(values, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		values = append(values, byte(acc<<(5-bits))&31)
	}
	// Checksum over the expanded hrp, the values and six zeros.
	in := append(bech32ExpandHRP(hrp), values...)
	in = append(in, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(in) ^ 1
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range values {
		b.WriteByte(charset[v])
	}
	for i := range 6 {
		b.WriteByte(charset[(mod>>(5*(5-i)))&31])
	}
	return b.String()
}

// bech32ExpandHRP is the human-readable part as the checksum covers it.
func bech32ExpandHRP(hrp string) []byte {
	in := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		in = append(in, hrp[i]>>5)
	}
	in = append(in, 0)
	for i := 0; i < len(hrp); i++ {
		in = append(in, hrp[i]&31)
	}
	return in
}

// bech32Polymod is BIP 173's checksum function.
func bech32Polymod(vs []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range vs {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// bech32Decode decodes a bech32 string (either case, no length limit) into
// its lower-case human-readable part and its 8-bit data, checking the
// checksum.
func bech32Decode(s string) (hrp string, data []byte, err error) {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || sep+7 > len(s) {
		return "", nil, errors.New("not a bech32 string")
	}
	hrp = s[:sep]
	var values []byte
	for i := sep + 1; i < len(s); i++ {
		v := strings.IndexByte(charset, s[i])
		if v < 0 {
			return "", nil, errors.New("not a bech32 string")
		}
		values = append(values, byte(v))
	}
	in := append(bech32ExpandHRP(hrp), values...)
	if bech32Polymod(in) != 1 {
		return "", nil, errors.New("bad bech32 checksum")
	}
	values = values[:len(values)-6]
	acc, bits := uint32(0), uint(0)
	for _, v := range values {
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			data = append(data, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return "", nil, errors.New("bad bech32 padding")
	}
	return hrp, data, nil
}
