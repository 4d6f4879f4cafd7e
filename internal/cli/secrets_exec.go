package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsExecEnvCommand(sf *secretsFlags) *cobra.Command {
	var pristine bool
	c := &cobra.Command{
		Use:   "exec-env PATH -- COMMAND [ARG...]",
		Short: "Run a command with a secret's values as environment variables",
		Long: `Exec-env decrypts a secret file, verifies it, and runs COMMAND with the
file's top-level values added to the environment (NAME=value), as sops
exec-env does; the values never touch the disk nor the command line.
Nested values are refused (exec-file passes a whole file). --pristine starts
from an empty environment. fleet exits with the command's exit code.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, argv, err := execArgs(cmd, args)
			if err != nil {
				return err
			}
			doc, err := a.openSecret(cmd.Context(), sf, path)
			if err != nil {
				return err
			}
			vars, err := doc.Env()
			if err != nil {
				return withHint(usageError("%s: %v", path, err), "exec-file passes the whole file to a command instead")
			}
			env := a.Env.List()
			if pristine {
				env = nil
			}
			return a.runChild(cmd.Context(), argv, append(env, vars...))
		},
	}
	c.Flags().BoolVar(&pristine, "pristine", false, "pass only the secret's values, not fleet's own environment")
	c.Flags().SetInterspersed(false)
	return c
}

func (a *App) secretsExecFileCommand(sf *secretsFlags) *cobra.Command {
	var noFifo bool
	c := &cobra.Command{
		Use:   "exec-file PATH -- COMMAND [ARG...]",
		Short: "Run a command with a secret's plaintext in a private file or pipe",
		Long: `Exec-file decrypts a secret file, verifies it, and runs COMMAND with every {}
in its arguments replaced by the name of a named pipe (in a folder only you
can read) from which the command reads the plaintext once, as sops
exec-file does. --no-fifo writes a regular file of mode 0600 instead, for
commands that read twice or seek; it is removed when the command ends,
whatever ends it. fleet exits with the command's exit code.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, argv, err := execArgs(cmd, args)
			if err != nil {
				return err
			}
			if !strings.Contains(strings.Join(argv, "\x00"), "{}") {
				return withHint(usageError("no {} in the command: it would not know where the plaintext is"), "write {} where the file name goes, such as: fleet secrets exec-file "+path+" -- cat {}")
			}
			doc, err := a.openSecret(cmd.Context(), sf, path)
			if err != nil {
				return err
			}
			plain, err := doc.Plaintext()
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "fleet-exec-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			name := filepath.Join(dir, filepath.Base(path))
			if noFifo {
				if err := os.WriteFile(name, plain, 0o600); err != nil {
					return err
				}
			} else if err := startFifo(cmd.Context(), name, plain); err != nil {
				return err
			}
			for i := range argv {
				argv[i] = strings.ReplaceAll(argv[i], "{}", name)
			}
			return a.runChild(cmd.Context(), argv, a.Env.List())
		},
	}
	c.Flags().BoolVar(&noFifo, "no-fifo", false, "write a private regular file instead of a named pipe")
	c.Flags().SetInterspersed(false)
	return c
}

// openSecret decrypts and verifies the secret file a path argument names.
func (a *App) openSecret(ctx context.Context, sf *secretsFlags, arg string) (*secrets.Document, error) {
	dir, err := a.fleetDir()
	if err != nil {
		return nil, err
	}
	repo := a.repo(dir, nil)
	rel, err := a.secretArg(repo, arg)
	if err != nil {
		return nil, err
	}
	srcs, err := a.withIdentities(repo, sf)
	if err != nil {
		return nil, err
	}
	doc, err := repo.Open(rel)
	if err != nil {
		return nil, a.secretsError(ctx, err, repo, srcs)
	}
	return doc, nil
}

// execArgs splits PATH -- COMMAND ARGS.
func execArgs(cmd *cobra.Command, args []string) (string, []string, error) {
	switch {
	case cmd.ArgsLenAtDash() == 1 && len(args) >= 2:
		return args[0], append([]string(nil), args[1:]...), nil
	case len(args) >= 3 && args[1] == "--":
		// Flags stop at PATH, so the dash is an argument.
		return args[0], append([]string(nil), args[2:]...), nil
	}
	return "", nil, withHint(usageError("give the secret, then -- and the command"), "fleet secrets "+cmd.Name()+" secrets/app/db.yaml -- COMMAND [ARG...]")
}

// runChild runs a command with the terminal, waits for it, and turns its
// exit status into fleet's. Signals reach the command from the terminal;
// fleet waits for it to end.
func (a *App) runChild(ctx context.Context, argv []string, env []string) error {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdin, c.Stdout, c.Stderr = a.In, a.Out, a.Err
	c.Env = env
	c.Dir = a.WorkDir
	err := c.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code := ee.ExitCode()
		if code < 0 {
			code = ExitInterrupted
		}
		return &exitError{code: code}
	case err != nil:
		return withHint(fmt.Errorf("cannot run %s: %v", argv[0], errors.Unwrap(err)), "check the command's name and PATH")
	}
	return nil
}
