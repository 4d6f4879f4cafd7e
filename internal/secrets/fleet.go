package secrets

import (
	"errors"
	"sort"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/parallel"
)

// FleetAccess derives who may read which secret from an evaluated fleet:
// the admins of fleet.toml, every evaluated host with the recipient of its
// host_key or age_key and the patterns eval worked out (Host.Readable),
// and every user with an age_key. Keys that do not parse and patterns
// that are not patterns are reported at their position; such a party
// is left without a recipient.
func FleetAccess(inv *inventory.Inventory, hosts []*eval.Host) (*Access, *diag.List) {
	dl := &diag.List{}
	a := &Access{Admins: []Party{}, Hosts: []Party{}, Users: []Party{}}
	if inv.Fleet != nil {
		for _, adm := range inv.Fleet.Admins {
			p := Party{Name: adm.Name.V, Source: inv.Fleet.File}
			if err := checkRecipient(adm.Recipient.V); err != nil {
				dl.Errorf(adm.Recipient.Pos, CodeBadKey, "admin %s: %v", adm.Name.V, err).
					Hint("an admin's key is the age recipient (age1...) that 'fleet secrets init' or 'age-keygen -y' prints")
			} else {
				p.Recipient = strings.TrimSpace(adm.Recipient.V)
			}
			a.Admins = append(a.Admins, p)
		}
	}
	// Converting an ssh key to age costs tens of microseconds (a square
	// root on the curve): convert the hosts' keys on every CPU.
	recipients := make([]string, len(hosts))
	keyDiags := make([]diag.List, len(hosts))
	parallel.Each(len(hosts), func(i int) { recipients[i] = hostRecipient(hosts[i], &keyDiags[i]) })
	reported := map[string]bool{}
	for i, h := range hosts {
		p := Party{Name: h.Name, Source: h.Src.File}
		p.Recipient = recipients[i]
		dl.Append(&keyDiags[i])
		for _, pat := range h.Readable {
			if err := CheckPattern(pat); err != nil {
				pos := patternPos(inv, h, pat)
				if key := pos.String() + "\x00" + pat; !reported[key] {
					reported[key] = true
					dl.Errorf(pos, "secret-pattern", "%v", err).
						Hint(`name secrets as "category/name"; a role may also grant "category/*" or "category/**"`)
				}
				continue
			}
			p.Readable = append(p.Readable, pat)
		}
		a.Hosts = append(a.Hosts, p)
	}
	names := make([]string, 0, len(inv.Users))
	for n := range inv.Users {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		u := inv.Users[n]
		p := Party{Name: n, Source: u.File}
		if u.AgeKey.IsSet() {
			if err := checkAgeKey(u.AgeKey.V); err != nil {
				dl.Errorf(u.AgeKey.Pos, CodeBadKey, "user %s: age_key: %v", n, err).
					Hint("give the user's age recipient (age1...), as 'age-keygen -y' prints it")
			} else {
				p.Recipient = strings.TrimSpace(u.AgeKey.V)
			}
		}
		a.Users = append(a.Users, p)
	}
	for id := range inv.Secrets {
		a.Secrets = append(a.Secrets, id)
	}
	sort.Strings(a.Secrets)
	return a, dl
}

// hostRecipient returns the age recipient of a host, reporting a bad
// host_key or age_key at its position.
func hostRecipient(h *eval.Host, dl *diag.List) string {
	src := h.Src
	switch {
	case src.HostKey.IsSet() && src.AgeKey.IsSet():
		dl.Errorf(src.AgeKey.Pos, CodeBadKey, "host %s has both host_key and age_key", h.Name).
			Also(src.HostKey.Pos, "host_key is set here").
			Hint("keep host_key (the host's ssh-ed25519 key); age_key is for hosts without one")
		return ""
	case src.HostKey.IsSet():
		r, err := SSHToAge(src.HostKey.V)
		if err != nil {
			d := dl.Errorf(src.HostKey.Pos, CodeBadKey, "host %s: host_key: %v", h.Name, err)
			if errors.Is(err, ErrUnsupportedKeyType) {
				d.Hint("use the host's ed25519 key: ssh-keyscan -t ed25519 %s, or /etc/ssh/ssh_host_ed25519_key.pub on the machine", h.Name)
			} else {
				d.Hint(`write the public key line as ssh prints it: host_key = "ssh-ed25519 AAAA..." (ssh-keyscan -t ed25519 %s)`, h.Name)
			}
			return ""
		}
		return r
	case src.AgeKey.IsSet():
		if err := checkAgeKey(src.AgeKey.V); err != nil {
			dl.Errorf(src.AgeKey.Pos, CodeBadKey, "host %s: age_key: %v", h.Name, err).
				Hint("give an age recipient (age1...); an ssh-ed25519 key goes in host_key")
			return ""
		}
		return strings.TrimSpace(src.AgeKey.V)
	}
	return ""
}

// checkRecipient checks an admin's recipient.
func checkRecipient(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("the recipient is empty")
	}
	_, err := ParseRecipient(s)
	return err
}

// checkAgeKey checks an age_key: an age recipient, not an ssh key.
func checkAgeKey(s string) error {
	if strings.HasPrefix(strings.TrimSpace(s), "ssh-") {
		return errors.New("an ssh key is not an age recipient")
	}
	return checkRecipient(s)
}

// patternPos finds where a host's access pattern was written: in one of
// its roles, or at a secret reference.
func patternPos(inv *inventory.Inventory, h *eval.Host, pat string) diag.Pos {
	for _, r := range h.Roles {
		if role := inv.Roles[r]; role != nil {
			for _, s := range role.Secrets {
				if s.V == pat {
					return s.Pos
				}
			}
		}
	}
	for _, ref := range h.Secrets {
		if ref.Name == pat {
			return ref.Pos
		}
	}
	return diag.Pos{File: h.Src.File}
}
