package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/scaffold"
)

func (a *App) newHostCommand() *cobra.Command {
	spec := scaffold.HostSpec{Platform: "nixos"}
	c := &cobra.Command{
		Use:   "host NAME",
		Short: "Write hosts/NAME/host.toml, and a hardware-configuration.nix placeholder on NixOS",
		Long: `New host writes hosts/NAME/host.toml: platform, system and state_version
set, every other key commented. A NixOS host also gets a
hardware-configuration.nix placeholder whose build fails with what to do,
until you replace it with the machine's own (nixos-generate-config).`,
		Example: `  fleet new host web-01 --profile server --role monitoring
  fleet new host macbook --platform darwin
  fleet new host pi --system aarch64-linux`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Name = args[0]
			if err := checkNewName("host", spec.Name); err != nil {
				return err
			}
			if spec.Platform != "nixos" && spec.Platform != "darwin" {
				return usageError("--platform must be nixos or darwin, not %q", spec.Platform)
			}
			next := []string{fmt.Sprintf("fleet%[1]s generate && fleet%[1]s check %[2]s", a.dirFlagArg(), spec.Name)}
			if spec.Platform == "nixos" {
				next = append([]string{fmt.Sprintf("on the machine, nixos-generate-config --show-hardware-config > hosts/%s/%s", spec.Name, scaffold.HardwareConfig)}, next...)
			}
			return a.writeNew(scaffold.NewHost(spec), next...)
		},
	}
	f := c.Flags()
	f.StringVar(&spec.Platform, "platform", "nixos", "nixos or darwin")
	f.StringVar(&spec.System, "system", "", "the host's system (default x86_64-linux on NixOS, aarch64-darwin on darwin)")
	f.StringVar(&spec.Profile, "profile", "", "the host's profile")
	f.StringArrayVar(&spec.Roles, "role", nil, "a role of the host (repeatable)")
	return c
}
