package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/inventory"
)

func (a *App) listCommand() *cobra.Command {
	kinds := []string{"hosts", "profiles", "roles", "modules", "users", "toolsets", "templates", "options"}
	return &cobra.Command{
		Use:   "list hosts|profiles|roles|modules|users|toolsets|templates|options [MODULE]",
		Short: "List the fleet's hosts, profiles, roles, modules, users, toolsets, project templates or the options modules declare",
		Long: `List the fleet's hosts, profiles, roles, modules, users, toolsets or project
templates.

fleet list options [MODULE] prints the options fleet read from the modules
(all, or one module's), with their types and defaults: what [settings.MODULE]
is checked against. An option fleet could not read statically is listed as
unchecked, with the reason.`,
		Example: `  fleet list hosts
  fleet list options monitoring
  fleet --json list options`,
		Args:      cobra.RangeArgs(1, 2),
		ValidArgs: kinds,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(kinds, args[0]) {
				return withHint(usageError("cannot list %q", args[0]), "list one of: "+strings.Join(kinds, ", "))
			}
			if args[0] == "options" {
				return a.listOptions(cmd.Context(), args[1:])
			}
			if len(args) > 1 {
				return usageError("list %s takes no argument", args[0])
			}
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			inv, diags := inventory.Load(dir)
			rows, header := listRows(inv, args[0])
			if a.JSON {
				var objs []map[string]any
				for _, r := range rows {
					obj := map[string]any{}
					for i, h := range header {
						obj[strings.ToLower(h)] = r[i]
					}
					objs = append(objs, obj)
				}
				if err := writeJSON(a.Out, nonNil(objs)); err != nil {
					return err
				}
				return a.reportDiags(diags)
			}
			tw := a.table()
			fmt.Fprintln(tw, strings.Join(header, "\t"))
			for _, r := range rows {
				cells := make([]string, len(r))
				for i, c := range r {
					cells[i] = cellText(c)
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t"))
			}
			tw.Flush()
			return a.reportDiags(diags)
		},
	}
}

func cellText(c any) string {
	switch c := c.(type) {
	case []string:
		return dash(strings.Join(c, ","))
	case string:
		return dash(c)
	}
	return fmt.Sprint(c)
}

// listRows returns the rows of one listing and its header.
func listRows(inv *inventory.Inventory, kind string) ([][]any, []string) {
	var rows [][]any
	switch kind {
	case "hosts":
		for _, h := range inv.Hosts {
			rows = append(rows, []any{h.Name, h.Platform.V, h.System.V, h.Profile.V, nonNil(inventory.Names(h.Roles)), nonNil(inventory.Names(h.Users)), h.Description.V})
		}
		return rows, []string{"NAME", "PLATFORM", "SYSTEM", "PROFILE", "ROLES", "USERS", "DESCRIPTION"}
	case "profiles":
		for _, n := range sortedNames(inv.Profiles) {
			p := inv.Profiles[n]
			rows = append(rows, []any{n, p.Extends.V, p.Description.V})
		}
		return rows, []string{"NAME", "EXTENDS", "DESCRIPTION"}
	case "roles":
		for _, n := range sortedNames(inv.Roles) {
			r := inv.Roles[n]
			rows = append(rows, []any{n, requiresText(r.Requires), r.Description.V})
		}
		return rows, []string{"NAME", "REQUIRES", "DESCRIPTION"}
	case "modules":
		names := map[string][]string{}
		for _, class := range []string{"nixos", "darwin", "home"} {
			for n := range inv.Modules[class] {
				names[n] = append(names[n], class)
			}
		}
		for _, n := range sortedNames(names) {
			rows = append(rows, []any{n, names[n]})
		}
		return rows, []string{"NAME", "CLASSES"}
	case "users":
		for _, n := range sortedNames(inv.Users) {
			u := inv.Users[n]
			rows = append(rows, []any{n, u.UID.V, u.Shell.V, u.Admin.V, u.Description.V})
		}
		return rows, []string{"NAME", "UID", "SHELL", "ADMIN", "DESCRIPTION"}
	case "toolsets":
		for _, n := range sortedNames(inv.Toolsets) {
			ts := inv.Toolsets[n]
			var plats []string
			for _, p := range ts.Platforms {
				plats = append(plats, p.Key.V)
			}
			rows = append(rows, []any{n, len(ts.Packages), nonNil(plats), ts.Description.V})
		}
		return rows, []string{"NAME", "PACKAGES", "PLATFORMS", "DESCRIPTION"}
	case "templates":
		for _, n := range inv.Templates {
			tpl := inv.TemplateDefs[n]
			rows = append(rows, []any{n, nonNil(inventory.Names(tpl.Toolsets)), tpl.Description.V})
		}
		return rows, []string{"NAME", "TOOLSETS", "DESCRIPTION"}
	}
	return nil, nil
}

func requiresText(r inventory.Requires) string {
	var parts []string
	if r.Platform.IsSet() {
		parts = append(parts, "platform="+r.Platform.V)
	}
	if r.Firmware.IsSet() {
		parts = append(parts, "firmware="+r.Firmware.V)
	}
	if len(r.GPU) > 0 {
		parts = append(parts, "gpu="+strings.Join(inventory.Names(r.GPU), "|"))
	}
	if r.MinMemoryGB.IsSet() {
		parts = append(parts, fmt.Sprintf("memory>=%dGB", r.MinMemoryGB.V))
	}
	return strings.Join(parts, ",")
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
