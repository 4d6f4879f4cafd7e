package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/docs"
)

func (a *App) docsCommand() *cobra.Command {
	var out string
	var check, htmlSite bool
	c := &cobra.Command{
		Use:   "docs",
		Short: "Write the fleet's reference documentation (Markdown, or a static HTML site)",
		Long: `Docs writes the fleet's reference documentation, generated from the fleet
itself: an overview with the fleet graph (graph.svg), a page per host,
profile, role, user and module (the option reference, also as options.json in
the shape nixosOptionsDoc produces), who reads which secret, and the
maintenance and troubleshooting guides.

Hand-written Markdown is woven in: hosts/<host>/README.md into the host's
page, modules/<class>/<name>/README.md into the module's, a role's docs
field into its page and the maintenance guide, docs/maintenance.md and
docs/troubleshooting.md into those guides; the other docs/*.md pages are
linked as guides. A relative link in that Markdown whose target is not in
the fleet is a warning at its file:line:col.

By default the Markdown tree goes to docs/reference/ of the fleet, to be
committed: it renders on a forge, with links to the lines of the fleet's
files. --check writes nothing and exits 1 when that tree is stale. --html
writes a static HTML site (no network, client-side search, readable without
JavaScript) to --out. Output is deterministic. On errors in the fleet
nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if htmlSite && out == "" {
				return withHint(usageError("--html needs --out"), "name the folder for the site, e.g. fleet docs --html --out /tmp/site; 'fleet docs serve' serves it without writing")
			}
			if htmlSite && check {
				return withHint(usageError("--check compares the Markdown tree; it does not go with --html"), "run fleet docs --check")
			}
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			if l.Diags.HasErrors() {
				a.renderDiags(l.Diags.Items())
				fmt.Fprintln(a.Err, "fleet: not writing docs: fix the errors above first")
				return errFindings
			}
			for _, d := range docs.CheckLinks(l) {
				l.Diags.Add(d)
			}
			a.renderDiags(l.Diags.Items())
			dir := filepath.Join(l.Dir, filepath.FromSlash(docs.DefaultOut))
			if out != "" {
				dir = a.abs(out)
			}
			if htmlSite {
				site, err := docs.HTML(l)
				if err != nil {
					return err
				}
				if err := docs.WriteSite(dir, site); err != nil {
					return err
				}
				fmt.Fprintf(a.Err, "wrote %s to %s\n", plural(len(site), "file"), a.rel(dir))
				return nil
			}
			site, err := docs.Markdown(l, dir)
			if err != nil {
				return err
			}
			changes, err := docs.Changes(dir, site)
			if err != nil {
				return err
			}
			if check {
				for _, ch := range changes {
					what := "stale"
					switch {
					case ch.Old == nil:
						what = "missing"
					case ch.New == nil:
						what = "left over"
					}
					fmt.Fprintf(a.Err, "%s: %s\n", filepath.ToSlash(filepath.Join(a.rel(dir), ch.Path)), what)
				}
				if len(changes) > 0 {
					return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("%s of the docs in %s out of date", plural(len(changes), "file"), a.rel(dir))}, "run 'fleet docs' and commit the result")
				}
				fmt.Fprintf(a.Err, "docs in %s are up to date\n", a.rel(dir))
				return nil
			}
			if err := docs.Apply(dir, changes); err != nil {
				return err
			}
			if len(changes) == 0 {
				fmt.Fprintf(a.Err, "docs in %s are up to date\n", a.rel(dir))
			} else {
				fmt.Fprintf(a.Err, "wrote %s to %s\n", plural(len(changes), "file"), a.rel(dir))
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "folder to write to (default: docs/reference of the fleet)")
	c.Flags().BoolVar(&check, "check", false, "write nothing; list the stale files of the Markdown tree and exit 1 when there are any")
	c.Flags().BoolVar(&htmlSite, "html", false, "write the static HTML site instead of Markdown (needs --out)")
	c.AddCommand(a.docsServeCommand())
	return c
}
