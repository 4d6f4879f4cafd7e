// Package secrets owns fleet's secrets: the SOPS file format implemented on
// filippo.io/age (YAML, JSON, dotenv and binary files), who may read which
// secret, and every operation on the secrets tree of a fleet.
//
// The pieces, from the bottom up:
//
//   - File and Document: an encrypted SOPS file as stored, and the same file
//     decrypted with its data key. Decrypting verifies the MAC; re-encrypting
//     a Document keeps the ciphertext of every unchanged value, so edits make
//     small diffs. Only one key group of age recipients is written; files
//     with pgp or KMS keys or several groups are refused, never rewritten.
//   - Identities and keys: age identities loaded the way sops loads them
//     (LoadIdentities, from an environment passed in as a value), admin key
//     generation (InitIdentity), and the ssh-to-age conversion of SSH
//     ed25519 host keys into age recipients and identities (SSHToAge,
//     SSHPrivateKeyToAge).
//   - Access: who reads what, as the evaluated fleet supplies it. It gives
//     the recipients of a secret and the creation rules of the generated
//     .sops.yaml (SopsConfig), so that the plain sops CLI agrees with fleet.
//   - Repo: the secrets tree of one fleet.
//
// The commands of `fleet secrets` map onto this package as follows:
//
//	init              DefaultIdentityFile, InitIdentity
//	edit PATH         Repo.Edit (EditOptions.Run starts $EDITOR)
//	set PATH KEY      Repo.Set
//	get PATH [KEY]    Repo.Get
//	encrypt PATH      Repo.Encrypt
//	decrypt PATH      Repo.Decrypt
//	rekey [--rotate]  Repo.Rekey
//	audit             Repo.Audit
//	backup OUT --to R Repo.Backup
//	restore IN        Repo.Restore
//	keys              Access.Keys, LoadIdentities (IdentitySource.Recipients)
//	keys ssh-to-age   SSHKeysToAge, SSHPrivateKeyToAge
//	list              Repo.List
//	generate          Access.SopsConfig
//	check             Repo.Load, File.Recipients (no decryption)
//
// Errors never contain secret material nor a line of a secret file. Callers
// branch on ErrTampered, ErrNoIdentity, ErrNotEncrypted, ErrUnsupported,
// ErrSyntax, ErrNotModified, ErrExists and the other sentinel errors with
// errors.Is.
package secrets
