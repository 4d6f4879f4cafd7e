package docs

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleet"
)

// ErrFleetErrors is returned by Build when the fleet has errors: the
// documentation of a fleet that does not evaluate would mislead.
var ErrFleetErrors = errors.New("the fleet has errors")

// Server serves a fleet's HTML site from memory and rebuilds it when the
// fleet's files change. A rebuild that fails keeps the last good site.
type Server struct {
	// Dir is the fleet's root folder.
	Dir string
	// Load loads the fleet; nil means fleet.Load with no options.
	Load func(ctx context.Context, dir string) (*fleet.Fleet, error)
	// Log receives rebuilds and the diagnostics of failed ones.
	Log io.Writer
	// Interval is how often the fleet's files are looked at; zero means
	// half a second.
	Interval time.Duration

	mu    sync.RWMutex
	site  Site
	stamp uint64
	// builds counts successful builds, for tests and logs.
	builds int
}

// Build loads the fleet and renders its site. Problems in the fleet are
// written to Log and returned as ErrFleetErrors; the site served does
// not change then.
func (s *Server) Build(ctx context.Context) error {
	stamp, err := Fingerprint(s.Dir)
	if err != nil {
		return err
	}
	load := s.Load
	if load == nil {
		load = func(ctx context.Context, dir string) (*fleet.Fleet, error) {
			return fleet.Load(ctx, dir, fleet.Options{})
		}
	}
	f, err := load(ctx, s.Dir)
	if err != nil {
		return err
	}
	if f.Diags.HasErrors() {
		if s.Log != nil {
			diag.Render(s.Log, f.Diags.Items())
		}
		s.mu.Lock()
		s.stamp = stamp
		s.mu.Unlock()
		return ErrFleetErrors
	}
	site, err := HTML(f)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.site, s.stamp = site, stamp
	s.builds++
	s.mu.Unlock()
	return nil
}

// Builds returns how many times the site was built.
func (s *Server) Builds() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.builds
}

// Serve serves HTTP on ln until ctx is cancelled, rebuilding the site when
// the fleet's files change; then it shuts the server down, letting
// requests in flight finish. The site must have been built.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	interval := s.Interval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shut); err != nil {
				return err
			}
			<-errc
			return nil
		case <-tick.C:
			stamp, err := Fingerprint(s.Dir)
			s.mu.RLock()
			same := stamp == s.stamp
			s.mu.RUnlock()
			if err != nil || same {
				continue
			}
			err = s.Build(ctx)
			switch {
			case ctx.Err() != nil:
			case err == nil && s.Log != nil:
				fmt.Fprintln(s.Log, "fleet: docs rebuilt")
			case errors.Is(err, ErrFleetErrors) && s.Log != nil:
				fmt.Fprintln(s.Log, "fleet: docs not rebuilt: fix the errors above; serving the last good version")
			case err != nil && s.Log != nil:
				fmt.Fprintf(s.Log, "fleet: docs not rebuilt: %v\n", err)
			}
		}
	}
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
}

// ServeHTTP serves a file of the current site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if p == "" || strings.HasSuffix(r.URL.Path, "/") {
		p = path.Join(p, "index.html")
	}
	s.mu.RLock()
	data, ok := s.site[p]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct, ok := contentTypes[path.Ext(p)]; ok {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}

// Fingerprint sums the names, sizes and modification times of a fleet's
// files, leaving out what fleet writes (generated/, docs/reference/)
// and version control.
func Fingerprint(dir string) (uint64, error) {
	h := fnv.New64a()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "generated" || rel == DefaultOut || rel == "result" {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", rel, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return h.Sum64(), err
}
