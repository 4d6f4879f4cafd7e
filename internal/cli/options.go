package cli

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// upstreamFlag adds --upstream to a command.
func (a *App) upstreamFlag(c *cobra.Command, specs *[]string) {
	c.Flags().StringArrayVar(specs, "upstream", nil, "source tree of an input, INPUT=FOLDER (nixpkgs, home-manager, nix-darwin, sops-nix); also FLEET_UPSTREAM")
}

// upstream is where the fleet's upstream trees are: --upstream and
// FLEET_UPSTREAM (the flag wins), flake.lock's inputs in /nix/store
// (FLEET_NIX_STORE, "none" to not look), the cache under
// $XDG_CACHE_HOME/fleet/options (FLEET_CACHE_DIR, "none" for no cache).
func (a *App) upstream(specs []string) (*fleet.Upstream, error) {
	given, err := fleet.ParseUpstream(append([]string{a.Env.Get("FLEET_UPSTREAM")}, specs...))
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	for in, dir := range given {
		// Relative to where the user is, not the fleet's root.
		given[in] = a.abs(dir)
		if st, err := os.Stat(given[in]); err != nil || !st.IsDir() {
			return nil, withHint(usageError("upstream tree of %s: %s is not a folder", in, dir),
				"give the folder of the input's source, such as --upstream nixpkgs=../nixpkgs")
		}
	}
	u := &fleet.Upstream{Given: given, Store: "/nix/store", CacheDir: fleet.CacheDir(a.Env.Get)}
	if s := a.Env.Get("FLEET_NIX_STORE"); s != "" {
		u.Store = s
		if s == "none" {
			u.Store = ""
		}
	}
	if d := a.Env.Get("FLEET_CACHE_DIR"); d != "" {
		u.CacheDir = d
		if d == "none" {
			u.CacheDir = ""
		}
	}
	return u, nil
}

// indexes loads the upstream indexes of the fleet, or a usage error when
// no class has one.
func (a *App) indexes(specs []string) (map[string]*options.Index, error) {
	dir, err := a.fleetDir()
	if err != nil {
		return nil, err
	}
	u, err := a.upstream(specs)
	if err != nil {
		return nil, err
	}
	inv, _ := inventory.Load(dir)
	ix, err := fleet.UpstreamIndexes(dir, fleet.InputNames(inv), *u, a.Err, a.now)
	if err != nil {
		return nil, err
	}
	if len(ix) == 0 {
		return nil, withHint(usageError("no upstream source tree found: flake.lock's nixpkgs, home-manager and nix-darwin are not in /nix/store"),
			"give trees with --upstream nixpkgs=FOLDER (or FLEET_UPSTREAM=nixpkgs=FOLDER,home-manager=FOLDER); see docs/options.md")
	}
	return ix, nil
}

func (a *App) optionsCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "options",
		Short: "Index, show and search the upstream NixOS, nix-darwin and home-manager options",
	}
	c.AddCommand(a.optionsBuildCommand(), a.optionsShowCommand(), a.optionsSearchCommand())
	return c
}

func (a *App) optionsBuildCommand() *cobra.Command {
	var specs []string
	c := &cobra.Command{
		Use:   "build",
		Short: "Index the upstream options of the fleet's inputs (or read the index from the cache)",
		Long: `Build finds the source trees of the fleet's inputs (flake.lock's locked
inputs in /nix/store, or folders given with --upstream INPUT=FOLDER or
FLEET_UPSTREAM) and reads every option they declare, without evaluating
Nix. The index of each class (nixos from nixpkgs, darwin from nix-darwin,
home from home-manager; sops-nix and home-manager's system modules added
where found) is cached by revision under $XDG_CACHE_HOME/fleet/options.
It prints one line per class on stderr and a table of counts on stdout.`,
		Example: `  fleet options build
  fleet options build --upstream nixpkgs=~/src/nixpkgs --upstream home-manager=~/src/home-manager
  FLEET_UPSTREAM=nix-darwin=../nix-darwin fleet check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ixs, err := a.indexes(specs)
			if err != nil {
				return err
			}
			type row struct {
				Class string `json:"class"`
				options.Stats
				Trees []options.Tree `json:"trees"`
			}
			var rows []row
			for _, class := range options.Classes {
				if ix := ixs[class]; ix != nil {
					rows = append(rows, row{class, ix.Stats(), ix.Trees})
				}
			}
			if a.JSON {
				return writeJSON(a.Out, rows)
			}
			tw := a.table()
			fmt.Fprintln(tw, "CLASS\tOPTIONS\tOPEN\tRENAMES\tFILES\tTREES")
			for _, r := range rows {
				var trees []string
				for _, t := range r.Trees {
					trees = append(trees, t.Input)
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", r.Class, r.Options, r.Open, r.Renames, r.Files, strings.Join(trees, ", "))
			}
			return tw.Flush()
		},
	}
	a.upstreamFlag(c, &specs)
	return c
}

// optionRowOf is one upstream option as shown and printed as JSON.
type upstreamOption struct {
	Class string `json:"class"`
	options.IndexEntry
}

func (a *App) optionsShowCommand() *cobra.Command {
	var specs []string
	var class string
	c := &cobra.Command{
		Use:   "show OPTION",
		Short: "Show an upstream option: type, default, description, where it is declared",
		Long: `Show prints every declaration of OPTION in the upstream indexes (all
classes, or --class nixos|darwin|home): its type, default, description and
the file and line that declare it. Elements of attribute sets of
submodules are written <name> (users.users.<name>.shell); a concrete
name is looked up as <name> too. A renamed or removed option says so.`,
		Example: `  fleet options show services.openssh.settings
  fleet options show --class home programs.git.settings
  fleet --json options show users.users.alex.shell`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ixs, err := a.indexes(specs)
			if err != nil {
				return err
			}
			var rows []upstreamOption
			var notes []string
			var suggest []string
			path := options.SplitPath(args[0])
			for _, cl := range options.Classes {
				ix := ixs[cl]
				if ix == nil || (class != "" && class != cl) {
					continue
				}
				f := ix.Lookup(path)
				switch f.Verdict {
				case options.Declared, options.Below:
					for _, e := range f.Options {
						rows = append(rows, upstreamOption{cl, *e})
					}
					if len(f.Options) == 0 {
						notes = append(notes, fmt.Sprintf("%s: %s is a set of options; fleet options search %s lists them", cl, args[0], args[0]))
					}
				case options.Open:
					notes = append(notes, fmt.Sprintf("%s: %s is accepted unchecked: %s is open (%s)", cl, args[0], strings.Join(path[:f.Depth], "."), f.Why))
				case options.Moved:
					r := f.Rename
					switch {
					case r.Kind == options.Removed:
						notes = append(notes, fmt.Sprintf("%s: %s was removed: %s (%s)", cl, r.From, strings.Join(strings.Fields(r.Message), " "), r.Pos))
					default:
						notes = append(notes, fmt.Sprintf("%s: %s is %s to %s (%s)", cl, r.From, r.Kind, r.To, r.Pos))
					}
				case options.Unknown_:
					if f.Suggest != "" {
						suggest = append(suggest, strings.Join(append(path[:f.Depth:f.Depth], f.Suggest), "."))
					}
				}
			}
			if len(rows) == 0 && len(notes) == 0 {
				err := usageError("no upstream option %s", args[0])
				if len(suggest) > 0 {
					return withHint(err, "did you mean "+suggest[0]+"?")
				}
				return withHint(err, "fleet options search WORD finds options by name")
			}
			if a.JSON {
				return writeJSON(a.Out, struct {
					Options []upstreamOption `json:"options"`
					Notes   []string         `json:"notes"`
				}{nonNil(rows), nonNil(notes)})
			}
			for i, r := range rows {
				if i > 0 {
					fmt.Fprintln(a.Out)
				}
				fmt.Fprintf(a.Out, "%s (%s)\n", r.Path, r.Class)
				fmt.Fprintf(a.Out, "  type:     %s\n", dash(r.Type))
				if r.Open != "" {
					fmt.Fprintf(a.Out, "  checked:  no, %s\n", r.Open)
				}
				fmt.Fprintf(a.Out, "  default:  %s\n", dash(strings.Join(strings.Fields(r.Default), " ")))
				fmt.Fprintf(a.Out, "  declared: %s\n", r.Pos)
				if d := strings.TrimSpace(r.Description); d != "" {
					fmt.Fprintln(a.Out)
					for _, l := range strings.Split(d, "\n") {
						fmt.Fprintln(a.Out, "  "+l)
					}
				}
			}
			for _, n := range notes {
				fmt.Fprintln(a.Out, n)
			}
			return nil
		},
	}
	a.upstreamFlag(c, &specs)
	c.Flags().StringVar(&class, "class", "", "only this class: nixos, darwin or home")
	return c
}

func (a *App) optionsSearchCommand() *cobra.Command {
	var specs []string
	var class string
	var limit int
	c := &cobra.Command{
		Use:   "search WORD...",
		Short: "List the upstream options whose path contains every word",
		Example: `  fleet options search openssh
  fleet options search --class home git signing`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ixs, err := a.indexes(specs)
			if err != nil {
				return err
			}
			var rows []upstreamOption
			for _, cl := range options.Classes {
				ix := ixs[cl]
				if ix == nil || (class != "" && class != cl) {
					continue
				}
				seen := map[string]bool{}
				for _, e := range ix.Search(strings.Join(args, " ")) {
					if !seen[e.Path] {
						seen[e.Path] = true
						rows = append(rows, upstreamOption{cl, *e})
					}
				}
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].Class < rows[j].Class })
			more := 0
			if limit > 0 && len(rows) > limit {
				more, rows = len(rows)-limit, rows[:limit]
			}
			if a.JSON {
				return writeJSON(a.Out, nonNil(rows))
			}
			tw := a.table()
			fmt.Fprintln(tw, "CLASS\tOPTION\tTYPE")
			for _, r := range rows {
				t := r.Type
				if len(t) > 50 {
					t = t[:47] + "..."
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Class, r.Path, dash(t))
			}
			tw.Flush()
			if more > 0 {
				fmt.Fprintf(a.Err, "fleet: %d more; narrow the search or raise --limit\n", more)
			}
			if len(rows) == 0 {
				return &exitError{code: ExitFindings, err: fmt.Errorf("no upstream option matches %q", strings.Join(args, " "))}
			}
			return nil
		},
	}
	a.upstreamFlag(c, &specs)
	c.Flags().StringVar(&class, "class", "", "only this class: nixos, darwin or home")
	c.Flags().IntVar(&limit, "limit", 100, "print at most this many options (0: all)")
	return c
}
