// Package registry owns talking to container image registries: it asks
// a registry (the OCI distribution API, which Docker Hub, ghcr.io, quay.io
// and a self-hosted registry all speak) which manifest digest a tag names
// now, anonymously, as podman pull would before pulling. It reads nothing
// of the fleet and writes nothing.
package registry

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// manifestTypes are the manifests a tag may name, most general first: a
// multi-platform index is what a pull resolves a tag to, and its digest is
// what pins the tag for every platform.
var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// maxManifest bounds a manifest read to compute its digest.
const maxManifest = 4 << 20

// Client resolves tags to digests.
type Client struct {
	// HTTP sends the requests; nil is a client with a 30 second timeout.
	HTTP *http.Client
	// UserAgent names the client to the registry.
	UserAgent string
}

// Error is a registry's answer that names no digest.
type Error struct {
	Ref    string // domain/repository:tag asked for
	Status int    // the HTTP status, 0 when no answer came
	Msg    string
	// Auth is true when the registry asks for credentials.
	Auth bool
	// Err is the failure of the request itself, when no answer came.
	Err error
}

func (e *Error) Error() string { return e.Ref + ": " + e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// Unreachable reports whether no answer came because the registry's host
// could not be found or reached.
func (e *Error) Unreachable() bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(e.Err, &op) || errors.As(e.Err, &dns)
}

// Digest returns the digest ("sha256:...") of the manifest the tag names
// in repository at the registry domain, as written in an image reference:
// "" and "docker.io" are Docker Hub, where a one-component repository is
// under library/. A registry is asked over HTTPS; one on this machine in
// plain HTTP when it does not speak TLS (as docker does).
// Redirects are followed over HTTPS only (or in plain HTTP to this
// machine).
func (c *Client) Digest(ctx context.Context, domain, repository, tag string) (string, error) {
	host, repo := Endpoint(domain, repository)
	ref := host + "/" + repo + ":" + tag
	u := url.URL{Scheme: "https", Host: host, Path: "/v2/" + repo + "/manifests/" + tag}
	d, err := c.digest(ctx, u, ref)
	if loopback(host) && notTLS(err) {
		// As docker does for a registry on this machine: HTTPS first,
		// plain HTTP when it answers without TLS.
		u.Scheme = "http"
		d, err = c.digest(ctx, u, ref)
	}
	return d, err
}

func (c *Client) digest(ctx context.Context, u url.URL, ref string) (string, error) {
	token := "" // a bearer token, once the registry asked for one
	resp, err := c.manifest(ctx, http.MethodHead, u.String(), ref, &token)
	var e *Error
	switch {
	case errors.As(err, &e) && (e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotImplemented):
		// A registry that does not answer HEAD: ask with GET.
	case err != nil:
		return "", err
	default:
		resp.Body.Close()
		if d := resp.Header.Get("Docker-Content-Digest"); validDigest(d) {
			return d, nil
		}
	}
	// Not every registry names the digest in a HEAD's answer: it is the
	// hash of the manifest as served.
	resp, err = c.manifest(ctx, http.MethodGet, u.String(), ref, &token)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if d := resp.Header.Get("Docker-Content-Digest"); validDigest(d) {
		return d, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxManifest+1))
	if err != nil {
		return "", &Error{Ref: ref, Msg: fmt.Sprintf("reading the manifest: %v", err)}
	}
	if n > maxManifest {
		return "", &Error{Ref: ref, Msg: "the manifest is larger than 4 MiB"}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Endpoint returns the registry host and the repository path to ask it
// for, as docker and podman resolve a reference's domain and repository.
func Endpoint(domain, repository string) (host, repo string) {
	switch domain {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io":
		if !strings.Contains(repository, "/") {
			repository = "library/" + repository
		}
		return "registry-1.docker.io", repository
	}
	return domain, repository
}

// notTLS reports whether a request failed because the server answered
// without TLS. (net/http says so only in its message when the answer looks
// like HTTP, as docker's registry client also reads it.)
func notTLS(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || err != nil && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

// loopback reports whether a registry host (host or host:port) is on
// this machine.
func loopback(host string) bool {
	h := host
	if x, _, err := net.SplitHostPort(host); err == nil {
		h = x
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkRedirect follows a registry's redirects (to its blob or manifest
// storage) only over HTTPS, or in plain HTTP to this machine: a redirect
// must not move an answer to where anyone on the way may change it.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "https" && !(req.URL.Scheme == "http" && loopback(req.URL.Host)) {
		return fmt.Errorf("the registry redirects to %s://%s, which is not HTTPS", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

var digestRE = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

func validDigest(d string) bool { return digestRE.MatchString(d) }

// manifest sends a manifest request with *token, answering a bearer
// challenge with an anonymous token (kept in *token) once, and returns a
// successful answer.
func (c *Client) manifest(ctx context.Context, method, u, ref string, token *string) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return nil, &Error{Ref: ref, Msg: err.Error()}
		}
		req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		if *token != "" {
			req.Header.Set("Authorization", "Bearer "+*token)
		}
		resp, err := c.client().Do(req)
		if err != nil {
			return nil, &Error{Ref: ref, Msg: unwrapURL(err), Err: err}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return resp, nil
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			resp.Body.Close()
			ch, ok := ParseChallenge(resp.Header.Get("WWW-Authenticate"))
			if !ok {
				return nil, &Error{Ref: ref, Status: resp.StatusCode, Auth: true, Msg: "the registry asks for credentials"}
			}
			if *token, err = c.token(ctx, ch, ref); err != nil {
				return nil, err
			}
			continue
		}
		resp.Body.Close()
		e := &Error{Ref: ref, Status: resp.StatusCode, Msg: "the registry answered " + resp.Status}
		switch resp.StatusCode {
		case http.StatusNotFound:
			e.Msg = "no such tag or repository (the registry answered " + resp.Status + ")"
		case http.StatusUnauthorized, http.StatusForbidden:
			// Docker Hub answers 401 for a repository that does not
			// exist as for a private one.
			e.Auth = true
			e.Msg = "the registry refuses an anonymous pull (" + resp.Status + "): the repository is private or does not exist"
		case http.StatusTooManyRequests:
			e.Msg = "the registry limits anonymous requests (" + resp.Status + "): try again later"
		}
		return nil, e
	}
}

// token fetches an anonymous bearer token for a challenge.
func (c *Client) token(ctx context.Context, ch Challenge, ref string) (string, error) {
	u, err := url.Parse(ch.Realm)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", &Error{Ref: ref, Status: http.StatusUnauthorized, Msg: fmt.Sprintf("the registry names no usable token service (realm %q)", ch.Realm)}
	}
	if u.Scheme == "http" && !loopback(u.Host) {
		return "", &Error{Ref: ref, Status: http.StatusUnauthorized, Msg: fmt.Sprintf("the registry's token service %s is not HTTPS", ch.Realm)}
	}
	q := u.Query()
	if ch.Service != "" {
		q.Set("service", ch.Service)
	}
	if ch.Scope != "" {
		q.Set("scope", ch.Scope)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", &Error{Ref: ref, Msg: err.Error()}
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return "", &Error{Ref: ref, Msg: "token: " + unwrapURL(err), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &Error{Ref: ref, Status: resp.StatusCode, Auth: true, Msg: "the registry's token service refuses an anonymous token (" + resp.Status + ")"}
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil {
		return "", &Error{Ref: ref, Msg: fmt.Sprintf("the registry's token service answered no token: %v", err)}
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" {
		return "", &Error{Ref: ref, Msg: "the registry's token service answered no token"}
	}
	return t.Token, nil
}

// client is c.HTTP, or a client with a 30 second timeout, that follows
// redirects as checkRedirect allows.
func (c *Client) client() *http.Client {
	if c.HTTP == nil {
		return defaultClient
	}
	if c.HTTP.CheckRedirect == nil {
		hc := *c.HTTP
		hc.CheckRedirect = checkRedirect
		return &hc
	}
	return c.HTTP
}

var defaultClient = &http.Client{Timeout: 30 * time.Second, CheckRedirect: checkRedirect}

// unwrapURL drops the method and URL an *url.Error repeats.
func unwrapURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// Challenge is a bearer challenge of a WWW-Authenticate header.
type Challenge struct {
	Realm, Service, Scope string
}

// ParseChallenge reads a Bearer challenge: Bearer realm="...",
// service="...", scope="..." (RFC 6750, quoted or token values). It
// reports false for another scheme or a challenge without a realm.
func ParseChallenge(h string) (Challenge, bool) {
	var ch Challenge
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ch, false
	}
	for rest = strings.TrimSpace(rest); rest != ""; {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return ch, false
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return ch, false // unterminated
			}
			val, rest = b.String(), rest[i+1:]
		} else {
			end := strings.IndexAny(rest, ", \t")
			if end < 0 {
				end = len(rest)
			}
			val, rest = rest[:end], rest[end:]
		}
		switch key {
		case "realm":
			ch.Realm = val
		case "service":
			ch.Service = val
		case "scope":
			ch.Scope = val
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest != "" {
			if rest[0] != ',' {
				return ch, false
			}
			rest = strings.TrimLeft(rest[1:], " \t")
		}
	}
	return ch, ch.Realm != ""
}
