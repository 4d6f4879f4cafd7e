// Package secrets owns fleet's secrets: the SOPS file format implemented on
// filippo.io/age (YAML, JSON, dotenv and binary files), who may read which
// secret, and every operation on the secrets tree of a fleet.
//
// The pieces, from the bottom up:
//
//   - File and Document: an encrypted SOPS file as stored, and the same file
//     decrypted with its data key. Decrypting verifies the MAC; re-encrypting
//     a Document keeps the ciphertext of every unchanged value, so edits make
//     small diffs.
//   - Identities and keys: age identities loaded the way sops loads them,
//     admin key generation, and the ssh-to-age conversion of SSH ed25519 host
//     keys into age recipients and identities.
//   - Access: who reads what, as supplied by the evaluated fleet. It gives the
//     recipients of a secret and the creation rules of the generated
//     .sops.yaml, so that the plain sops CLI agrees with fleet.
//   - Repo: the secrets tree of one fleet: encrypt, decrypt, get, set, edit,
//     rekey and rotate (atomic per file), audit, backup and restore.
//
// Errors never contain secret material nor a line of a secret file. Callers
// branch on ErrTampered, ErrNoIdentity, ErrNotEncrypted, ErrUnsupported and
// the other sentinel errors with errors.Is.
package secrets
