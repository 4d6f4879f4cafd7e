package compose

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fleetdev/fleet/internal/inventory"
)

// secretFile is a compose secret a service mounts: under [secret_files],
// read from the definition's secret file at key.
type secretFile struct {
	target, key, mode string
}

// serviceSecrets reads the secrets a service mounts (short form: a name;
// long form: source, target, mode). With Options.Secrets each value goes
// to the definition's secret file and the definition mounts it from
// there; without, each is a warning that says how to move it.
func (r *reader) serviceSecrets(d *definition, n *yaml.Node) {
	for _, m := range r.mounts(d, n, secretMounts, r.secrets) {
		var mode string
		badMode := false
		for _, f := range m.others {
			switch f.key {
			case "mode":
				var ok bool
				mode, ok = r.fileMode(f.v)
				badMode = badMode || !ok
			case "uid", "gid":
				r.warnf(f.k, "compose-ignored", "secrets.%s of service %s is not carried over: the decrypted file belongs to root", f.key, d.service).
					Hint("give the reference owner = \"<user>\" or group = \"<group>\" (names on the host), or a mode the container's user can read")
			default:
				r.warnf(f.k, "compose-ignored", "secrets.%s of service %s is not carried over", f.key, d.service)
			}
		}
		if badMode {
			continue
		}
		set := fmt.Sprintf("fleet secrets set secrets/%s.yaml %s", secretOf(d.name), m.name)
		then := fmt.Sprintf("under [secret_files] write %s = { secret = %q, key = %q }", inventory.QuoteKey(m.target), secretOf(d.name), m.name)
		if m.src.external {
			r.warnf(m.at, "compose-secret", "secret %s of service %s is external (swarm's store): it is not carried over", m.name, d.service).
				Hint("put its value in fleet's secrets: %s (reads it from stdin), then %s", set, then)
			continue
		}
		if !r.o.Secrets {
			switch {
			case m.src.file != "":
				set += " < " + m.src.file
			case m.src.env != "":
				set = "printenv " + m.src.env + " | " + set
			default:
				set += " (reads the value from stdin)"
			}
			r.warnf(m.at, "compose-secret", "secret %s of service %s is not carried over", m.name, d.service).
				Hint("import with --secrets to keep it in secrets/%s.yaml, or later: %s, then %s", secretOf(d.name), set, then)
			continue
		}
		data, ok := r.data(secretMounts, m.name, m.src)
		if !ok {
			continue
		}
		if !utf8.Valid(data) {
			from := " < " + m.src.file
			if m.src.file == "" {
				from = " (reads it from stdin)"
			}
			r.errf(m.at, "compose-secret", "secret %s of service %s is not text: a secret file's keys hold text", m.name, d.service).
				Hint("keep it as a binary secret: fleet secrets set secrets/%s.bin%s, then under [secret_files] write %s = { secret = %q }", secretOf(d.name)+"-"+m.name, from, inventory.QuoteKey(m.target), secretOf(d.name)+"-"+m.name)
			continue
		}
		if mode == "" {
			// Compose mounts the file as it is on the host, most often
			// readable by every user; sops-nix's default (0400, root)
			// would lock out an image that reads it as its own user.
			mode = "0444"
			r.warnf(m.at, "compose-secret", "secret %s of service %s is mounted readable by every user (0444), as compose mounts it", m.name, d.service).
				Hint("where the container's user is known, give the reference owner = \"<user>\" (or group) and mode = \"0400\" (or \"0440\")")
		}
		v := string(data)
		if i := indexOf(d.secrets, m.name); i >= 0 {
			if d.secrets[i][1] != v {
				r.errf(m.at, "compose-secret", "secret %s of service %s and its variable %s would both be key %s of secrets/%s.yaml, with different values", m.name, d.service, m.name, m.name, secretOf(d.name)).
					Hint("rename the secret")
				continue
			}
		} else {
			d.secrets = append(d.secrets, [2]string{m.name, v})
		}
		d.secretFiles = append(d.secretFiles, secretFile{target: m.target, key: m.name, mode: mode})
	}
}

// indexOf is the index of the pair named name, or -1.
func indexOf(pairs [][2]string, name string) int {
	for i, p := range pairs {
		if p[0] == name {
			return i
		}
	}
	return -1
}

// fileMode reads a mode as compose writes it (0440, 0o440, or decimal
// 288) as the octal string a secret's mode is.
func (r *reader) fileMode(n *yaml.Node) (string, bool) {
	text, ok := r.str(n, "secrets.mode")
	if !ok {
		return "", false
	}
	var m uint64
	var err error
	switch {
	case strings.HasPrefix(text, "0o"):
		m, err = strconv.ParseUint(text[2:], 8, 32)
	case strings.HasPrefix(text, "0") && len(text) > 1:
		m, err = strconv.ParseUint(text[1:], 8, 32)
	default:
		m, err = strconv.ParseUint(text, 10, 32)
	}
	if err != nil || m > 0o777 {
		r.errf(n, "compose-secret", "mode %s is not a file mode", text).Hint("write an octal mode such as 0440")
		return "", false
	}
	return fmt.Sprintf("%04o", m), true
}
