package inventory

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ParseNixPublicKey reads a Nix signing public key, NAME:BASE64 of the 32
// bytes of an Ed25519 public key, as nix key convert-secret-to-public
// prints it and nix.conf's trusted-public-keys lists it.
func ParseNixPublicKey(s string) (name string, key ed25519.PublicKey, err error) {
	name, b, err := parseNixKey(s, ed25519.PublicKeySize)
	return name, ed25519.PublicKey(b), err
}

// ParseNixSecretKey reads a Nix signing secret key, NAME:BASE64 of the 64
// bytes of an Ed25519 private key, as nix key generate-secret writes it.
func ParseNixSecretKey(s string) (name string, key ed25519.PrivateKey, err error) {
	name, b, err := parseNixKey(s, ed25519.PrivateKeySize)
	return name, ed25519.PrivateKey(b), err
}

// NixPublicKey is the public key of a secret key, as Nix writes it.
func NixPublicKey(name string, key ed25519.PrivateKey) string {
	return name + ":" + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

func parseNixKey(s string, size int) (string, []byte, error) {
	s = strings.TrimSpace(s)
	name, data, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return "", nil, errors.New("no NAME: before the key")
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return "", nil, errors.New("the part after NAME: is not base64")
	}
	if len(b) != size {
		return "", nil, fmt.Errorf("the key has %d bytes, not %d", len(b), size)
	}
	return name, b, nil
}
