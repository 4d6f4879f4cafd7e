package containers

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseImage(t *testing.T) {
	const d = "sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5"
	tests := []struct {
		ref  string
		want Image
		err  string
	}{
		{"redis", Image{Ref: "redis", Repository: "redis"}, ""},
		{"redis:7.4", Image{Ref: "redis:7.4", Repository: "redis", Tag: "7.4"}, ""},
		{"docker.io/library/redis:7.4@" + d, Image{Ref: "docker.io/library/redis:7.4@" + d, Domain: "docker.io", Repository: "library/redis", Tag: "7.4", Digest: d}, ""},
		{"localhost:5000/app@" + d, Image{Ref: "localhost:5000/app@" + d, Domain: "localhost:5000", Repository: "app", Digest: d}, ""},
		{"ghcr.io/home-assistant/home-assistant:2024.8", Image{Ref: "ghcr.io/home-assistant/home-assistant:2024.8", Domain: "ghcr.io", Repository: "home-assistant/home-assistant", Tag: "2024.8"}, ""},
		{"louislam/uptime-kuma:1", Image{Ref: "louislam/uptime-kuma:1", Repository: "louislam/uptime-kuma", Tag: "1"}, ""},
		{"", Image{}, "no image name"},
		{"Redis:7", Image{}, "lower-case"},
		{"redis:7!", Image{}, "tag"},
		{"redis@sha256:12", Image{}, "digest"},
		{"redis@" + strings.ToUpper(d), Image{}, "digest"},
		{"my registry/app", Image{}, "lower-case"},
		{"a//b", Image{}, "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ParseImage(tt.ref)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestParsePort(t *testing.T) {
	tests := []struct {
		spec string
		want Port
		err  string
	}{
		{"8096:8096", Port{Spec: "8096:8096", HostFrom: 8096, HostTo: 8096, ContainerFrom: 8096, ContainerTo: 8096, Proto: "tcp"}, ""},
		{"127.0.0.1:8080:80/tcp", Port{Spec: "127.0.0.1:8080:80/tcp", Address: "127.0.0.1", HostFrom: 8080, HostTo: 8080, ContainerFrom: 80, ContainerTo: 80, Proto: "tcp"}, ""},
		{"[::1]:53:53/udp", Port{Spec: "[::1]:53:53/udp", Address: "::1", HostFrom: 53, HostTo: 53, ContainerFrom: 53, ContainerTo: 53, Proto: "udp"}, ""},
		{"8000-8002:8000-8002", Port{Spec: "8000-8002:8000-8002", HostFrom: 8000, HostTo: 8002, ContainerFrom: 8000, ContainerTo: 8002, Proto: "tcp"}, ""},
		{"8000-8002:80", Port{Spec: "8000-8002:80", HostFrom: 8000, HostTo: 8002, ContainerFrom: 80, ContainerTo: 80, Proto: "tcp"}, ""},
		{"80", Port{Spec: "80", ContainerFrom: 80, ContainerTo: 80, Proto: "tcp"}, ""},
		{"80:80/icmp", Port{}, "protocol"},
		{"0:80", Port{}, "not a port number"},
		{"65536:80", Port{}, "not a port number"},
		{"+80:80", Port{}, "not a port number"},
		{"9-8:80", Port{}, "ends before"},
		{"1.2.3:80:80", Port{}, "IPv4"},
		{"::1:80:80", Port{}, "too many"},
		{"[1.2.3.4]:80:80", Port{}, "IPv6"},
		{"8000-8001:80-82", Port{}, "differ in length"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParsePort(tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestParseVolume(t *testing.T) {
	tests := []struct {
		spec string
		want Volume
		err  string
	}{
		{"/var/lib/app/:/data", Volume{Spec: "/var/lib/app/:/data", Source: "/var/lib/app", Target: "/data", HostPath: true}, ""},
		{"/srv/media:/media:ro,z", Volume{Spec: "/srv/media:/media:ro,z", Source: "/srv/media", Target: "/media", HostPath: true, ReadOnly: true, Shared: true, Options: []string{"ro", "z"}}, ""},
		{"/srv/media:/media:Z", Volume{Spec: "/srv/media:/media:Z", Source: "/srv/media", Target: "/media", HostPath: true, Options: []string{"Z"}}, ""},
		{"cache:/cache", Volume{Spec: "cache:/cache", Source: "cache", Target: "/cache"}, ""},
		{"/anonymous", Volume{Spec: "/anonymous", Target: "/anonymous"}, ""},
		{"relative", Volume{}, "absolute"},
		{"a:b", Volume{}, "absolute"},
		{":/x", Volume{}, "empty"},
		{"bad name:/x", Volume{}, "neither"},
		{"/a:/b:rox", Volume{}, "mount option"},
		{"/a:/b:ro:x", Volume{}, "too many"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseVolume(tt.spec)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestWithOption(t *testing.T) {
	for _, tt := range [][3]string{
		{"/a:/b", "z", "/a:/b:z"},
		{"/a:/b:ro", "z", "/a:/b:ro,z"},
		{"/a:/b:ro,Z", "z", "/a:/b:ro,z"},
		{"/a:/b:Z", "z", "/a:/b:z"},
	} {
		if got := WithOption(tt[0], tt[1]); got != tt[2] {
			t.Errorf("WithOption(%q, %q) = %q, want %q", tt[0], tt[1], got, tt[2])
		}
		if _, err := ParseVolume(WithOption(tt[0], tt[1])); err != nil {
			t.Errorf("WithOption(%q, %q) does not parse: %v", tt[0], tt[1], err)
		}
	}
}

func TestOverlaps(t *testing.T) {
	b := func(spec string) binding {
		p, err := ParsePort(spec)
		if err != nil {
			t.Fatal(err)
		}
		return binding{port: p}
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"80:80", "80:8080", true},
		{"80:80", "80:80/udp", false},
		{"127.0.0.1:80:80", "80:80", true},
		{"127.0.0.1:80:80", "127.0.0.2:80:80", false},
		{"[::1]:80:80", "[0:0:0:0:0:0:0:1]:80:80", true},
		{"8000-8010:8000-8010", "8010:1", true},
		{"8000-8010:8000-8010", "8011:1", false},
		{"0.0.0.0:53:53/udp", "127.0.0.1:53:53/udp", true},
	}
	for _, tt := range tests {
		if x, y := b(tt.a), b(tt.b); x.overlaps(&y) != tt.want {
			t.Errorf("%s vs %s: %v, want %v", tt.a, tt.b, !tt.want, tt.want)
		}
	}
}

// FuzzSpecs feeds image references, ports and volumes to their parsers:
// no panic, and what parses is consistent.
func FuzzSpecs(f *testing.F) {
	for _, s := range []string{"docker.io/library/redis:7.4@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5", "8000-8002:80/udp", "[::1]:53:53", "/a/:/b:ro,z", "cache:/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if img, err := ParseImage(s); err == nil {
			if img.Repository == "" || img.Ref != s {
				t.Fatalf("%q parsed as %+v", s, img)
			}
		}
		if p, err := ParsePort(s); err == nil {
			if p.ContainerFrom < 1 || p.ContainerTo < p.ContainerFrom || p.HostTo < p.HostFrom || (p.Published() && p.HostFrom < 1) || p.HostTo > 65535 {
				t.Fatalf("%q parsed as %+v", s, p)
			}
		}
		if v, err := ParseVolume(s); err == nil {
			if !strings.HasPrefix(v.Target, "/") || (v.HostPath && !strings.HasPrefix(v.Source, "/")) {
				t.Fatalf("%q parsed as %+v", s, v)
			}
		}
	})
}

// TestNames checks the name rules against their patterns on every string
// of up to three characters from an alphabet that crosses each class.
func TestNames(t *testing.T) {
	volume := regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	env := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	alphabet := []string{"a", "Z", "0", "9", "_", ".", "-", "/", " ", "é", ":"}
	var each func(s string, n int)
	each = func(s string, n int) {
		if got, want := IsVolumeName(s), volume.MatchString(s); got != want {
			t.Errorf("isVolumeName(%q) = %v, want %v", s, got, want)
		}
		if got, want := IsEnvName(s), env.MatchString(s); got != want {
			t.Errorf("isEnvName(%q) = %v, want %v", s, got, want)
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			each(s+c, n-1)
		}
	}
	each("", 3)
}
