package cli

import (
	"github.com/spf13/cobra"
)

// jsonCommands are the commands that print JSON on stdout with --json;
// docs/json.md describes the output of each. --json on any other command
// is a usage error rather than silently ignored. TestJSONCommands checks
// that every command is on one of the two lists.
var jsonCommands = map[string]bool{
	"fleet check":             true,
	"fleet eval":              true,
	"fleet explain":           true,
	"fleet diff":              true,
	"fleet list":              true,
	"fleet generate":          true,
	"fleet nix parse":         true,
	"fleet import":            true,
	"fleet dedupe":            true,
	"fleet options build":     true,
	"fleet options show":      true,
	"fleet options search":    true,
	"fleet verify":            true,
	"fleet test":              true,
	"fleet ci matrix":         true,
	"fleet deploy":            true,
	"fleet status":            true,
	"fleet containers list":   true,
	"fleet containers import": true,
	"fleet containers pin":    true,
	"fleet new host":          true,
	"fleet new role":          true,
	"fleet new profile":       true,
	"fleet new user":          true,
	"fleet new module":        true,
	"fleet new project":       true,
	"fleet secrets init":      true,
	"fleet secrets audit":     true,
	"fleet secrets backup":    true,
	"fleet secrets keys":      true,
	"fleet secrets list":      true,
	"fleet secrets rekey":     true,
	"fleet secrets restore":   true,
	"fleet secrets verify":    true,
}

// textCommands are the commands without JSON output: they write files,
// serve them, print a shell script, or print a secret's bytes as they are.
var textCommands = map[string]bool{
	"fleet init":                    true,
	"fleet completion":              true,
	"fleet completion bash":         true,
	"fleet completion zsh":          true,
	"fleet completion fish":         true,
	"fleet ci":                      true,
	"fleet ci github":               true,
	"fleet containers":              true,
	"fleet docs":                    true,
	"fleet docs serve":              true,
	"fleet new":                     true,
	"fleet nix":                     true,
	"fleet options":                 true,
	"fleet secrets":                 true,
	"fleet secrets get":             true,
	"fleet secrets set":             true,
	"fleet secrets edit":            true,
	"fleet secrets encrypt":         true,
	"fleet secrets decrypt":         true,
	"fleet secrets exec-env":        true,
	"fleet secrets exec-file":       true,
	"fleet secrets keys ssh-to-age": true,
}

// refuseJSON is a usage error for --json on a command without JSON output.
func (a *App) refuseJSON(cmd *cobra.Command, _ []string) error {
	if !a.JSON || jsonCommands[cmd.CommandPath()] {
		return nil
	}
	return withHint(usageError("%s has no JSON output", cmd.CommandPath()), "leave out --json; docs/json.md lists the commands that print JSON")
}
