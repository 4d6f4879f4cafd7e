package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsEditCommand(sf *secretsFlags) *cobra.Command {
	var writeOnly bool
	c := &cobra.Command{
		Use:   "edit PATH",
		Short: "Edit a secret in $EDITOR (creating it when missing)",
		Long: `Edit decrypts a secret into a private temporary file (mode 0600, in a fresh
0700 folder outside the fleet), opens it in $EDITOR (else $VISUAL), and
encrypts the result back when you save. Values you did not change keep their
ciphertext, so the diff shows only what changed. The temporary folder is
removed afterwards, whatever happens: also when fleet is interrupted or its
terminal hangs up (INT, TERM, HUP and QUIT stop the editor and exit 130). A missing file is created, encrypted to
everyone who may read it; as with set, one of your identities must be among
them unless --write-only is given. EDITOR may hold arguments ("code --wait").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			editor, err := a.editor()
			if err != nil {
				return err
			}
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			repo := a.repo(sfl.Dir, sfl.access)
			rel, err := a.secretArg(repo, args[0])
			if err != nil {
				return err
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			created := !fileExists(filepath.Join(repo.Root, filepath.FromSlash(rel)))
			if created {
				if err := a.checkWriterReads(repo, rel, args[0], writeOnly); err != nil {
					return err
				}
			}
			asked := false
			err = repo.Edit(cmd.Context(), rel, secrets.EditOptions{
				Run: func(ctx context.Context, path string) error { return a.runEditor(ctx, editor, path) },
				Retry: func(err error) bool {
					asked = true
					return a.askRetry(err)
				},
			})
			if errors.Is(err, secrets.ErrNotModified) {
				fmt.Fprintf(a.Err, "%s: not modified\n", rel)
				return nil
			}
			if errors.Is(err, secrets.ErrSyntax) {
				if asked {
					err = fmt.Errorf("%s: the change was dropped", rel)
				}
				return withHint(err, "nothing was written; run fleet secrets edit again and fix the syntax")
			}
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			if created {
				fmt.Fprintf(a.Err, "%s: created for %s\n", rel, recipientsText(repo, rel))
			} else {
				fmt.Fprintf(a.Err, "%s: saved\n", rel)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&writeOnly, writeOnlyFlag, false, "create the file even though none of your identities can read it back")
	return c
}

// editor returns the command line of the user's editor: $EDITOR, else
// $VISUAL, split at spaces.
func (a *App) editor() ([]string, error) {
	for _, v := range []string{"EDITOR", "VISUAL"} {
		if f := strings.Fields(a.Env.Get(v)); len(f) > 0 {
			return f, nil
		}
	}
	return nil, withHint(errors.New("no editor: EDITOR and VISUAL are not set"), "set EDITOR, for example: EDITOR=vi fleet secrets edit PATH")
}

// runEditor runs the editor on path with the user's terminal and waits
// for it to exit.
func (a *App) runEditor(ctx context.Context, editor []string, path string) error {
	cmd := exec.CommandContext(ctx, editor[0], append(editor[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.In, a.Out, a.Err
	cmd.Env = a.Env.List()
	cmd.Dir = a.WorkDir
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return withHint(fmt.Errorf("editor %s: %v; nothing was written", editor[0], err), "check EDITOR, or save and quit the editor normally")
	}
	return nil
}

// askRetry asks whether to edit again after the edited text did not
// parse. Anything but a line on stdin (end of input, an error) means no.
func (a *App) askRetry(err error) bool {
	fmt.Fprintf(a.Err, "fleet: the edited file does not parse: %v\npress Enter to edit it again, or Ctrl-D to drop the change: ", err)
	if a.In == nil {
		fmt.Fprintln(a.Err)
		return false
	}
	var b [1]byte
	for {
		n, rerr := a.In.Read(b[:])
		if n == 1 && b[0] == '\n' {
			return true
		}
		if rerr != nil {
			fmt.Fprintln(a.Err)
			return false
		}
	}
}

// recipientsText names who a secret file is encrypted to, for messages.
func recipientsText(repo *secrets.Repo, rel string) string {
	rs, err := repo.Recipients(rel)
	if err != nil || len(rs) == 0 {
		return "nobody"
	}
	var who []string
	holders := repo.Access.Index()
	for _, r := range rs {
		who = append(who, holders.Describe(r))
	}
	return strings.Join(who, ", ")
}
