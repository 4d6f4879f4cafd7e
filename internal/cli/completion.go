package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/eval"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) completionCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: `Completion prints a script that makes your shell complete fleet's commands
and flags, and from the fleet itself: host names and selectors (@role,
%profile, platform:...), the value paths of a host for explain, and secret
files for the secrets commands.`,
		Example: `  # bash: load now, or add the line to ~/.bashrc
  source <(fleet completion bash)

  # zsh: write it where compinit finds it
  fleet completion zsh > "${fpath[1]}/_fleet"

  # fish
  fleet completion fish > ~/.config/fish/completions/fleet.fish`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return withHint(usageError("say which shell"), "fleet completion bash, fleet completion zsh or fleet completion fish")
		},
	}
	for _, sh := range []struct {
		name string
		gen  func(root *cobra.Command, cmd *cobra.Command) error
	}{
		{"bash", func(root, cmd *cobra.Command) error { return root.GenBashCompletionV2(cmd.OutOrStdout(), true) }},
		{"zsh", func(root, cmd *cobra.Command) error { return root.GenZshCompletion(cmd.OutOrStdout()) }},
		{"fish", func(root, cmd *cobra.Command) error { return root.GenFishCompletion(cmd.OutOrStdout(), true) }},
	} {
		c.AddCommand(&cobra.Command{
			Use:   sh.name,
			Short: "Print the completion script for " + sh.name,
			Args:  cobra.NoArgs,
			RunE:  func(cmd *cobra.Command, _ []string) error { return sh.gen(cmd.Root(), cmd) },
		})
	}
	return c
}

// addCompletions attaches dynamic completion to the commands that take
// hosts, value paths or secret files, found by their path in the tree.
func (a *App) addCompletions(root *cobra.Command) {
	_ = root.MarkPersistentFlagDirname("dir")
	byPath := map[string]cobra.CompletionFunc{
		"fleet check":           a.completeHosts(true, -1),
		"fleet eval":            a.completeHosts(false, 1),
		"fleet diff":            a.completeHosts(false, 2),
		"fleet explain":         a.completeExplain,
		"fleet secrets get":     a.completeSecrets(1),
		"fleet secrets set":     a.completeSecrets(1),
		"fleet secrets edit":    a.completeSecrets(1),
		"fleet secrets decrypt": a.completeSecrets(1),
		"fleet secrets encrypt": a.completeSecrets(1),
		"fleet secrets rekey":   a.completeSecrets(-1),
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f, ok := byPath[c.CommandPath()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = f
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completionFleet loads the fleet for completion: quietly, nil when there
// is none.
func (a *App) completionFleet(ctx context.Context, selectors []string) *loaded {
	if ctx == nil {
		ctx = context.Background()
	}
	l, err := a.load(ctx, selectors)
	if err != nil {
		return nil
	}
	return l
}

// completeHosts completes host names, and with selectors also @role,
// %profile and platform:NAME; max bounds the number of hosts taken (-1:
// any).
func (a *App) completeHosts(selectors bool, max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		l := a.completionFleet(cmd.Context(), nil)
		if l == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return hostCompletions(l.Inventory, selectors, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// hostCompletions lists the host names (and selectors) starting with
// prefix, each with a description.
func hostCompletions(inv *inventory.Inventory, selectors bool, prefix string) []cobra.Completion {
	var out []cobra.Completion
	add := func(value, desc string) {
		if strings.HasPrefix(value, prefix) {
			out = append(out, cobra.CompletionWithDesc(value, desc))
		}
	}
	for _, h := range inv.Hosts {
		add(h.Name, fmt.Sprintf("%s host", h.Platform.V))
	}
	if selectors {
		for _, r := range slices.Sorted(maps.Keys(inv.Roles)) {
			add("@"+r, "hosts with role "+r)
		}
		for _, p := range slices.Sorted(maps.Keys(inv.Profiles)) {
			add("%"+p, "hosts of profile "+p)
		}
		for _, p := range inventory.Platforms {
			add("platform:"+string(p), string(p)+" hosts")
		}
	}
	return out
}

// completeExplain completes a host, then the value paths of that host one
// key at a time, as 'fleet eval' prints them.
func (a *App) completeExplain(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return a.completeHosts(false, 1)(cmd, args, toComplete)
	case 1:
		l := a.completionFleet(cmd.Context(), args[:1])
		if l == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		h := l.Eval.Host(args[0])
		if h == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return pathCompletions(h.Tree, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// pathCompletions lists the keys below the complete part of a dotted
// path that start with its last, partial key. Tables end with a dot, so
// the next key can follow.
func pathCompletions(tree *eval.Node, toComplete string) []cobra.Completion {
	node, prefix, partial := tree, "", toComplete
	if i := strings.LastIndexByte(toComplete, '.'); i >= 0 {
		keys, err := eval.ParsePath(toComplete[:i])
		if err != nil {
			return nil
		}
		node, prefix, partial = tree.Lookup(keys...), toComplete[:i+1], toComplete[i+1:]
	}
	if node == nil || node.Kind != eval.Table {
		return nil
	}
	var out []cobra.Completion
	for _, k := range node.Keys() {
		q := inventory.QuoteKey(k)
		if !strings.HasPrefix(q, partial) {
			continue
		}
		child := node.Get(k)
		if child.Kind == eval.Table && child.Len() > 0 {
			out = append(out, prefix+q+".")
		} else {
			out = append(out, prefix+q)
		}
	}
	return out
}

// completeSecrets completes the secret files of the fleet, relative to
// its root (secret paths are tried there too); max bounds the number of
// files taken (-1: any).
func (a *App) completeSecrets(max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		dir, err := a.fleetDir()
		if err != nil {
			return nil, cobra.ShellCompDirectiveDefault
		}
		files, err := (&secrets.Repo{Root: dir}).Files()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, f := range files {
			if strings.HasPrefix(f, toComplete) {
				out = append(out, f)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
