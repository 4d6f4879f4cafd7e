package eval

import "github.com/fleetdev/fleet/internal/nix/options"

func benchConfig() Config { return Config{ReadOptions: options.Extract} }
