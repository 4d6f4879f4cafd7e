package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSecretsDocsCommands checks that every fleet command line in the
// example fleet's secrets guides names commands and flags that exist, so
// that the procedures there can be followed as written.
func TestSecretsDocsCommands(t *testing.T) {
	root := (&App{}).rootCommand()
	for _, doc := range []string{"../../examples/homelab/docs/secrets.md", "../../examples/homelab/keys/README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		lines := docCommands(string(data))
		if len(lines) == 0 {
			t.Fatalf("%s: no fleet commands found", doc)
		}
		for _, line := range lines {
			args := strings.Fields(line)
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == root {
				t.Errorf("%s: %q: no such command", doc, "fleet "+line)
				continue
			}
			for _, a := range rest {
				if a == "--" {
					break // what follows is the command exec-env/exec-file runs
				}
				name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
				if strings.HasPrefix(a, "--") && cmd.Flags().Lookup(name) == nil && cmd.InheritedFlags().Lookup(name) == nil {
					t.Errorf("%s: %q: %s has no flag --%s", doc, "fleet "+line, cmd.CommandPath(), name)
				}
			}
		}
	}
}

var (
	fencedBlock = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	inlineCode  = regexp.MustCompile("`([^`]+)`")
	fleetCall   = regexp.MustCompile(`(?:^|[\s(=])fleet ([^|&;#\n]*)`)
)

// docCommands returns the arguments of every "fleet ..." command in the
// code of a Markdown document: fenced blocks and inline code.
func docCommands(md string) []string {
	var code []string
	for _, m := range fencedBlock.FindAllStringSubmatch(md, -1) {
		code = append(code, strings.Split(strings.ReplaceAll(m[1], "\\\n", " "), "\n")...)
	}
	prose := strings.ReplaceAll(fencedBlock.ReplaceAllString(md, ""), "\n", " ")
	for _, m := range inlineCode.FindAllStringSubmatch(prose, -1) {
		code = append(code, m[1])
	}
	var out []string
	for _, c := range code {
		for _, m := range fleetCall.FindAllStringSubmatch(c, -1) {
			if line := strings.TrimSpace(m[1]); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}
