package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of these where a
// caller may want to branch on the cause.
var (
	// ErrNotEncrypted means a file has no sops metadata: it is plaintext,
	// or its metadata was removed.
	ErrNotEncrypted = errors.New("file has no sops metadata")
	// ErrAlreadyEncrypted means plaintext given to encrypt already carries
	// sops metadata.
	ErrAlreadyEncrypted = errors.New("file is already encrypted")
	// ErrTampered means a file failed authentication: a value does not
	// decrypt under its key path, or the MAC does not match the values.
	ErrTampered = errors.New("file failed authentication")
	// ErrNoIdentity means none of the available identities unwraps the
	// file's data key.
	ErrNoIdentity = errors.New("no identity can decrypt the file")
	// ErrUnsupported means a file uses SOPS features fleet does not write:
	// pgp or cloud KMS keys, or several key groups.
	ErrUnsupported = errors.New("unsupported sops file")
	// ErrSyntax means a file does not parse in its format.
	ErrSyntax = errors.New("syntax error")
	// ErrNotModified means an edit left a file unchanged; nothing was
	// written.
	ErrNotModified = errors.New("file not modified")
	// ErrExists means a file that is never overwritten already exists.
	ErrExists = errors.New("file already exists")
	// ErrKeyNotFound means a key path does not exist in a file.
	ErrKeyNotFound = errors.New("key not found")
	// ErrNoRecipients means a secret would be encrypted to nobody.
	ErrNoRecipients = errors.New("no recipients")
	// ErrOutsideTree means a path is not below the fleet's secrets folder.
	ErrOutsideTree = errors.New("path is not in the secrets tree")
	// ErrChanged means another command changed a secret's values while it
	// was being edited; the edit was not saved, so neither change is lost
	// silently.
	ErrChanged = errors.New("file changed while it was being edited")
)

// TamperError reports a file that failed authentication. Key is the key
// path of the value that failed, in the "a/b/c" form, or "" when the MAC as
// a whole did not match. It never holds a value.
type TamperError struct {
	Key    string
	Reason string
}

func (e *TamperError) Error() string {
	if e.Key == "" {
		return "file failed authentication: " + e.Reason
	}
	return fmt.Sprintf("file failed authentication: value at %q: %s", e.Key, e.Reason)
}

// Is makes errors.Is(err, ErrTampered) true.
func (e *TamperError) Is(target error) bool { return target == ErrTampered }

// NoIdentityError reports that none of the identities tried unwraps the data
// key. Recipients are the file's recipients, so a caller can say which key
// would have worked.
type NoIdentityError struct {
	Recipients []string
	// Tried is the number of identities tried.
	Tried int
	// Corrupt lists recipients whose wrapped key was malformed, as opposed
	// to merely not matching any identity.
	Corrupt []string
	// Plugins lists the age plugins that could not run (not in PATH, or
	// failed), such as "age-plugin-yubikey is not in PATH".
	Plugins []string
}

func (e *NoIdentityError) Error() string {
	var b strings.Builder
	if e.Tried == 0 {
		b.WriteString("no age identity available to decrypt the file")
	} else {
		fmt.Fprintf(&b, "none of %d age identities can decrypt the file", e.Tried)
	}
	if len(e.Recipients) > 0 {
		fmt.Fprintf(&b, " (it is encrypted to %s)", strings.Join(e.Recipients, ", "))
	}
	if len(e.Corrupt) > 0 {
		fmt.Fprintf(&b, "; the wrapped key of %s is malformed", strings.Join(e.Corrupt, ", "))
	}
	if len(e.Plugins) > 0 {
		fmt.Fprintf(&b, "; %s", strings.Join(e.Plugins, "; "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNoIdentity) true.
func (e *NoIdentityError) Is(target error) bool { return target == ErrNoIdentity }

// UnsupportedError names the SOPS feature fleet refuses to handle.
type UnsupportedError struct {
	What string
}

func (e *UnsupportedError) Error() string {
	return "unsupported sops file: " + e.What
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// SyntaxError is a parse error in a secret file. It carries a position and
// a description, never the text at that position.
type SyntaxError struct {
	Format Format
	Line   int // 0 when unknown
	Col    int
	Msg    string
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s: line %d, column %d: %s", e.Format, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s: line %d: %s", e.Format, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Format, e.Msg)
	}
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// KeyNotFoundError names a key path missing from a file.
type KeyNotFoundError struct {
	Key string
}

func (e *KeyNotFoundError) Error() string { return fmt.Sprintf("key %q not found", e.Key) }

// Is makes errors.Is(err, ErrKeyNotFound) true.
func (e *KeyNotFoundError) Is(target error) bool { return target == ErrKeyNotFound }

// scrub removes quoted text from a message produced by a parser, so that an
// error never repeats content of the file being parsed. Parsers of the
// standard library and of go.yaml.in quote the offending input with ”,
// "" or “; what remains is the description and the position.
func scrub(msg string) string {
	var b strings.Builder
	var quote rune
	for _, r := range msg {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				b.WriteString("…")
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '\n':
			b.WriteString("; ")
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if quote != 0 {
		out += "…"
	}
	return out
}
