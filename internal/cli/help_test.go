package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestCommandsDocumented walks the command tree: every command has a short
// description, every flag a usage text, and the README names every
// top-level command.
func TestCommandsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := (&App{}).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" {
			t.Errorf("command %q has no short description", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Usage == "" {
				t.Errorf("flag --%s of %q has no usage text", f.Name, c.CommandPath())
			}
		})
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			walk(sub)
		}
	}
	walk(root)
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if !strings.Contains(string(readme), "fleet "+c.Name()) {
			t.Errorf("README.md does not mention 'fleet %s'", c.Name())
		}
	}
}

// TestJSONCommands checks that every command says whether it prints JSON:
// it is on jsonCommands (and docs/json.md describes it) or on
// textCommands.
func TestJSONCommands(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		p := c.CommandPath()
		switch {
		case c.Hidden || c.Name() == "help" || c.Parent() == nil:
		case jsonCommands[p] && textCommands[p]:
			t.Errorf("%q is on both jsonCommands and textCommands", p)
		case jsonCommands[p]:
			if !strings.Contains(string(doc), "`"+p) {
				t.Errorf("docs/json.md does not describe %q", p)
			}
		case !textCommands[p]:
			t.Errorf("%q is on neither jsonCommands nor textCommands (internal/cli/json.go)", p)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk((&App{}).rootCommand())
}

// TestCommandsHaveExamples checks that --help of every command but the
// groups shows examples.
func TestCommandsHaveExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" && c.Annotations[groupAnnotation] == "" && c.Name() != "help" {
			t.Errorf("%q has no examples: set its Example, or add it to examples (internal/cli/examples.go)", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk((&App{}).rootCommand())
}
