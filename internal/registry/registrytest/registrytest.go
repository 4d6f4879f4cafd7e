// Package registrytest runs a container image registry on loopback for
// tests: it serves the manifests it is given by repository and tag, as
// the OCI distribution API does, optionally behind an anonymous bearer
// token as Docker Hub and ghcr.io do.
package registrytest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// Options say what the registry serves.
type Options struct {
	// Manifests are the manifests by "repository:tag".
	Manifests map[string]string
	// Token, when set, is the bearer token manifests need; the registry
	// challenges for it and hands it out at /token.
	Token string
	// RefuseTokens makes /token refuse to hand out the token.
	RefuseTokens bool
	// NoDigestHeader leaves Docker-Content-Digest out of the answers.
	NoDigestHeader bool
}

// Server is a running registry.
type Server struct {
	// Host is the registry's host:port, an image reference's domain.
	Host   string
	srv    *httptest.Server
	tokens atomic.Int64
}

// New starts a registry that stops when the test ends.
func New(t testing.TB, o Options) *Server {
	s := Start(o)
	t.Cleanup(s.Close)
	return s
}

// Start starts a registry; Close stops it.
func Start(o Options) *Server {
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if o.RefuseTokens {
			http.Error(w, "denied", http.StatusForbidden)
			return
		}
		s.tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"token":"` + o.Token + `"}`))
	})
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		repo, tag, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/")
		if !ok || r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		if o.Token != "" && r.Header.Get("Authorization") != "Bearer "+o.Token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="registrytest",scope="repository:`+repo+`:pull"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		m, found := o.Manifests[repo+":"+tag]
		if !found {
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		sum := sha256.Sum256([]byte(m))
		w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
		if !o.NoDigestHeader {
			w.Header().Set("Docker-Content-Digest", "sha256:"+hex.EncodeToString(sum[:]))
		}
		if r.Method == http.MethodGet {
			w.Write([]byte(m))
		}
	})
	s.srv = httptest.NewServer(mux)
	s.Host = strings.TrimPrefix(s.srv.URL, "http://")
	return s
}

// Tokens is how many tokens the registry handed out.
func (s *Server) Tokens() int { return int(s.tokens.Load()) }

// Close stops the registry.
func (s *Server) Close() { s.srv.Close() }
