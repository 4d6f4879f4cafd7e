package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/devenv"
	"github.com/fleetdev/fleet/internal/diag"
)

func (a *App) newProjectCommand() *cobra.Command {
	var template, name string
	c := &cobra.Command{
		Use:   "project DIR --template NAME [--name PROJECT]",
		Short: "Write a new project from one of the fleet's templates",
		Long: `New project writes a project into DIR (created when missing) from the fleet's
templates/NAME/: every file of the template except template.toml, with the
placeholders @name@ and @name_snake@ filled (the project's name, by default
DIR's name; the name with '-' and '.' as '_'), and toolset.nix rendered for
the fleet as it is now. When the fleet has a flake.lock, each flake input the
template shares with the fleet (nixpkgs) is pinned to the revision the fleet
has locked, so the project's shell has the versions the dev machines have.

It never overwrites a file: if any file it would write exists, it writes
nothing. It works offline and runs no Nix. Then: cd DIR, and direnv allow.

'nix flake init -t FLEET#NAME' copies the same template as it is (the
placeholders stay, nixpkgs follows the fleet's branch rather than its locked
revision, template.toml comes along).`,
		Example: `  fleet new project ~/src/tool --template go
  fleet new project ../site --template node --name site-2026`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if template == "" {
				return usageError("new project needs --template NAME")
			}
			dir, shown := args[0], args[0]
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(a.WorkDir, dir)
			}
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			// A template is made of its own files and the toolsets it
			// names: errors there stop it, errors elsewhere do not.
			var block diag.List
			for _, d := range l.Diags.Items() {
				if d.Severity == diag.Error && (strings.HasPrefix(d.Pos.File, "toolsets/") || strings.HasPrefix(d.Pos.File, "templates/"+template+"/") || d.Pos.File == "templates/"+template) {
					block.Add(d)
				}
			}
			if block.Len() > 0 {
				a.renderDiags(block.Items())
				return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("template %s has errors", template)}, "fix them, then run the command again")
			}
			p, err := devenv.New(l.Eval, devenv.Options{Template: template, Name: name, Dir: dir})
			var te *devenv.TemplateError
			var ne *devenv.NameError
			switch {
			case errors.As(err, &te):
				return &exitError{code: ExitUsage, err: withHint(te, te.Hint)}
			case errors.As(err, &ne):
				if name == "" {
					return &exitError{code: ExitUsage, err: withHint(ne, "pass --name PROJECT")}
				}
				return &exitError{code: ExitUsage, err: ne}
			case err != nil:
				return err
			}
			if err := p.Create(); err != nil {
				var ee *atomicfs.ExistsError
				if errors.As(err, &ee) {
					for i, q := range ee.Paths {
						if r, err := filepath.Rel(dir, q); err == nil {
							ee.Paths[i] = filepath.Join(shown, r)
						}
					}
					return withHint(fmt.Errorf("not writing project %s into %s: %w", p.Name, shown, ee), "choose a new folder, or move those files away")
				}
				return err
			}
			return a.printProject(p, shown)
		},
	}
	c.Flags().StringVarP(&template, "template", "t", "", "the template: a folder under the fleet's templates/")
	c.Flags().StringVar(&name, "name", "", "the project's name (default: DIR's name)")
	return c
}

// printProject lists the project's files on stdout and says what was
// done and what to do next on stderr; shown is DIR as the user gave it.
func (a *App) printProject(p *devenv.Project, shown string) error {
	files := make([]string, 0, len(p.Files))
	for f := range p.Files {
		files = append(files, f)
	}
	slices.Sort(files)
	if a.JSON {
		return writeJSON(a.Out, struct {
			Dir      string   `json:"dir"`
			Name     string   `json:"name"`
			Template string   `json:"template"`
			Files    []string `json:"files"`
			Nixpkgs  string   `json:"nixpkgs"`
			Pinned   bool     `json:"pinned"`
			Notes    []string `json:"notes"`
		}{p.Dir, p.Name, p.Template, files, p.Nixpkgs, p.Pinned, nonNil(p.Notes)})
	}
	for _, f := range files {
		fmt.Fprintln(a.Out, f)
	}
	rel := shown
	fmt.Fprintf(a.Err, "wrote project %s from template %s: %s in %s\n", p.Name, p.Template, plural(len(files), "file"), rel)
	if p.Pinned {
		fmt.Fprintf(a.Err, "nixpkgs: %s (the fleet's locked revision)\n", p.Nixpkgs)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(a.Err, "note: %s\n", n)
	}
	fmt.Fprintf(a.Err, "next: cd %s && git init && git add -A && direnv allow\n", rel)
	fmt.Fprintln(a.Err, "      (flakes see only files git knows; direnv allow loads the dev shell)")
	return nil
}
