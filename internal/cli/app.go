// Package cli owns fleet's command line: one cobra command per file, each
// parsing its flags, calling one domain function and printing the result.
// It also owns the App value that carries stdio, environment, working
// directory and clock to every command, and the mapping of errors to exit
// codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/runner"
	"github.com/fleetdev/fleet/internal/secrets"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFindings = 1 // errors found in the fleet, or a command failed
	ExitUsage    = 2
	// ExitPartial means some hosts failed (deploy, status).
	ExitPartial     = 3
	ExitInterrupted = 130
)

// Exit codes of the secrets commands, the numbers sops uses for the same
// failures (README.md lists them).
const (
	ExitSopsValueTampered = 25  // a value does not decrypt (sops: ErrorDecryptingTree)
	ExitSopsMACMismatch   = 51  // the MAC does not match, or is missing (sops: MacMismatch)
	ExitSopsNoFile        = 100 // the secret file does not exist (sops: NoFileSpecified)
	ExitSopsNoKey         = 128 // no identity decrypts the data key (sops: CouldNotRetrieveKey)
	ExitSopsEncrypted     = 203 // encrypt of a file already encrypted (sops: FileAlreadyEncrypted)
)

// Stdio is the three standard streams.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// OSStdio returns the process's standard streams.
func OSStdio() Stdio { return Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr} }

// Env is the process environment as a value.
type Env map[string]string

// ParseEnv turns KEY=VALUE pairs into an Env; later pairs win.
func ParseEnv(kv []string) Env {
	env := Env{}
	for _, s := range kv {
		if k, v, ok := strings.Cut(s, "="); ok {
			env[k] = v
		}
	}
	return env
}

// Get returns the value of key, or "".
func (e Env) Get(key string) string { return e[key] }

// Lookup returns the value of key and whether it is set.
func (e Env) Lookup(key string) (string, bool) {
	v, ok := e[key]
	return v, ok
}

// List returns the environment as KEY=VALUE pairs, for child processes.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

// App is everything a command may touch of the outside world.
type App struct {
	Stdio
	Env Env
	// WorkDir is the directory fleet was started in.
	WorkDir string
	// Now is the clock.
	Now func() time.Time
	// Runner runs external programs (nix, ssh); nil means the real ones.
	Runner runner.Runner

	// Global flags.
	dirFlag string
	JSON    bool
	NoColor bool
	Verbose bool

	// accessIndexes are the lookup indexes of the secrets access rules a command
	// asks about, built once per command (see accessIndex).
	accessIndexes map[*secrets.Access]*secrets.Index
	// gcFor is the fleet folder tuneGC last tuned the collector for.
	gcFor string
}

// accessIndex returns the lookup index of access, built on first use:
// hints for a thousand failed files ask about the same rules.
func (a *App) accessIndex(access *secrets.Access) *secrets.Index {
	x := a.accessIndexes[access]
	if x == nil {
		if a.accessIndexes == nil {
			a.accessIndexes = map[*secrets.Access]*secrets.Index{}
		}
		x = access.Index()
		a.accessIndexes[access] = x
	}
	return x
}

// renderDiags prints diagnostics on stderr, in color when stderr is a
// terminal, NO_COLOR is unset and --no-color is not given; with the source
// line and a caret under each position when stderr is a terminal (or
// FLEET_EXCERPTS=1; FLEET_EXCERPTS=0 turns them off).
func (a *App) renderDiags(ds []diag.Diagnostic) {
	o := diag.RenderOptions{Color: a.color()}
	if a.excerpts() {
		o.Source = a.source
	}
	diag.RenderWith(a.Err, ds, o)
}

func (a *App) excerpts() bool {
	switch a.Env.Get("FLEET_EXCERPTS") {
	case "1":
		return true
	case "0":
		return false
	}
	f, ok := a.Err.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && a.Env.Get("TERM") != "dumb"
}

// source reads a file a diagnostic names: relative to the fleet's root
// (where fleet's own positions are relative to), else to the working
// directory (files named on the command line). nil when neither reads.
func (a *App) source(file string) []byte {
	var tries []string
	if filepath.IsAbs(file) {
		tries = []string{file}
	} else {
		if root, err := a.fleetDir(); err == nil {
			tries = append(tries, filepath.Join(root, file))
		}
		tries = append(tries, filepath.Join(a.WorkDir, file))
	}
	for _, t := range tries {
		if src, err := os.ReadFile(t); err == nil {
			return src
		}
	}
	return nil
}

func (a *App) color() bool {
	if a.NoColor || a.Env.Get("NO_COLOR") != "" || a.Env.Get("TERM") == "dumb" {
		return false
	}
	f, ok := a.Err.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error // may be nil when the message was already printed
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is bad usage: a wrong flag, a missing argument, an unknown
// host name.
func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// hintError is an error with hints printed after it.
type hintError struct {
	err   error
	hints []string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hints ...string) error { return &hintError{err: err, hints: hints} }

// findings is returned when diagnostics were already printed and the command
// must exit 1.
var errFindings = &exitError{code: ExitFindings}

// Main runs fleet with args and returns the exit code.
func Main(ctx context.Context, args []string, stdio Stdio, environ []string) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stdio.Err, "fleet: %v\n", err)
		return ExitFindings
	}
	app := &App{Stdio: stdio, Env: ParseEnv(environ), WorkDir: wd, Now: time.Now}
	return app.Run(ctx, args)
}

// Run runs one fleet command line and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.In)
	root.SetOut(a.Out)
	root.SetErr(a.Err)
	err := root.ExecuteContext(ctx)
	return a.report(ctx, err)
}

// report prints err once, as "fleet: ...", with its hints, and returns the
// exit code it maps to.
func (a *App) report(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.Err, "fleet: interrupted")
		return ExitInterrupted
	}
	code := ExitFindings
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	var de *diag.Errors
	if errors.As(err, &de) {
		a.renderDiags(de.List)
		return code
	}
	msg := err.Error()
	if isCobraUsage(msg) {
		code = ExitUsage
	}
	fmt.Fprintf(a.Err, "fleet: %s\n", msg)
	var he *hintError
	if errors.As(err, &he) {
		for _, h := range he.hints {
			fmt.Fprintf(a.Err, "fleet: hint: %s\n", h)
		}
	}
	if code == ExitUsage && isCobraUsage(msg) {
		fmt.Fprintln(a.Err, "fleet: hint: run 'fleet help' for usage")
	}
	return code
}

// isCobraUsage recognises the argument and flag errors cobra returns.
func isCobraUsage(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires exactly", "requires at most", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

// now reads the App's clock (time.Now when none is set).
func (a *App) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}
