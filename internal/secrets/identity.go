package secrets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
	shellwords "github.com/mattn/go-shellwords"
	"golang.org/x/crypto/ssh"
)

// The environment variables sops reads identities from.
const (
	EnvAgeKey        = "SOPS_AGE_KEY"
	EnvAgeKeyFile    = "SOPS_AGE_KEY_FILE"
	EnvAgeKeyCmd     = "SOPS_AGE_KEY_CMD"
	EnvSSHKeyFile    = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
	EnvSSHKeyCmd     = "SOPS_AGE_SSH_PRIVATE_KEY_CMD"
	keysTxtInConfig  = "sops/age/keys.txt"
	maxIdentityBytes = 1 << 20
)

// IdentityOptions says where LoadIdentities looks.
type IdentityOptions struct {
	// Getenv reads the environment; the App passes its Env.Get. Required.
	Getenv func(key string) string
	// GOOS picks the default config directory; "" means runtime.GOOS.
	GOOS string
	// Files are identity files named on the command line. When set, only
	// they are read.
	Files []string
	// Environ is the environment of SOPS_AGE_KEY_CMD and
	// SOPS_AGE_SSH_PRIVATE_KEY_CMD; nil means the process's.
	Environ []string
	// Passphrase asks for the passphrase of a protected identity (what
	// names it: a file or an environment variable), on a terminal; nil
	// means such identities cannot be used. It is called only when the
	// identity is needed, at most once an identity.
	Passphrase func(what string) ([]byte, error)
}

// IdentitySource is one place LoadIdentities looked, and what it found.
type IdentitySource struct {
	Location string `json:"location"` // an environment variable or a file
	Count    int    `json:"count"`    // identities loaded from it
	// Recipients are the public keys of the age identities loaded from
	// it (an ssh ed25519 key gives its ssh-to-age recipient).
	Recipients []string `json:"recipients,omitempty"`
	Err        error    `json:"-"` // why it could not be used; never holds key material
	Error      string   `json:"error,omitempty"`
}

// LoadIdentities collects age identities the way sops does, from every
// source that is present:
//
//  1. SOPS_AGE_SSH_PRIVATE_KEY_FILE, then ~/.ssh/id_ed25519 and ~/.ssh/id_rsa
//  2. SOPS_AGE_KEY (whitespace-separated keys)
//  3. SOPS_AGE_KEY_FILE
//  4. $XDG_CONFIG_HOME/sops/age/keys.txt, by default ~/.config/sops/age/keys.txt
//     (~/Library/Application Support/sops/age/keys.txt on macOS)
//
// An SSH ed25519 key yields two identities: the SSH one sops uses, and the
// X25519 identity ssh-to-age derives from it, which is how sops-nix reads a
// host's secrets; so a host key decrypts what fleet encrypted to that host.
// SOPS_AGE_SSH_PRIVATE_KEY_CMD (after the file) and SOPS_AGE_KEY_CMD
// (after SOPS_AGE_KEY_FILE) are commands, split into words as a shell
// would and run without one, whose output is an ssh private key or age
// identities, as sops runs them; fleet runs each once, not once a
// recipient, so SOPS_AGE_RECIPIENT is not set. The result lists every
// source looked at.
func LoadIdentities(opts IdentityOptions) ([]age.Identity, []IdentitySource) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var ids []age.Identity
	var srcs []IdentitySource
	fromFile := func(path string, optional bool) {
		data, err := readIdentityFile(path)
		if optional && errors.Is(err, fs.ErrNotExist) {
			return
		}
		src := IdentitySource{Location: path, Err: err}
		if err == nil {
			var got []age.Identity
			got, src.Err = parseIdentitiesAsk(data, path, opts.Passphrase)
			src.Count = len(got)
			src.Recipients = IdentityRecipients(got)
			ids = append(ids, got...)
		}
		srcs = append(srcs, src)
	}
	if len(opts.Files) > 0 {
		for _, f := range opts.Files {
			fromFile(f, false)
		}
		for i := range srcs {
			if srcs[i].Err != nil {
				srcs[i].Error = srcs[i].Err.Error()
			}
		}
		return ids, srcs
	}
	home := getenv("HOME")
	if p := getenv(EnvSSHKeyFile); p != "" {
		fromFile(p, false)
	}
	fromCmd := func(env, cmdline string, ssh bool) {
		src := IdentitySource{Location: env}
		out, err := runKeyCmd(cmdline, opts.Environ)
		if err != nil {
			src.Err = fmt.Errorf("%s: %w", env, err)
		} else {
			var got []age.Identity
			if ssh {
				got, err = parseIdentitiesAsk(out, env, opts.Passphrase)
			} else {
				got, err = parseAgeIdentities(out, false)
			}
			if err != nil {
				src.Err = fmt.Errorf("%s: the command's output: %w", env, err)
			}
			src.Count = len(got)
			src.Recipients = IdentityRecipients(got)
			ids = append(ids, got...)
		}
		srcs = append(srcs, src)
	}
	if c := getenv(EnvSSHKeyCmd); c != "" {
		fromCmd(EnvSSHKeyCmd, c, true)
	}
	if home != "" {
		fromFile(filepath.Join(home, ".ssh", "id_ed25519"), true)
		fromFile(filepath.Join(home, ".ssh", "id_rsa"), true)
	}
	if k := getenv(EnvAgeKey); k != "" {
		got, err := parseAgeIdentities([]byte(k), true)
		srcs = append(srcs, IdentitySource{Location: EnvAgeKey, Count: len(got), Recipients: IdentityRecipients(got), Err: err})
		ids = append(ids, got...)
	}
	if p := getenv(EnvAgeKeyFile); p != "" {
		fromFile(p, false)
	}
	if c := getenv(EnvAgeKeyCmd); c != "" {
		fromCmd(EnvAgeKeyCmd, c, false)
	}
	if p, err := DefaultIdentityFile(getenv, opts.GOOS); err == nil {
		if len(ids) == 0 {
			fromFile(p, false)
		} else {
			fromFile(p, true)
		}
	}
	for i := range srcs {
		if srcs[i].Err != nil {
			srcs[i].Error = srcs[i].Err.Error()
		}
	}
	return ids, srcs
}

// runKeyCmd runs a key command line, split into words as a shell would
// (quotes and backslashes; no expansion), and returns its stdout. Errors
// never hold the command's output.
func runKeyCmd(cmdline string, environ []string) ([]byte, error) {
	args, err := shellwords.Parse(cmdline)
	if err != nil || len(args) == 0 {
		return nil, errors.New("the command does not parse as words")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = environ
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running %s: %v", args[0], err)
	}
	if len(out) > maxIdentityBytes {
		return nil, errors.New("the command printed more than 1 MiB")
	}
	return out, nil
}

// DefaultIdentityFile is where sops looks for age keys by default, and
// where `fleet secrets init` creates the admin key:
// $XDG_CONFIG_HOME/sops/age/keys.txt, else ~/.config/sops/age/keys.txt,
// else on macOS ~/Library/Application Support/sops/age/keys.txt.
func DefaultIdentityFile(getenv func(string) string, goos string) (string, error) {
	if goos == "" {
		goos = runtime.GOOS
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, filepath.FromSlash(keysTxtInConfig)), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("HOME is not set: cannot locate the age key file")
	}
	if goos == "darwin" {
		return filepath.Join(home, "Library", "Application Support", filepath.FromSlash(keysTxtInConfig)), nil
	}
	return filepath.Join(home, ".config", filepath.FromSlash(keysTxtInConfig)), nil
}

func readIdentityFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, maxIdentityBytes+1)); err != nil {
		return nil, err
	}
	if b.Len() > maxIdentityBytes {
		return nil, fmt.Errorf("%s: identity file too large", path)
	}
	return b.Bytes(), nil
}

// ParseIdentities reads an identity file: an age keys.txt (one identity per
// line, "#" comments), or an OpenSSH private key. Errors name the line,
// never its content.
func ParseIdentities(data []byte) ([]age.Identity, error) { return parseIdentitiesAsk(data, "", nil) }

// parseIdentitiesAsk is ParseIdentities where a passphrase-protected age
// identity file (age -p) or ssh key can be used: ask is called for its
// passphrase when the identity is first needed.
func parseIdentitiesAsk(data []byte, what string, ask func(string) ([]byte, error)) ([]age.Identity, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN AGE ENCRYPTED FILE-----")), bytes.HasPrefix(trimmed, []byte("age-encryption.org/")):
		if ask == nil {
			return nil, errors.New("the identity file is protected by a passphrase, and there is no terminal to ask for it on; decrypt it with age -d, or run the command on a terminal")
		}
		return []age.Identity{&lazyIdentity{data: data, pass: newPassphrase(what, ask)}}, nil
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")):
		return parseSSHIdentity(trimmed, what, ask)
	}
	return parseAgeIdentities(data, false)
}

// passphrase asks once for the passphrase of one identity.
type passphrase struct {
	once sync.Once
	what string
	ask  func(string) ([]byte, error)
	pass []byte
	err  error
}

func newPassphrase(what string, ask func(string) ([]byte, error)) *passphrase {
	return &passphrase{what: what, ask: ask}
}

func (p *passphrase) get() ([]byte, error) {
	p.once.Do(func() { p.pass, p.err = p.ask(p.what) })
	return p.pass, p.err
}

// lazy marks identities that ask for a passphrase: unwrapKey tries them
// only after every other identity failed, and a lazyConverted only for the
// recipient it stands for, so nobody is asked for a passphrase a key
// already at hand makes useless.
type lazy interface{ failure() error }

func (l *lazyIdentity) failure() error  { return l.err }
func (l *lazyConverted) failure() error { return l.err }
func (lazySSH) failure() error          { return nil }

// lazySSH is a passphrase-protected ssh identity (age asks for the
// passphrase when a stanza for that key comes up).
type lazySSH struct{ age.Identity }

// lazyIdentity is a passphrase-protected age identity file, decrypted
// (asking for its passphrase) when an Unwrap first needs it.
type lazyIdentity struct {
	data []byte
	pass *passphrase
	once sync.Once
	ids  []age.Identity
	err  error
}

func (l *lazyIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	l.once.Do(func() {
		pw, err := l.pass.get()
		if err != nil {
			l.err = err
			return
		}
		id, err := age.NewScryptIdentity(string(pw))
		if err != nil {
			l.err = err
			return
		}
		var in io.Reader = bytes.NewReader(l.data)
		if bytes.HasPrefix(bytes.TrimSpace(l.data), []byte("-----BEGIN")) {
			in = armor.NewReader(in)
		}
		r, err := age.Decrypt(in, id)
		if err != nil {
			l.err = errors.New("the passphrase does not open the identity file")
			return
		}
		plain, err := io.ReadAll(io.LimitReader(r, maxIdentityBytes))
		if err != nil {
			l.err = errors.New("the identity file is damaged")
			return
		}
		l.ids, l.err = parseAgeIdentities(plain, false)
	})
	if l.err != nil {
		return nil, l.err
	}
	for _, id := range l.ids {
		k, err := id.Unwrap(stanzas)
		if err == nil || !errors.Is(err, age.ErrIncorrectIdentity) {
			return k, err
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// lazyConverted is the X25519 identity ssh-to-age derives from a
// passphrase-protected ssh key (how a host's secrets open), derived when
// an Unwrap of an X25519 stanza first needs it.
type lazyConverted struct {
	pem       []byte
	pass      *passphrase
	recipient string // ssh-to-age of the public key, known without the passphrase
	once      sync.Once
	id        age.Identity
	err       error
}

func (l *lazyConverted) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if !slices.ContainsFunc(stanzas, func(s *age.Stanza) bool { return s.Type == "X25519" }) {
		return nil, age.ErrIncorrectIdentity
	}
	l.once.Do(func() {
		pw, err := l.pass.get()
		if err != nil {
			l.err = err
			return
		}
		conv, _, err := SSHPrivateKeyToAge(l.pem, pw)
		if err != nil {
			l.err = errors.New("the passphrase does not open the ssh key")
			return
		}
		l.id, l.err = age.ParseX25519Identity(conv)
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.id.Unwrap(stanzas)
}

func parseSSHIdentity(pemBytes []byte, what string, ask func(string) ([]byte, error)) ([]age.Identity, error) {
	id, err := agessh.ParseIdentity(pemBytes)
	if err != nil {
		var pme *ssh.PassphraseMissingError
		if errors.As(err, &pme) {
			if ask == nil || pme.PublicKey == nil {
				return nil, errors.New("the ssh private key is protected by a passphrase, and there is no terminal to ask for it on: run the command on a terminal, or use an age key")
			}
			pass := newPassphrase(what, ask)
			enc, err := agessh.NewEncryptedSSHIdentity(pme.PublicKey, pemBytes, pass.get)
			if err != nil {
				return nil, errors.New("not a supported ssh private key")
			}
			ids := []age.Identity{lazySSH{enc}}
			if pme.PublicKey.Type() == ssh.KeyAlgoED25519 {
				if r, err := SSHToAge(string(ssh.MarshalAuthorizedKey(pme.PublicKey))); err == nil {
					ids = append(ids, &lazyConverted{pem: pemBytes, pass: pass, recipient: r})
				}
			}
			return ids, nil
		}
		return nil, errors.New("not an age identity file nor a supported ssh private key")
	}
	ids := []age.Identity{id}
	if conv, _, err := SSHPrivateKeyToAge(pemBytes, nil); err == nil {
		x, err := age.ParseX25519Identity(conv)
		if err == nil {
			ids = append(ids, x)
		}
	}
	return ids, nil
}

// parseAgeIdentities reads age identities, one per line (or several per
// line separated by spaces when many is set, as SOPS_AGE_KEY allows).
func parseAgeIdentities(data []byte, many bool) ([]age.Identity, error) {
	var ids []age.Identity
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), maxIdentityBytes)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := []string{line}
		if many {
			fields = strings.Fields(line)
		}
		for _, f := range fields {
			id, err := parseIdentity(f)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errors.New("identity file has an overlong line")
	}
	return ids, nil
}

func parseIdentity(s string) (age.Identity, error) {
	switch {
	case strings.HasPrefix(s, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(s)
		if err != nil {
			return nil, errors.New("malformed post-quantum age identity")
		}
		return id, nil
	case strings.HasPrefix(s, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(s)
		if err != nil {
			return nil, errors.New("malformed age identity")
		}
		return id, nil
	case strings.HasPrefix(s, "AGE-PLUGIN-"):
		id, err := plugin.NewIdentity(s, pluginUI())
		if err != nil {
			return nil, errors.New("malformed age plugin identity")
		}
		return id, nil
	}
	return nil, errors.New("not an age identity")
}

// PluginPrompt asks the user for what an age plugin requests (a PIN, a
// confirmation) on the terminal; nil refuses every request. The CLI sets
// it.
var PluginPrompt func(prompt string, secret bool) (string, error)

// pluginUI is how age plugins (age-plugin-<name> on PATH: YubiKey, TPM,
// Secure Enclave, ...) talk to the user: messages on stderr, requests
// through PluginPrompt.
func pluginUI() *plugin.ClientUI {
	ask := func(name, prompt string, secret bool) (string, error) {
		if PluginPrompt == nil {
			return "", fmt.Errorf("age-plugin-%s asks %q, and there is no terminal to answer on", name, prompt)
		}
		return PluginPrompt("age-plugin-"+name+": "+prompt, secret)
	}
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error {
			fmt.Fprintf(os.Stderr, "age-plugin-%s: %s\n", name, msg)
			return nil
		},
		RequestValue: ask,
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			choices := yes
			if no != "" {
				choices += "/" + no
			}
			v, err := ask(name, prompt+" ["+choices+"]", false)
			return err == nil && strings.EqualFold(strings.TrimSpace(v), yes), err
		},
		WaitTimer: func(name string) {
			fmt.Fprintf(os.Stderr, "age-plugin-%s: waiting (touch or unlock the key?)\n", name)
		},
	}
}

// IdentityRecipients returns the recipients of the X25519 and hybrid
// identities in ids, so a caller can tell which parties it can act as.
func IdentityRecipients(ids []age.Identity) []string {
	var out []string
	for _, id := range ids {
		switch id := id.(type) {
		case *age.X25519Identity:
			out = append(out, id.Recipient().String())
		case *age.HybridIdentity:
			out = append(out, id.Recipient().String())
		}
	}
	return out
}

// InitIdentity creates an age identity file at path, mode 0600 in a
// directory created 0700, in the format age-keygen writes, and returns its
// recipient. It never overwrites: when path exists it returns ErrExists.
func InitIdentity(path string, now time.Time) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%s: %w", path, ErrExists)
		}
		return "", err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	r := id.Recipient().String()
	content := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", now.Format(time.RFC3339), r, id.String())
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", err
	}
	return r, nil
}
