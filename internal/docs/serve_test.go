package docs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// waitFor polls until ok holds; the test fails after a minute, which
// only a broken rebuild takes.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServer(t *testing.T) {
	fl := loadTxtar(t, "small.txtar")
	log := &syncWriter{w: &bytes.Buffer{}}
	srv := &Server{Dir: fl.Dir, Interval: 20 * time.Millisecond, Log: log}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := srv.Build(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	for _, c := range []struct {
		path, ctype, has string
		code             int
	}{
		{"/", "text/html; charset=utf-8", "<title>small · fleet documentation</title>", 200},
		{"/hosts/gate.html", "text/html; charset=utf-8", "The edge proxy", 200},
		{"/style.css", "text/css; charset=utf-8", "body", 200},
		{"/search.js", "text/javascript; charset=utf-8", "search-results", 200},
		{"/graph.svg", "image/svg+xml", "<svg", 200},
		{"/options.json", "application/json", `"fleet.web.port"`, 200},
		{"/hosts/nope.html", "text/plain; charset=utf-8", "404", 404},
		{"/../../etc/passwd", "text/plain; charset=utf-8", "404", 404},
	} {
		code, ctype, body := get(t, base+c.path)
		if code != c.code || ctype != c.ctype || !strings.Contains(body, c.has) {
			t.Errorf("GET %s: %d %s, want %d %s with %q", c.path, code, ctype, c.code, c.ctype, c.has)
		}
	}
	resp, err := http.Post(base+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}

	// A change to a fleet file is picked up.
	host := filepath.Join(fl.Dir, "hosts", "gate", "host.toml")
	src, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "The edge proxy", "The new edge proxy", 1)
	if err := os.WriteFile(host, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rebuild", func() bool {
		_, _, body := get(t, base+"/hosts/gate.html")
		return strings.Contains(body, "The new edge proxy")
	})

	// An error in the fleet keeps the last good site and says why.
	builds := srv.Builds()
	if err := os.WriteFile(host, []byte(changed+"\nroles = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed rebuild's message", func() bool {
		return strings.Contains(log.String(), "serving the last good version")
	})
	if srv.Builds() != builds {
		t.Errorf("a fleet with errors was built")
	}
	if _, _, body := get(t, base+"/hosts/gate.html"); !strings.Contains(body, "The new edge proxy") {
		t.Errorf("the last good site is gone")
	}
	if !strings.Contains(log.String(), "hosts/gate/host.toml:") {
		t.Errorf("the log does not name the error's position:\n%s", log.String())
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
}

func TestServerBuildRefusesErrors(t *testing.T) {
	fl := loadTxtar(t, "small.txtar")
	host := filepath.Join(fl.Dir, "hosts", "gate", "host.toml")
	if err := os.WriteFile(host, []byte("platform = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv := &Server{Dir: fl.Dir, Log: &log}
	if err := srv.Build(context.Background()); !errors.Is(err, ErrFleetErrors) {
		t.Fatalf("Build: %v, want ErrFleetErrors", err)
	}
	if !strings.Contains(log.String(), "hosts/gate/host.toml:1:") {
		t.Errorf("log: %s", log.String())
	}
}

// syncWriter is a writer the server goroutine and the test share.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
