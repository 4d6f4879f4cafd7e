// Package examples holds the example fleets bundled into the fleet binary
// (`fleet init --example`).
package examples

import "embed"

// FS holds the example fleets; homelab/ is the one `fleet init --example`
// writes.
//
//go:embed all:homelab
var FS embed.FS
