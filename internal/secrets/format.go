package secrets

import (
	"fmt"
	"path"
	"strings"
)

// Format is the syntax of a secret file, chosen by its extension the way
// sops chooses it.
type Format int

// The formats fleet reads and writes.
const (
	FormatBinary Format = iota
	FormatYAML
	FormatJSON
	FormatDotenv
	FormatINI
)

// Extensions are the file extensions of secret files fleet creates rules
// for, with the format each selects. Any other extension is read as binary
// by sops; fleet names binary secrets ".bin".
func Extensions() []string { return []string{".yaml", ".yml", ".json", ".env", ".bin", ".ini"} }

// FormatForPath returns the format sops uses for a file name: .yaml and .yml
// are YAML, .json JSON, .env dotenv, .ini INI, anything else binary. Like
// sops it compares the extension exactly: "x.YAML" is binary.
func FormatForPath(name string) Format {
	switch path.Ext(name) {
	case ".yaml", ".yml":
		return FormatYAML
	case ".json":
		return FormatJSON
	case ".env":
		return FormatDotenv
	case ".ini":
		return FormatINI
	default:
		return FormatBinary
	}
}

// MiscasedExtension returns the extension sops would recognise when name
// ends in one of them written in other case (".YAML", ".Json"), which
// sops reads as binary; "" otherwise.
func MiscasedExtension(name string) string {
	ext := path.Ext(name)
	low := strings.ToLower(ext)
	if ext == low {
		return ""
	}
	for _, e := range Extensions() {
		if e == low && e != ".bin" {
			return e
		}
	}
	return ""
}

// ParseFormat accepts the names sops uses for --input-type: yaml, json,
// dotenv, ini and binary.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "yaml":
		return FormatYAML, nil
	case "json":
		return FormatJSON, nil
	case "dotenv":
		return FormatDotenv, nil
	case "ini":
		return FormatINI, nil
	case "binary":
		return FormatBinary, nil
	}
	return 0, fmt.Errorf("unknown format %q: want yaml, json, dotenv, ini or binary", s)
}

func (f Format) String() string {
	switch f {
	case FormatYAML:
		return "yaml"
	case FormatJSON:
		return "json"
	case FormatDotenv:
		return "dotenv"
	case FormatINI:
		return "ini"
	case FormatBinary:
		return "binary"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// store is one on-disk syntax: it turns bytes into documents and back, in
// plaintext and in encrypted form (with the sops metadata).
type store interface {
	loadPlain(data []byte) ([]mapping, error)
	emitPlain(docs []mapping) ([]byte, error)
	loadEncrypted(data []byte) ([]mapping, *Metadata, error)
	emitEncrypted(docs []mapping, md *Metadata) ([]byte, error)
}

func storeFor(f Format) store {
	switch f {
	case FormatYAML:
		return yamlStore{}
	case FormatJSON:
		return jsonStore{}
	case FormatDotenv:
		return dotenvStore{}
	case FormatINI:
		return iniStore{}
	default:
		return binaryStore{}
	}
}
