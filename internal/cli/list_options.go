package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/fleet"
	"github.com/fleetdev/fleet/internal/nix/options"
)

// optionRow is one option of fleet list options.
type optionRow struct {
	Module string `json:"module"`
	Class  string `json:"class"`
	options.Entry
}

// listOptions prints the options fleet read from the modules (only
// module's when given).
func (a *App) listOptions(ctx context.Context, module []string) error {
	dir, err := a.fleetDir()
	if err != nil {
		return err
	}
	l, err := fleet.Load(ctx, dir, fleet.Options{ModulesOnly: true, Label: a.rel(dir), Now: a.now})
	if err != nil {
		return err
	}
	var rows []optionRow
	var names []string
	for _, class := range []string{"nixos", "darwin", "home"} {
		mods := l.Eval.Options[class]
		for _, name := range sortedNames(mods) {
			names = append(names, name)
			if len(module) == 1 && name != module[0] {
				continue
			}
			for _, e := range mods[name].Entries() {
				rows = append(rows, optionRow{Module: name, Class: class, Entry: e})
			}
		}
	}
	if len(module) == 1 && !slices.Contains(names, module[0]) {
		err := usageError("no module named %q", module[0])
		if hint := diag.DidYouMean(module[0], names); hint != "" {
			return withHint(err, hint)
		}
		return err
	}
	if a.JSON {
		if err := writeJSON(a.Out, nonNil(rows)); err != nil {
			return err
		}
		return a.reportDiags(l.Diags)
	}
	tw := a.table()
	fmt.Fprintln(tw, "MODULE\tCLASS\tOPTION\tTYPE\tDEFAULT")
	for _, r := range rows {
		typ := r.Type
		if !r.Checked {
			typ += " (unchecked)"
		}
		def := strings.Join(strings.Fields(r.Default), " ")
		if len(def) > 40 {
			def = def[:37] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Module, r.Class, r.Path, typ, dash(def))
	}
	tw.Flush()
	return a.reportDiags(l.Diags)
}
