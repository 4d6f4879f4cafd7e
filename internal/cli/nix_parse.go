package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/nix/syntax"
)

type nixParseOptions struct {
	exprs []string
	pipes bool
}

func (a *App) nixParseCommand() *cobra.Command {
	var opts nixParseOptions
	c := &cobra.Command{
		Use:   "parse [FILE...]",
		Short: "Print Nix files as nix-instantiate --parse of Nix 2.8 prints them",
		Long: `Parse each FILE (- for standard input) and print its expression on one
line, exactly as 'nix-instantiate --parse' of Nix 2.8 prints it: operators
desugared into builtin calls, attribute sets sorted, paths resolved against
the file's directory, strings with Nix's escapes. Let bindings and function
formals are printed in source order (Nix 2.8 uses its symbol-table order).

A directory stands for its default.nix. Syntax errors, duplicate attributes
and undefined variables are reported with their positions, and fleet exits 1.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(opts.exprs) == 0 {
				return usageError("nix parse needs a FILE or --expr")
			}
			return a.runNixParse(cmd.Context(), opts, args)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&opts.exprs, "expr", "E", nil, "parse `EXPR` instead of a file (paths resolve against the working directory)")
	f.BoolVar(&opts.pipes, "pipe-operators", false, "accept the pipe operators |> and <| (Nix 2.24 and later)")
	return c
}

// runNixParse prints the --parse form of each input; errors of all inputs
// are collected and reported together.
func (a *App) runNixParse(ctx context.Context, opts nixParseOptions, args []string) error {
	parser := syntax.Options{PipeOperators: opts.pipes}
	var errs diag.List
	show := func(name, dir string, src []byte) {
		f, ds := parser.Parse(name, src)
		if len(ds) == 0 {
			ds = f.CheckScope()
		}
		for _, d := range ds {
			errs.Add(d)
		}
		if len(ds) == 0 {
			fmt.Fprintln(a.Out, f.ShowParse(syntax.ShowOptions{Dir: dir, Home: a.Env.Get("HOME")}))
		}
	}
	for i, e := range opts.exprs {
		name := "(expr)"
		if len(opts.exprs) > 1 {
			name = fmt.Sprintf("(expr %d)", i+1)
		}
		show(name, a.WorkDir, []byte(e))
	}
	for _, arg := range args {
		if err := ctx.Err(); err != nil {
			return err
		}
		if arg == "-" {
			src, err := io.ReadAll(a.In)
			if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
			show("-", a.WorkDir, src)
			continue
		}
		name, file, err := a.resolveNixFile(arg)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		show(name, filepath.Dir(file), src)
	}
	return errs.Err()
}

// resolveNixFile finds the file Nix would read for arg: symlinks are
// followed (relative paths in the file resolve against the target's
// directory) and a directory stands for its default.nix. It returns the
// name to report and the absolute path to read.
func (a *App) resolveNixFile(arg string) (name, file string, err error) {
	file = arg
	if !filepath.IsAbs(file) {
		file = filepath.Join(a.WorkDir, file)
	}
	file = filepath.Clean(file)
	for range 1024 {
		fi, err := os.Lstat(file)
		if err != nil {
			return "", "", err
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(file)
			if err != nil {
				return "", "", err
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(file), target)
			}
			file = filepath.Clean(target)
			continue
		case fi.IsDir():
			return filepath.Join(arg, "default.nix"), filepath.Join(file, "default.nix"), nil
		}
		return arg, file, nil
	}
	return "", "", fmt.Errorf("%s: too many levels of symbolic links", arg)
}
