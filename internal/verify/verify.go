// Package verify owns evaluating a fleet's generated hosts with the real
// Nix against the source trees of its inputs (nixpkgs, home-manager,
// nix-darwin, sops-nix): each host's system derivation is instantiated
// (nothing is built), in parallel, and evaluation errors are mapped back
// to the fleet's files. It is what fleet's static checks cannot know:
// the module system's own verdict.
package verify

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/fleetdev/fleet/internal/runner"
)

//go:embed driver.nix
var driver string

// Host is one host to evaluate.
type Host struct {
	Name string
	// Kind is "nixos" or "darwin".
	Kind string
}

// Result is the outcome of one host.
type Result struct {
	Host string `json:"host"`
	Kind string `json:"kind"`
	// Status is "ok", "failed" or "skipped".
	Status string `json:"status"`
	// DrvPath is the system's derivation when ok.
	DrvPath string `json:"drv_path,omitempty"`
	// Error is Nix's first error line, Trace the lines that name the
	// fleet's files (relative to its root, with line and column).
	Error string `json:"error,omitempty"`
	// Detail are the lines of Nix's message after the first.
	Detail []string `json:"detail,omitempty"`
	Trace  []string `json:"trace,omitempty"`
	// Output is everything nix-instantiate printed on stderr.
	Output string `json:"-"`
}

// Trees are the source folders of the inputs ("" when not found).
type Trees struct {
	Nixpkgs, HomeManager, NixDarwin, SopsNix string
}

// Options tunes Run.
type Options struct {
	Runner runner.Runner
	// Jobs is how many hosts are evaluated at once (GOMAXPROCS when 0).
	Jobs int
	// Progress, when set, is called after each host.
	Progress func(done, total int, r Result)
	// TmpDir holds the driver file ("" for the system's).
	TmpDir string
}

// NixVersion returns the version nix-instantiate --version prints.
func NixVersion(ctx context.Context, r runner.Runner) (string, error) {
	res, err := r.Run(ctx, runner.Cmd{Name: "nix-instantiate", Args: []string{"--version"}})
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(res.Stdout))
	if len(f) == 0 {
		return "", fmt.Errorf("nix-instantiate --version printed nothing")
	}
	return f[len(f)-1], nil
}

// MinNixVersion returns the Nix version a nixpkgs tree requires
// (lib/minver.nix), or "" when it says none.
func MinNixVersion(nixpkgs string) string {
	data, err := os.ReadFile(filepath.Join(nixpkgs, "lib", "minver.nix"))
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`"([0-9][0-9.]*)"`).FindStringSubmatch(string(data))
	if m == nil {
		return ""
	}
	return m[1]
}

// VersionLess compares dotted versions numerically (2.8.1 < 2.18).
func VersionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(strings.TrimFunc(pa[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(strings.TrimFunc(pb[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// Run evaluates each host's system with nix-instantiate against the
// fleet's generated/outputs.nix and the trees. A darwin host without a
// nix-darwin tree is skipped.
func Run(ctx context.Context, fleetDir string, trees Trees, hosts []Host, opts Options) ([]Result, error) {
	if _, err := os.Stat(filepath.Join(fleetDir, "generated", "outputs.nix")); err != nil {
		return nil, fmt.Errorf("generated/outputs.nix is missing: run fleet generate")
	}
	f, err := os.CreateTemp(opts.TmpDir, "fleet-verify-*.nix")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(driver); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	results := make([]Result, len(hosts))
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := one(ctx, opts.Runner, f.Name(), fleetDir, trees, h)
			results[i] = r
			mu.Lock()
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(hosts), r)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results, ctx.Err()
}

func one(ctx context.Context, rn runner.Runner, drv, fleetDir string, trees Trees, h Host) Result {
	r := Result{Host: h.Name, Kind: h.Kind}
	if h.Kind == "darwin" && trees.NixDarwin == "" {
		r.Status, r.Error = "skipped", "a darwin host: no nix-darwin tree (give one with --upstream nix-darwin=FOLDER)"
		return r
	}
	res, err := rn.Run(ctx, runner.Cmd{Name: "nix-instantiate", Args: []string{
		"--eval", "--strict", "--read-write-mode", "--show-trace", "--option", "substituters", "",
		"--arg", "fleet", fleetDir, "--arg", "nixpkgs", trees.Nixpkgs,
		"--argstr", "homeManager", trees.HomeManager, "--argstr", "nixDarwin", trees.NixDarwin,
		"--argstr", "sopsNix", trees.SopsNix, "--argstr", "host", h.Name, "--argstr", "kind", h.Kind, drv,
	}})
	r.Output = string(res.Stderr)
	if err == nil {
		r.Status = "ok"
		r.DrvPath = strings.Trim(strings.TrimSpace(string(res.Stdout)), `"`)
		return r
	}
	r.Status = "failed"
	r.Error, r.Detail, r.Trace = explain(string(res.Stderr), fleetDir, trees)
	if r.Error == "" {
		r.Error = err.Error()
	}
	return r
}

// posRE finds file:line:col positions in Nix's messages (Nix 2.8 writes
// "at /path/file.nix:12:5:", later versions "at /path/file.nix:12:5").
var posRE = regexp.MustCompile(`(/[^\s:'"]+\.nix):(\d+):(\d+)`)

// explain returns the first error message of Nix's output (with the lines
// that continue it) and the positions it names in the fleet's files,
// relative to the fleet's root, deepest first as Nix prints them.
func explain(out, fleetDir string, trees Trees) (string, []string, []string) {
	lines := strings.Split(out, "\n")
	msg := ""
	var detail []string
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "error:") {
			msg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "error:"))
			// Nix puts the message on the next lines when the first is
			// only "error:".
			j := i + 1
			for ; msg == "" && j < len(lines); j++ {
				msg = strings.TrimSpace(lines[j])
			}
			// The message goes on until a blank line or the trace.
			for ; j < len(lines); j++ {
				t := strings.TrimSpace(lines[j])
				if t == "" || strings.HasPrefix(t, "…") || strings.HasPrefix(t, "at ") || strings.HasPrefix(t, "while ") {
					break
				}
				detail = append(detail, t)
			}
			break
		}
	}
	if msg == "" {
		for i := len(lines) - 1; i >= 0; i-- {
			if s := strings.TrimSpace(lines[i]); s != "" {
				msg = s
				break
			}
		}
	}
	root := filepath.Clean(fleetDir) + string(filepath.Separator)
	var skip []string
	for _, t := range []string{trees.Nixpkgs, trees.HomeManager, trees.NixDarwin, trees.SopsNix} {
		if t != "" {
			skip = append(skip, filepath.Clean(t)+string(filepath.Separator))
		}
	}
	var trace []string
	seen := map[string]bool{}
	for _, m := range posRE.FindAllStringSubmatch(out, -1) {
		file := m[1]
		rel, ok := strings.CutPrefix(file, root)
		if !ok || slices.ContainsFunc(skip, func(t string) bool { return strings.HasPrefix(file, t) }) {
			// The fleet copied to the store by a flake: /nix/store/<hash>-source/...
			continue
		}
		p := rel + ":" + m[2] + ":" + m[3]
		if !seen[p] {
			seen[p] = true
			trace = append(trace, p)
		}
	}
	return msg, detail, trace
}
