package importer

import (
	"fmt"
	"slices"
	"strings"
)

// Guide is the IMPORT.md the import writes into the new fleet: what moved
// where, what is left to do, and how to go back.
func (r *Result) Guide(src string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Imported from %s\n\n", src)
	b.WriteString("`fleet import` wrote this fleet from a hand-written flake without changing it.\n")
	b.WriteString("Every machine's Nix files were copied unchanged into `hosts/<host>/`; fleet\n")
	b.WriteString("imports every `.nix` file at the top of that folder into the host.\n\n")
	b.WriteString("## What moved where\n\n| host | output | platform | system | files (fleet <- flake) |\n|---|---|---|---|---|\n")
	for _, h := range r.Hosts {
		var files []string
		for to, from := range h.Files {
			if from == "" {
				files = append(files, "`"+to+"` (written by the import)")
			} else {
				files = append(files, "`"+to+"` <- `"+from+"`")
			}
		}
		slices.Sort(files)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", h.Name, h.Output, h.Platform, h.System, strings.Join(files, "<br>"))
	}
	b.WriteString("\nThe inputs went to `fleet.toml` (`[inputs]`) and to `flake.nix`, which keeps every\n")
	fmt.Fprintf(&b, "output of the old flake: %s.\n\n", "`"+strings.Join(r.Outputs, "`, `")+"`")
	b.WriteString("## Left for you\n\n")
	n := 0
	for _, it := range r.Items {
		if it.Status == Left {
			fmt.Fprintf(&b, "- %s: %s\n", it.Pos, it.Message)
			n++
		}
	}
	if n == 0 {
		b.WriteString("Nothing: everything the flake defines was mapped.\n")
	}
	b.WriteString("\n## Next steps\n\n")
	b.WriteString("1. `fleet check` and `fleet generate`, then `nix flake check` and build each host\n")
	b.WriteString("   (`nixos-rebuild build --flake .#<host>`) to compare with the old flake's build.\n")
	b.WriteString("2. `fleet dedupe` lists settings repeated across hosts; `fleet dedupe --apply N`\n")
	b.WriteString("   moves one into fleet's TOML at a time, so each step is one reviewable commit.\n\n")
	b.WriteString("## Going back\n\n")
	b.WriteString("The old flake was not changed: keep using it, or delete this folder. The files in\n")
	b.WriteString("`hosts/<host>/` are the flake's own files, so a host can go back by copying them.\n")
	return []byte(b.String())
}
