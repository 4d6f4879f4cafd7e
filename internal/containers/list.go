package containers

import (
	"strings"
)

// Entry is one instance in a listing: what runs where, and where each
// part came from.
type Entry struct {
	Host       string       `json:"host"`
	Instance   string       `json:"instance"`
	Definition string       `json:"definition"`
	File       string       `json:"file"`
	Unit       string       `json:"unit"`
	Image      At[Image]    `json:"image"`
	Ports      []At[Port]   `json:"ports"`
	Volumes    []At[Volume] `json:"volumes"`
	Enabled    At[bool]     `json:"enabled"`
	// Secrets names the secrets the instance reads, by variable;
	// SecretFiles those it mounts as files, and ConfigFiles the fleet's
	// files it mounts, by path in the container.
	Secrets     map[string]string `json:"secrets,omitempty"`
	SecretFiles map[string]string `json:"secret_files,omitempty"`
	ConfigFiles map[string]string `json:"config_files,omitempty"`
}

// List returns the instances of the hosts, host by host, each host's
// instances by name. Only hosts that run containers appear.
func (f *Fleet) List() []Entry {
	out := []Entry{}
	for _, h := range f.Hosts {
		if h.Platform != "nixos" {
			continue
		}
		for _, i := range h.Instances {
			e := Entry{
				Host: h.Name, Instance: i.Name, Definition: i.Definition, File: i.File,
				Unit: h.Unit(i), Image: i.Image, Ports: nonNil(i.Ports), Volumes: nonNil(i.Volumes), Enabled: i.Enabled,
			}
			for _, env := range i.Env {
				if env.Secret != nil {
					if e.Secrets == nil {
						e.Secrets = map[string]string{}
					}
					e.Secrets[env.Name] = env.Secret.Name
				}
			}
			for _, f := range i.SecretFiles {
				if e.SecretFiles == nil {
					e.SecretFiles = map[string]string{}
				}
				e.SecretFiles[f.Target] = f.Secret.Name
			}
			for _, f := range i.ConfigFiles {
				if e.ConfigFiles == nil {
					e.ConfigFiles = map[string]string{}
				}
				e.ConfigFiles[f.Target] = f.Source
			}
			out = append(out, e)
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ShortImage renders an image for a table: a digest cut to 12 hex digits.
func ShortImage(img Image) string {
	ref := img.Ref
	if i := strings.Index(ref, "@sha256:"); i >= 0 && len(ref) > i+8+12 {
		ref = ref[:i+8+12]
	}
	return ref
}

// Where renders the origin of a value: "host lab hosts/lab/host.toml:6:1".
func Where[T any](a At[T]) string {
	if !a.Pos.IsValid() {
		return a.Layer
	}
	return a.Layer + " " + a.Pos.String()
}
