// Package buildinfo owns what fleet knows about its own build: the module
// version and the version-control commit it was built from, read from the
// information the Go toolchain embeds, or stamped at link time by builds
// without it (the Nix package).
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Stamped by the linker where the Go toolchain cannot see the repository
// (a Nix build copies the source without .git):
//
//	-X github.com/fleetdev/fleet/internal/buildinfo.version=v1.2.3
//	-X github.com/fleetdev/fleet/internal/buildinfo.commit=0123abcd
//
// They are set once at link time and never written at run time.
var (
	version string
	commit  string
)

// Info describes a build of fleet.
type Info struct {
	// Version is the module version ("v1.2.3", or "(devel)" for a build
	// from a checkout).
	Version string `json:"version"`
	// Commit is the VCS revision, "" when unknown.
	Commit string `json:"commit,omitempty"`
	// Time is the commit time (RFC 3339), "" when unknown.
	Time string `json:"time,omitempty"`
	// Modified is set when the work tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// Go is the Go version fleet was built with.
	Go string `json:"go"`
}

// Read returns the build information of the running binary.
func Read() Info {
	info := Info{Version: "(devel)"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.Go = bi.GoVersion
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		info.Version = version
	}
	if commit != "" && info.Commit == "" {
		info.Commit = commit
	}
	return info
}

// String renders the information on one line:
// "v1.2.3 (commit 0123abcd4567, 2026-01-02T03:04:05Z, modified; go1.26)".
func (i Info) String() string {
	var parts []string
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		parts = append(parts, "commit "+c)
	}
	if i.Time != "" {
		parts = append(parts, i.Time)
	}
	if i.Modified {
		parts = append(parts, "modified")
	}
	s := i.Version
	extra := strings.Join(parts, ", ")
	if i.Go != "" {
		if extra != "" {
			extra += "; "
		}
		extra += i.Go
	}
	if extra != "" {
		s += fmt.Sprintf(" (%s)", extra)
	}
	return s
}
