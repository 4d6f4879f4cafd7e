package secrets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
)

// dataKeySize is the size of a SOPS data key: an AES-256 key.
const dataKeySize = 32

func newDataKey() ([]byte, error) {
	k := make([]byte, dataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generating data key: %w", err)
	}
	return k, nil
}

// ParseRecipient parses a recipient the way sops does: "age1pq1..." is a
// hybrid post-quantum recipient, "age1..." an X25519 recipient and
// "ssh-ed25519 ..." or "ssh-rsa ..." an SSH recipient. Plugin recipients
// ("age1<name>1...") are refused: they need a plugin binary.
func ParseRecipient(s string) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		r, err := age.ParseHybridRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("malformed hybrid age recipient %q", abbrev(s))
		}
		return r, nil
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") > 1:
		// age1<plugin>1...: wrapped by age-plugin-<plugin> from PATH
		// (YubiKey, TPM, Secure Enclave, ...).
		r, err := plugin.NewRecipient(s, pluginUI())
		if err != nil {
			return nil, fmt.Errorf("malformed age plugin recipient %q", abbrev(s))
		}
		return r, nil
	case strings.HasPrefix(s, "age1"):
		r, err := age.ParseX25519Recipient(s)
		if err != nil {
			return nil, fmt.Errorf("malformed age recipient %q", abbrev(s))
		}
		return r, nil
	case strings.HasPrefix(s, "ssh-"):
		r, err := agessh.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("malformed ssh recipient %q", abbrev(s))
		}
		return r, nil
	}
	return nil, fmt.Errorf("not an age recipient: %q (want age1... or ssh-ed25519 ...)", abbrev(s))
}

// abbrev shortens a public key for messages.
func abbrev(s string) string {
	if len(s) > 72 {
		return s[:68] + "..."
	}
	return s
}

// wrapKey encrypts the data key to one recipient as an armored age file,
// the "enc" of a SOPS age entry.
func wrapKey(dataKey []byte, recipient string) (string, error) {
	r, err := ParseRecipient(recipient)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return "", fmt.Errorf("wrapping data key for %s: %w", abbrev(recipient), err)
	}
	if _, err := w.Write(dataKey); err != nil {
		return "", fmt.Errorf("wrapping data key for %s: %w", abbrev(recipient), err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("wrapping data key for %s: %w", abbrev(recipient), err)
	}
	if err := aw.Close(); err != nil {
		return "", fmt.Errorf("wrapping data key for %s: %w", abbrev(recipient), err)
	}
	return buf.String(), nil
}

// wrapKeys wraps the data key for every recipient, dropping duplicates and
// keeping the order.
func wrapKeys(dataKey []byte, recipients []string) ([]AgeKey, error) {
	if len(recipients) == 0 {
		return nil, ErrNoRecipients
	}
	seen := map[string]bool{}
	var out []AgeKey
	for _, r := range recipients {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		enc, err := wrapKey(dataKey, r)
		if err != nil {
			return nil, err
		}
		out = append(out, AgeKey{Recipient: r, Enc: enc})
	}
	if len(out) == 0 {
		return nil, ErrNoRecipients
	}
	return out, nil
}

// unwrapKey recovers the data key with any of the identities.
func unwrapKey(keys []AgeKey, ids []age.Identity) ([]byte, error) {
	nie := &NoIdentityError{Tried: len(ids)}
	for _, k := range keys {
		nie.Recipients = append(nie.Recipients, k.Recipient)
	}
	if len(ids) == 0 {
		return nil, nie
	}
	// Identities that ask for a passphrase come last: first every key with
	// the others, then with them (a converted ssh key only for its own
	// recipient).
	var eager, asking []age.Identity
	for _, id := range ids {
		if _, ok := id.(lazy); ok {
			asking = append(asking, id)
		} else {
			eager = append(eager, id)
		}
	}
	if key := tryKeys(keys, eager, nie); key != nil {
		return key, nil
	}
	for _, id := range asking {
		ks := keys
		if lc, ok := id.(*lazyConverted); ok {
			ks = nil
			for _, k := range keys {
				if k.Recipient == lc.recipient {
					ks = append(ks, k)
				}
			}
		}
		if key := tryKeys(ks, []age.Identity{id}, nie); key != nil {
			return key, nil
		}
		if err := id.(lazy).failure(); err != nil {
			return nil, fmt.Errorf("%v: %w", err, nie)
		}
	}
	return nil, nie
}

// tryKeys unwraps the data key from the first of keys one of ids opens,
// noting damaged ones in nie; nil when none opens.
func tryKeys(keys []AgeKey, ids []age.Identity, nie *NoIdentityError) []byte {
	if len(ids) == 0 {
		return nil
	}
	for _, k := range keys {
		r, err := age.Decrypt(armor.NewReader(strings.NewReader(k.Enc)), ids...)
		if err != nil {
			var nm *age.NoIdentityMatchError
			var nf *plugin.NotFoundError
			switch {
			case errors.As(err, &nm):
			case errors.As(err, &nf):
				if msg := "age-plugin-" + nf.Name + " is not in PATH"; !slices.Contains(nie.Plugins, msg) {
					nie.Plugins = append(nie.Plugins, msg)
				}
			case strings.Contains(err.Error(), "plugin"):
				if msg := "an age plugin failed: " + scrub(err.Error()); !slices.Contains(nie.Plugins, msg) {
					nie.Plugins = append(nie.Plugins, msg)
				}
			default:
				nie.Corrupt = append(nie.Corrupt, k.Recipient)
			}
			continue
		}
		key, err := io.ReadAll(io.LimitReader(r, 1024))
		if err != nil {
			nie.Corrupt = append(nie.Corrupt, k.Recipient)
			continue
		}
		if len(key) != dataKeySize {
			nie.Corrupt = append(nie.Corrupt, k.Recipient)
			continue
		}
		return key
	}
	return nil
}
