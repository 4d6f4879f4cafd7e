package synth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fleetdev/fleet/internal/secrets"
)

// adminRecipient is the synthetic fleet's admin: the example fleet's
// throwaway key (examples/homelab/keys/admin/alex.txt holds its private half),
// so a synthetic fleet's secrets can be opened.
const adminRecipient = "age1mxhx05fr03ggc6yxvaw75jp3r465yusgcjwmex5q80gr8uvs240qz9kf8g"

// encryptedAt is the lastmodified time of the synthetic secrets.
var encryptedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Secrets of a synthetic fleet: the monitoring role's token, one file
// for every host with the role, and the backup role's login, a file per
// host ({host} in the role), each for the admin and the hosts that read
// it.
const (
	sharedSecret  = "monitoring/token"
	perHostSecret = "hosts/{host}/backup-login"
)

var rolesLine = regexp.MustCompile(`(?m)^roles = \[(.*)\]$`)

// withSecrets gives every host a host key (ssh-ed25519, derived from its
// name), the fleet an admin, the monitoring and backup roles a password
// file each from a secret, and writes the secrets those hosts read.
func withSecrets(f map[string]string, n int) error {
	f["fleet.toml"] += fmt.Sprintf("\n[admins]\nadmin = %q\n", adminRecipient)
	for role, secret := range map[string]string{"monitoring": sharedSecret, "backup": perHostSecret} {
		path := "roles/" + role + ".toml"
		tags := fmt.Sprintf("tags = [%q]\n", role)
		if !strings.Contains(f[path], tags) {
			return fmt.Errorf("%s has no %q line to follow", path, strings.TrimSpace(tags))
		}
		f[path] = strings.Replace(f[path], tags, tags+fmt.Sprintf("passwordFile = { secret = %q }\n", secret), 1)
	}
	readers := []string{adminRecipient}
	for i := range n {
		name := fmt.Sprintf("host-%04d", i)
		path := "hosts/" + name + "/host.toml"
		key := hostKey(name)
		f[path] = strings.Replace(f[path], "\n", fmt.Sprintf("\nhost_key = %q\n", key), 1)
		m := rolesLine.FindStringSubmatch(f[path])
		if m == nil {
			continue
		}
		monitoring, backup := strings.Contains(m[1], `"monitoring"`), strings.Contains(m[1], `"backup"`)
		if !monitoring && !backup {
			continue
		}
		recipient, err := secrets.SSHToAge(key)
		if err != nil {
			return err
		}
		if monitoring {
			readers = append(readers, recipient)
		}
		if backup {
			secret := strings.ReplaceAll(perHostSecret, "{host}", name)
			if err := writeSecret(f, secret, "synthetic-login-"+name, []string{adminRecipient, recipient}); err != nil {
				return err
			}
		}
	}
	return writeSecret(f, sharedSecret, "synthetic-monitoring-token", readers)
}

// writeSecret encrypts a one-value YAML secret, its key the secret's
// base name, for recipients.
func writeSecret(f map[string]string, name, value string, recipients []string) error {
	base := name[strings.LastIndex(name, "/")+1:]
	data, err := secrets.Encrypt(secrets.FormatYAML, fmt.Appendf(nil, "%s: %s\n", base, value), recipients, encryptedAt)
	if err != nil {
		return fmt.Errorf("secrets/%s.yaml: %w", name, err)
	}
	f["secrets/"+name+".yaml"] = string(data)
	return nil
}

// hostKey is a host's ssh-ed25519 public key, derived from its name.
func hostKey(name string) string {
	seed := sha256.Sum256([]byte("fleet synthetic host key " + name))
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	const algo = "ssh-ed25519"
	var wire []byte
	wire = binary.BigEndian.AppendUint32(wire, uint32(len(algo)))
	wire = append(wire, algo...)
	wire = binary.BigEndian.AppendUint32(wire, uint32(len(pub)))
	wire = append(wire, pub...)
	return algo + " " + base64.StdEncoding.EncodeToString(wire)
}
