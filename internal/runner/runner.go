// Package runner owns running external programs: the Runner interface the
// App carries to every command that starts a process (nix, ssh), and the
// real implementation on os/exec. Tests substitute a recording Runner or
// use the real one against real programs.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
)

// Cmd is one program to run.
type Cmd struct {
	Name string
	Args []string
	// Env is added to the process environment of the Runner (KEY=VALUE).
	Env []string
	// Stdin is the program's standard input (nil for none).
	Stdin []byte
	// Stderr, when set, receives the program's standard error as it
	// comes, in addition to Result.Stderr.
	Stderr io.Writer
}

// String renders the command line for messages.
func (c Cmd) String() string {
	return strings.Join(append([]string{c.Name}, c.Args...), " ")
}

// Result is what a program printed and how it ended.
type Result struct {
	Stdout, Stderr []byte
	// Code is the exit code; -1 when the program did not start or was
	// killed by a signal.
	Code int
}

// Runner runs programs.
type Runner interface {
	Run(ctx context.Context, c Cmd) (Result, error)
}

// ExitError is returned by Run when the program ran and exited non-zero.
type ExitError struct {
	Cmd    Cmd
	Code   int
	Stderr string
}

func (e *ExitError) Error() string {
	msg := e.Tail(1)
	if msg == "" {
		return fmt.Sprintf("%s exited with code %d", e.Cmd.Name, e.Code)
	}
	return fmt.Sprintf("%s exited with code %d: %s", e.Cmd.Name, e.Code, msg)
}

// Tail returns the last n non-empty lines of the program's standard
// error, joined by newlines.
func (e *ExitError) Tail(n int) string {
	var lines []string
	for _, l := range strings.Split(e.Stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Exec runs programs with os/exec, with Environ as their environment.
type Exec struct {
	Environ []string
}

// Run starts c and waits for it. A non-zero exit is an *ExitError with
// the Result filled in; a cancelled context kills the program and
// returns the context's error.
func (x Exec) Run(ctx context.Context, c Cmd) (Result, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Env = append(append([]string{}, x.Environ...), c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if c.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&errb, c.Stderr)
	}
	// Interrupt first, so ssh and nix can tidy up, then kill.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	err := cmd.Run()
	res := Result{Stdout: out.Bytes(), Stderr: errb.Bytes(), Code: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return res, &ExitError{Cmd: c, Code: res.Code, Stderr: errb.String()}
	}
	if err != nil {
		return res, fmt.Errorf("%s: %w", c.Name, err)
	}
	return res, nil
}
