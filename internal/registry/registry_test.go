package registry_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fleetdev/fleet/internal/registry"
	"github.com/fleetdev/fleet/internal/registry/registrytest"
)

func TestDigest(t *testing.T) {
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`
	sum := sha256.Sum256([]byte(manifest))
	want := "sha256:" + hex.EncodeToString(sum[:])
	for _, tc := range []struct {
		name string
		opts registrytest.Options
	}{
		{"digest header", registrytest.Options{}},
		{"bearer token", registrytest.Options{Token: "t0k"}},
		{"no digest header: the manifest is hashed", registrytest.Options{NoDigestHeader: true}},
		{"token and no header", registrytest.Options{Token: "t0k", NoDigestHeader: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Manifests = map[string]string{"team/app:1.2": manifest}
			srv := registrytest.New(t, tc.opts)
			c := &registry.Client{UserAgent: "fleet-test"}
			got, err := c.Digest(context.Background(), srv.Host, "team/app", "1.2")
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("digest %s, want %s", got, want)
			}
			if tc.opts.Token != "" && srv.Tokens() != 1 {
				t.Errorf("%d tokens fetched, want 1", srv.Tokens())
			}
		})
	}
}

func TestDigestErrors(t *testing.T) {
	srv := registrytest.New(t, registrytest.Options{Manifests: map[string]string{"app:1": "{}"}, Token: "x", RefuseTokens: true})
	c := &registry.Client{}
	_, err := c.Digest(context.Background(), srv.Host, "app", "1")
	var re *registry.Error
	if !errors.As(err, &re) || !re.Auth || !strings.Contains(err.Error(), "refuses an anonymous token") {
		t.Errorf("refused token: %v", err)
	}

	open := registrytest.New(t, registrytest.Options{Manifests: map[string]string{"app:1": "{}"}})
	_, err = c.Digest(context.Background(), open.Host, "app", "2")
	if !errors.As(err, &re) || re.Status != http.StatusNotFound || !strings.Contains(err.Error(), open.Host+"/app:2: no such tag") {
		t.Errorf("missing tag: %v", err)
	}

	basic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer basic.Close()
	_, err = c.Digest(context.Background(), strings.TrimPrefix(basic.URL, "http://"), "app", "1")
	if !errors.As(err, &re) || !re.Auth || !strings.Contains(err.Error(), "asks for credentials") {
		t.Errorf("basic auth: %v", err)
	}

	_, err = c.Digest(context.Background(), "127.0.0.1:1", "app", "1")
	if !errors.As(err, &re) || re.Status != 0 || !re.Unreachable() {
		t.Errorf("nothing listening: %v", err)
	}

	// A registry on this machine that speaks TLS is not asked again in
	// plain HTTP: its certificate's error is the one reported.
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	_, err = c.Digest(context.Background(), strings.TrimPrefix(tlsSrv.URL, "https://"), "app", "1")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("self-signed registry: %v, want the certificate's error", err)
	}
}

// TestRedirects: a registry may send the client on (to its storage), but
// only over HTTPS or to this machine; a registry that refuses HEAD is
// asked with GET.
func TestRedirects(t *testing.T) {
	manifest := `{"schemaVersion":2}`
	sum := sha256.Sum256([]byte(manifest))
	want := "sha256:" + hex.EncodeToString(sum[:])
	target := registrytest.New(t, registrytest.Options{Manifests: map[string]string{"app:1": manifest}})
	for _, tc := range []struct {
		name, to, err string
	}{
		{"to this machine", "http://" + target.Host, ""},
		{"to plain HTTP elsewhere", "http://192.0.2.1:5000", "redirects to http://192.0.2.1:5000, which is not HTTPS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.to+r.URL.Path, http.StatusTemporaryRedirect)
			}))
			defer redirect.Close()
			got, err := (&registry.Client{}).Digest(context.Background(), strings.TrimPrefix(redirect.URL, "http://"), "app", "1")
			switch {
			case tc.err == "" && (err != nil || got != want):
				t.Errorf("digest %q, %v; want %s", got, err, want)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("err %v, want %q", err, tc.err)
			}
		})
	}
	noHead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Write([]byte(manifest))
	}))
	defer noHead.Close()
	got, err := (&registry.Client{}).Digest(context.Background(), strings.TrimPrefix(noHead.URL, "http://"), "app", "1")
	if err != nil || got != want {
		t.Errorf("no HEAD: digest %q, %v; want %s", got, err, want)
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct{ domain, repo, host, path string }{
		{"", "nginx", "registry-1.docker.io", "library/nginx"},
		{"docker.io", "library/postgres", "registry-1.docker.io", "library/postgres"},
		{"docker.io", "louislam/uptime-kuma", "registry-1.docker.io", "louislam/uptime-kuma"},
		{"ghcr.io", "home-assistant/home-assistant", "ghcr.io", "home-assistant/home-assistant"},
		{"localhost:5000", "app", "localhost:5000", "app"},
	} {
		host, path := registry.Endpoint(tc.domain, tc.repo)
		if host != tc.host || path != tc.path {
			t.Errorf("Endpoint(%q, %q) = %s, %s; want %s, %s", tc.domain, tc.repo, host, path, tc.host, tc.path)
		}
	}
}

func TestParseChallenge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want registry.Challenge
		ok   bool
	}{
		{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"`,
			registry.Challenge{Realm: "https://auth.docker.io/token", Service: "registry.docker.io", Scope: "repository:library/nginx:pull"}, true},
		{`bearer realm=https://ghcr.io/token, scope="repository:a/b:pull"`,
			registry.Challenge{Realm: "https://ghcr.io/token", Scope: "repository:a/b:pull"}, true},
		{`Bearer realm="https://x/t\"q"`, registry.Challenge{Realm: `https://x/t"q`}, true},
		{`Basic realm="registry"`, registry.Challenge{}, false},
		{`Bearer service="x"`, registry.Challenge{Service: "x"}, false},
		{`Bearer realm="unterminated`, registry.Challenge{}, false},
		{`Bearer realm="a" service="b"`, registry.Challenge{Realm: "a"}, false},
		{``, registry.Challenge{}, false},
	} {
		got, ok := registry.ParseChallenge(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseChallenge(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseChallenge: any header parses without a panic, and a challenge
// read is one a registry could have sent (a realm, no stray quoting).
func FuzzParseChallenge(f *testing.F) {
	f.Add(`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"`)
	f.Add(`Bearer realm=x, scope="a\"b"`)
	f.Add(`Basic realm="r"`)
	f.Fuzz(func(t *testing.T, h string) {
		ch, ok := registry.ParseChallenge(h)
		if ok && ch.Realm == "" {
			t.Fatalf("ParseChallenge(%q) is ok without a realm", h)
		}
		if ok && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "bearer ") {
			t.Fatalf("ParseChallenge(%q) is ok for another scheme", h)
		}
	})
}
