package secrets

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"filippo.io/age"
)

// BackupAuth is the archive entry that authenticates a backup's manifest.
const BackupAuth = "auth.json"

// ErrUnauthenticated means a backup's origin cannot be checked: it carries
// no authentication, or none of the restorer's identities can verify it.
var ErrUnauthenticated = errors.New("backup is not authenticated")

// backupAuth authenticates a backup's manifest.json for the fleet's
// admins. The admin who makes a backup (Signer, an X25519 age recipient)
// computes for every admin B a tag: HMAC-SHA256 of the manifest under a
// key derived from the X25519 shared secret of the signer's identity and
// B. Only the signer and B can compute that secret, so an archive made
// with nothing but the backup's (public) recipient cannot carry a tag that
// an admin's identity verifies, and a signer who is not an admin of the
// fleet restored into is refused.
type backupAuth struct {
	Version int    `json:"version"`
	Signer  string `json:"signer"`
	// Tags maps each admin's recipient to the hex tag for it.
	Tags map[string]string `json:"tags"`
}

// x25519Of returns the scalar and recipient of an X25519 age identity.
func x25519Of(id age.Identity) (scalar []byte, recipient string, ok bool) {
	xi, isX := id.(*age.X25519Identity)
	if !isX {
		return nil, "", false
	}
	hrp, data, err := bech32Decode(xi.String())
	if err != nil || hrp != "age-secret-key-" || len(data) != 32 {
		return nil, "", false
	}
	return data, xi.Recipient().String(), true
}

// authKey is the key for the pair (signer, verifier), from the scalar of
// one of them and the recipient of the other.
func authKey(scalar []byte, peer, signer, verifier string) ([]byte, error) {
	hrp, point, err := bech32Decode(peer)
	if err != nil || hrp != "age" || len(point) != 32 {
		return nil, fmt.Errorf("%s is not an X25519 age recipient", peer)
	}
	priv, err := ecdh.X25519().NewPrivateKey(scalar)
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(point)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(pub)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, shared)
	m.Write([]byte("fleet secrets backup v1\n" + signer + "\n" + verifier))
	return m.Sum(nil), nil
}

func authTag(key, manifest []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(manifest)
	return hex.EncodeToString(m.Sum(nil))
}

// signBackup authenticates manifest for admins with the first of ids that
// is an admin's X25519 identity.
func signBackup(ids []age.Identity, admins []string, manifest []byte) (*backupAuth, error) {
	for _, id := range ids {
		scalar, signer, ok := x25519Of(id)
		if !ok || !slices.Contains(admins, signer) {
			continue
		}
		auth := &backupAuth{Version: 1, Signer: signer, Tags: map[string]string{}}
		for _, a := range admins {
			key, err := authKey(scalar, a, signer, a)
			if err != nil {
				continue // an admin with another kind of key cannot verify
			}
			auth.Tags[a] = authTag(key, manifest)
		}
		return auth, nil
	}
	return nil, fmt.Errorf("none of your identities is the age key of an admin of the fleet: a backup is authenticated by the admin who makes it: %w", ErrNoIdentity)
}

// verifyBackup checks auth against manifest with the first of ids that is
// an admin's X25519 identity the backup carries a tag for. It returns that
// verifier's recipient.
func verifyBackup(auth *backupAuth, ids []age.Identity, admins []string, manifest []byte) (string, error) {
	if auth == nil {
		return "", fmt.Errorf("the backup carries no %s: %w", BackupAuth, ErrUnauthenticated)
	}
	if auth.Version != 1 {
		return "", fmt.Errorf("%s has version %d, which this fleet does not know: %w", BackupAuth, auth.Version, ErrUnauthenticated)
	}
	if !slices.Contains(admins, auth.Signer) {
		return "", fmt.Errorf("the backup was made by %s, who is not an admin of this fleet: %w", auth.Signer, ErrUnauthenticated)
	}
	for _, id := range ids {
		scalar, verifier, ok := x25519Of(id)
		if !ok || !slices.Contains(admins, verifier) {
			continue
		}
		tag, ok := auth.Tags[verifier]
		if !ok {
			continue
		}
		key, err := authKey(scalar, auth.Signer, auth.Signer, verifier)
		if err != nil {
			return "", err
		}
		if !hmac.Equal([]byte(tag), []byte(authTag(key, manifest))) {
			return "", fmt.Errorf("%s does not match the manifest: the backup was forged or altered: %w", BackupAuth, ErrTampered)
		}
		return verifier, nil
	}
	return "", fmt.Errorf("none of your identities is an admin's age key the backup was authenticated for: %w", ErrUnauthenticated)
}
