package cli

import (
	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/buildinfo"
)

// addVersion gives the root command --version: the module version and
// the commit fleet was built from.
func addVersion(root *cobra.Command) {
	root.Version = buildinfo.Read().String()
	root.SetVersionTemplate("fleet {{.Version}}\n")
	root.Flags().BoolP("version", "", false, "print fleet's version and the commit it was built from")
}
