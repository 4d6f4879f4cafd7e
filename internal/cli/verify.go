package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/nix/options"
	"github.com/fleetdev/fleet/internal/verify"
)

func (a *App) verifyCommand() *cobra.Command {
	var specs []string
	var jobs int
	c := &cobra.Command{
		Use:   "verify [HOST...]",
		Short: "Evaluate the generated hosts with the real Nix against the inputs' source trees",
		Long: `Verify evaluates each selected host's system (system.build.toplevel.drvPath
for NixOS, the darwin system for nix-darwin) with nix-instantiate against
the fleet's generated/outputs.nix and the source trees of its inputs:
nixpkgs (needed), home-manager, nix-darwin and sops-nix, found like the
options index finds them (flake.lock's inputs in /nix/store, or
--upstream INPUT=FOLDER, FLEET_UPSTREAM). Nothing is built. Hosts are
evaluated in parallel; each prints a line on stderr as it finishes.

A failing host shows Nix's error and the places of the fleet's own files
(generated/, modules/, hosts/) its trace names. A darwin host without a
nix-darwin tree is skipped. Verify refuses to run when the installed Nix
is older than the nixpkgs tree requires (lib/minver.nix).

Exit 0 when every host evaluates, 1 when one fails, 2 on bad usage.`,
		Example: `  fleet verify
  fleet verify @monitoring --upstream nixpkgs=~/src/nixpkgs
  fleet --json verify rich-evans`,
		RunE: func(cmd *cobra.Command, args []string) error {
			u, err := a.upstream(specs)
			if err != nil {
				return err
			}
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			if l.Diags.HasErrors() {
				return a.reportDiags(l.Diags)
			}
			sources, _, err := options.Sources(l.Dir, u.Store, u.Given)
			if err != nil {
				return err
			}
			var trees verify.Trees
			for _, s := range sources {
				switch s.Input {
				case "nixpkgs":
					trees.Nixpkgs = s.Dir
				case "home-manager":
					trees.HomeManager = s.Dir
				case "nix-darwin":
					trees.NixDarwin = s.Dir
				case "sops-nix":
					trees.SopsNix = s.Dir
				}
			}
			if trees.Nixpkgs == "" {
				return withHint(usageError("no nixpkgs source tree: flake.lock's nixpkgs is not in /nix/store"),
					"give one with --upstream nixpkgs=FOLDER (or FLEET_UPSTREAM), or run nix flake archive")
			}
			ctx := cmd.Context()
			have, err := verify.NixVersion(ctx, a.runner())
			if err != nil {
				return withHint(fmt.Errorf("nix-instantiate: %w", err), "install Nix: fleet verify evaluates with nix-instantiate")
			}
			if need := verify.MinNixVersion(trees.Nixpkgs); need != "" && verify.VersionLess(have, need) {
				return withHint(fmt.Errorf("the nixpkgs tree at %s needs Nix %s or later; nix-instantiate is %s", a.rel(trees.Nixpkgs), need, have),
					"upgrade Nix, or verify against an older nixpkgs with --upstream nixpkgs=FOLDER")
			}
			var hosts []verify.Host
			for _, h := range l.Eval.Hosts {
				hosts = append(hosts, verify.Host{Name: h.Name, Kind: string(h.Platform)})
			}
			results, err := verify.Run(ctx, l.Dir, trees, hosts, verify.Options{Runner: a.runner(), Jobs: jobs,
				Progress: func(done, total int, r verify.Result) {
					fmt.Fprintf(a.Err, "fleet: [%d/%d] %s %s\n", done, total, r.Host, r.Status)
				}})
			if err != nil {
				return err
			}
			failed, skipped := 0, 0
			for _, r := range results {
				switch r.Status {
				case "failed":
					failed++
				case "skipped":
					skipped++
				}
			}
			if a.JSON {
				if err := writeJSON(a.Out, results); err != nil {
					return err
				}
			} else {
				tw := a.table()
				fmt.Fprintln(tw, "HOST\tKIND\tRESULT")
				for _, r := range results {
					res := r.Status
					if r.Error != "" {
						res += ": " + r.Error
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Host, r.Kind, res)
				}
				tw.Flush()
				for _, r := range results {
					if r.Status != "failed" {
						continue
					}
					where := "generated/outputs.nix"
					if len(r.Trace) > 0 {
						where = r.Trace[0]
					}
					fmt.Fprintf(a.Err, "%s: error: %s: %s\n", where, r.Host, r.Error)
					for _, d := range r.Detail {
						fmt.Fprintf(a.Err, "    %s\n", d)
					}
					for _, p := range r.Trace[min(1, len(r.Trace)):] {
						fmt.Fprintf(a.Err, "    at %s\n", p)
					}
				}
				fmt.Fprintf(a.Out, "%d hosts evaluated with Nix %s: %d ok, %d failed, %d skipped\n", len(results), have, len(results)-failed-skipped, failed, skipped)
			}
			if failed > 0 {
				return errFindings
			}
			return nil
		},
	}
	a.upstreamFlag(c, &specs)
	c.Flags().IntVar(&jobs, "jobs", 0, "hosts evaluated at once (default: the number of CPUs)")
	return c
}
