package containers

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/inventory"
)

// Image is a parsed OCI image reference: [domain/]path[:tag][@digest].
type Image struct {
	Ref        string `json:"ref"`
	Domain     string `json:"domain,omitempty"`
	Repository string `json:"repository"`
	Tag        string `json:"tag,omitempty"`
	Digest     string `json:"digest,omitempty"`
}

// Pinned reports whether the reference names its content by digest.
func (i Image) Pinned() bool { return i.Digest != "" }

var (
	pathComponent = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	domainPart    = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainRE      = regexp.MustCompile(`^(?:` + domainPart + `(?:\.` + domainPart + `)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$`)
	pathRE        = regexp.MustCompile(`^` + pathComponent + `(?:/` + pathComponent + `)*$`)
	tagRE         = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE      = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)
	sha256RE      = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// ParseImage parses an image reference as podman and docker read it.
func ParseImage(ref string) (Image, error) {
	// Many instances of one definition share an image: parse each
	// reference once.
	if c, ok := imageCache.Load(ref); ok {
		r := c.(parsedImage)
		return r.img, r.err
	}
	img, err := parseImage(ref)
	imageCache.Store(ref, parsedImage{img, err})
	return img, err
}

type parsedImage struct {
	img Image
	err error
}

var imageCache sync.Map // image reference -> parsedImage

func parseImage(ref string) (Image, error) {
	img := Image{Ref: ref}
	rest := ref
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		img.Digest = rest[i+1:]
		rest = rest[:i]
		if !digestRE.MatchString(img.Digest) {
			return img, fmt.Errorf("digest %q is not algorithm:hex", img.Digest)
		}
		if strings.HasPrefix(img.Digest, "sha256:") && !sha256RE.MatchString(img.Digest) {
			return img, fmt.Errorf("digest %q is not sha256: and 64 lower-case hex digits", img.Digest)
		}
	}
	if rest == "" {
		return img, fmt.Errorf("no image name")
	}
	// A tag follows the last colon after the last slash.
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		img.Tag = rest[i+1:]
		rest = rest[:i]
		if !tagRE.MatchString(img.Tag) {
			return img, fmt.Errorf("tag %q is not letters, digits, '_', '.' and '-' (at most 128)", img.Tag)
		}
	}
	name := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		first := rest[:i]
		if strings.ContainsAny(first, ".:[") || first == "localhost" || strings.ToLower(first) != first {
			img.Domain = first
			name = rest[i+1:]
			if !domainRE.MatchString(first) {
				return img, fmt.Errorf("registry %q is not a host name", first)
			}
		}
	}
	img.Repository = name
	if !pathRE.MatchString(name) {
		return img, fmt.Errorf("repository %q must be lower-case components (letters, digits, '.', '_', '-') separated by '/'", name)
	}
	if len(ref) > 255+72 {
		return img, fmt.Errorf("the reference is too long")
	}
	return img, nil
}

// Port is one published port: [address:][host:]container[/proto].
type Port struct {
	Spec    string `json:"spec"`
	Address string `json:"address,omitempty"` // "" binds every address
	// HostFrom..HostTo is the host port range; 0 when the host port is
	// chosen at run time.
	HostFrom int `json:"host_from,omitempty"`
	HostTo   int `json:"host_to,omitempty"`
	// ContainerFrom..ContainerTo is the container port range.
	ContainerFrom int    `json:"container_from"`
	ContainerTo   int    `json:"container_to"`
	Proto         string `json:"proto"`
}

// Published reports whether the port binds a known host port.
func (p Port) Published() bool { return p.HostFrom > 0 }

// Loopback reports whether the port binds a loopback address only.
func (p Port) Loopback() bool {
	a, err := netip.ParseAddr(p.Address)
	return err == nil && a.IsLoopback()
}

// HostRange renders the host side: "8096", "8000-8002".
func (p Port) HostRange() string { return portRange(p.HostFrom, p.HostTo) }

func portRange(from, to int) string {
	if from == to {
		return strconv.Itoa(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// ParsePort parses a port as podman run --publish takes it.
func ParsePort(spec string) (Port, error) {
	p := Port{Spec: spec, Proto: "tcp"}
	rest := spec
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		switch p.Proto {
		case "tcp", "udp", "sctp":
		default:
			return p, fmt.Errorf("protocol %q is not tcp, udp or sctp", p.Proto)
		}
	}
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]:")
		if end < 0 {
			return p, fmt.Errorf("an IPv6 address in brackets must be followed by ':'")
		}
		p.Address = rest[1:end]
		rest = rest[end+2:]
		if a, err := netip.ParseAddr(p.Address); err != nil || !a.Is6() {
			return p, fmt.Errorf("%q is not an IPv6 address", p.Address)
		}
	} else if colons := strings.Count(rest, ":"); colons == 2 {
		p.Address, rest, _ = strings.Cut(rest, ":")
		if a, err := netip.ParseAddr(p.Address); err != nil || !a.Is4() {
			return p, fmt.Errorf("%q is not an IPv4 address (write IPv6 addresses in brackets)", p.Address)
		}
	} else if colons > 2 {
		return p, fmt.Errorf("too many ':' (write IPv6 addresses in brackets)")
	}
	host, ctr, published := strings.Cut(rest, ":")
	if !published {
		host, ctr = "", host
	}
	var err error
	if p.ContainerFrom, p.ContainerTo, err = parseRange(ctr); err != nil {
		return p, fmt.Errorf("container port: %w", err)
	}
	if host != "" {
		if p.HostFrom, p.HostTo, err = parseRange(host); err != nil {
			return p, fmt.Errorf("host port: %w", err)
		}
		if c, h := p.ContainerTo-p.ContainerFrom, p.HostTo-p.HostFrom; c != 0 && c != h {
			return p, fmt.Errorf("the host range %s and the container range %s differ in length", p.HostRange(), portRange(p.ContainerFrom, p.ContainerTo))
		}
	}
	return p, nil
}

func parseRange(s string) (int, int, error) {
	a, b, isRange := strings.Cut(s, "-")
	from, err := parsePortNumber(a)
	if err != nil {
		return 0, 0, err
	}
	to := from
	if isRange {
		if to, err = parsePortNumber(b); err != nil {
			return 0, 0, err
		}
		if to < from {
			return 0, 0, fmt.Errorf("range %s ends before it starts", s)
		}
	}
	return from, to, nil
}

func parsePortNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || s[0] == '+' {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return n, nil
}

// Volume is one mount: source:target[:options], or an anonymous volume
// (target alone).
type Volume struct {
	Spec   string `json:"spec"`
	Source string `json:"source,omitempty"` // a host path or a volume name; "" for an anonymous volume
	Target string `json:"target"`
	// HostPath is true when Source is a path on the host.
	HostPath bool `json:"host_path,omitempty"`
	ReadOnly bool `json:"read_only,omitempty"`
	// Shared is true for a mount with the z option: its content is shared
	// among containers, so several may write it.
	Shared  bool     `json:"shared,omitempty"`
	Options []string `json:"options,omitempty"`
}

var (
	volumeOptions = []string{"ro", "rw", "z", "Z", "O", "U", "copy", "nocopy", "private", "rprivate", "shared", "rshared", "slave", "rslave", "bind", "rbind", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "idmap"}
)

// ParseVolume parses a volume as podman run --volume takes it.
func ParseVolume(spec string) (Volume, error) {
	v := Volume{Spec: spec}
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 1:
		v.Target = parts[0]
	case 2, 3:
		v.Source, v.Target = parts[0], parts[1]
		if len(parts) == 3 {
			v.Options = strings.Split(parts[2], ",")
		}
	default:
		return v, fmt.Errorf("too many ':': write source:target[:options]")
	}
	if !strings.HasPrefix(v.Target, "/") {
		return v, fmt.Errorf("the container path %q must be absolute", v.Target)
	}
	switch {
	case v.Source == "" && len(parts) > 1:
		return v, fmt.Errorf("the source is empty")
	case strings.HasPrefix(v.Source, "/"):
		v.HostPath = true
		v.Source = cleanPath(v.Source)
	case v.Source != "" && !IsVolumeName(v.Source):
		return v, fmt.Errorf("%q is neither an absolute host path nor a volume name", v.Source)
	}
	for _, o := range v.Options {
		if !strings.HasPrefix(o, "idmap") && !strings.HasPrefix(o, "U") && !slices.Contains(volumeOptions, o) {
			return v, fmt.Errorf("unknown mount option %q", o)
		}
		switch o {
		case "ro":
			v.ReadOnly = true
		case "rw":
			v.ReadOnly = false
		case "z":
			v.Shared = true
		}
	}
	return v, nil
}

// cleanPath drops a trailing slash and doubled slashes.
func cleanPath(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// IsVolumeName reports whether s names a volume or a network:
// [a-zA-Z0-9][a-zA-Z0-9_.-]*, the rule of instance names.
func IsVolumeName(s string) bool { return inventory.IsName(s) }

// IsEnvName reports whether s names an environment variable:
// [A-Za-z_][A-Za-z0-9_.]*.
func IsEnvName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}
