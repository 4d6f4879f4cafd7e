package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// GitState says what Git did for a new fleet.
type GitState int

// What Git did for a new fleet.
const (
	// GitInitialized: a new repository was created and the files staged.
	GitInitialized GitState = iota
	// GitExisting: the folder already is in a Git work tree; nothing was
	// staged there.
	GitExisting
	// GitMissing: no git program was found.
	GitMissing
)

// Git makes dir a Git repository with every file staged, unless it already
// lies in a work tree. Flakes only see the files Git tracks, so a new fleet
// that is not in Git cannot be built. env is the environment git runs with.
func Git(ctx context.Context, dir string, env []string) (GitState, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return GitMissing, nil
	}
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return strings.TrimSpace(out.String()), err
	}
	if out, err := run("rev-parse", "--is-inside-work-tree"); err == nil && out == "true" {
		return GitExisting, nil
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A", "."}} {
		if out, err := run(args...); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) && out != "" {
				err = errors.New(out)
			}
			return GitInitialized, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
	}
	return GitInitialized, nil
}
