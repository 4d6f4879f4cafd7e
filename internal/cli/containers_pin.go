package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/containers"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/inventory"
	"github.com/fleetdev/fleet/internal/registry"
)

func (a *App) containersPinCommand() *cobra.Command {
	var update, dryRun bool
	c := &cobra.Command{
		Use:   "pin [DEFINITION...]",
		Short: "Pin container images by digest: ask each image's registry which digest its tag names",
		Long: `Pin writes the digest each image's tag names now into the fleet's files:
image = "docker.io/louislam/uptime-kuma:1.23.16" becomes
"docker.io/louislam/uptime-kuma:1.23.16@sha256:<digest>", in the catalog
(containers/<name>.toml) and in the instance tables of common, profiles,
roles and hosts that set an image of their own. The rest of each file is
kept as written. Without DEFINITION, every definition's images are looked
at; an instance's image counts for the definition it runs.

Only images without a digest are pinned; --update asks again for every
image with a tag and moves its digest to what the tag names now (a tag
such as 1.23 that follows patch releases, or latest). An image without a
tag follows latest, as podman reads it.

The registry is asked anonymously, as podman pull asks for a public image
(the OCI distribution API: Docker Hub, ghcr.io, quay.io, a registry of
your own; a registry on a loopback address in plain HTTP, any other over
HTTPS). When a registry cannot be asked or refuses, the error names the
image's file:line:col and nothing is written. Afterwards, fleet generate
writes the new digests into the generated Nix.`,
		Example: `  fleet containers pin                      # pin every image that has no digest
  fleet containers pin --dry-run            # show what would change
  fleet containers pin --update uptime-kuma # move uptime-kuma to what its tag names now`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			inv, idiags := inventory.Load(dir)
			if idiags.HasErrors() {
				a.renderDiags(idiags.Items())
				return withHint(errors.New("the fleet has errors: no image is pinned"), "fix them (fleet check), then pin again")
			}
			vals, err := pinTargets(inv, args, update)
			if err != nil {
				return err
			}
			client := &registry.Client{UserAgent: "fleet"}
			pins, dl := resolvePins(cmd.Context(), client, vals)
			var changed []pin
			for _, p := range pins {
				if p.To != p.From {
					changed = append(changed, p)
				}
			}
			if !dl.HasErrors() && !dryRun && len(changed) > 0 {
				ws, err := pinWrites(dir, changed)
				if err != nil {
					return err
				}
				if err := atomicfs.WriteAll(ws); err != nil {
					return err
				}
			}
			if a.JSON {
				out := struct {
					Pins        []pin             `json:"pins"`
					Changed     int               `json:"changed"`
					DryRun      bool              `json:"dry_run"`
					Diagnostics []diag.Diagnostic `json:"diagnostics"`
				}{nonNil(pins), len(changed), dryRun, nonNil(dl.Items())}
				if dl.HasErrors() {
					out.Pins, out.Changed = []pin{}, 0
				}
				if err := writeJSON(a.Out, out); err != nil {
					return err
				}
				if dl.HasErrors() {
					return errFindings
				}
				return nil
			}
			if dl.HasErrors() {
				a.renderDiags(dl.Items())
				return withHint(errFindings, "nothing is written; pin the others with fleet containers pin DEFINITION..., or pin this image by hand (podman pull, then podman image inspect --format '{{.Digest}}')")
			}
			for _, p := range pins {
				switch {
				case p.To == p.From:
					fmt.Fprintf(a.Out, "%s: %s is up to date\n", p.Pos, p.From)
				default:
					fmt.Fprintf(a.Out, "%s: %s -> %s\n", p.Pos, p.From, p.To)
				}
			}
			switch {
			case len(pins) == 0 && update:
				fmt.Fprintln(a.Err, "no image has a tag to follow")
			case len(pins) == 0:
				fmt.Fprintln(a.Err, "every image is pinned by digest (--update moves them to what their tags name now)")
			case len(changed) == 0:
				fmt.Fprintln(a.Err, "nothing changed")
			case dryRun:
				fmt.Fprintf(a.Err, "%d of %d images would change (--dry-run: nothing written)\n", len(changed), len(pins))
			default:
				fmt.Fprintf(a.Err, "pinned %d of %d images; run fleet generate to write them into the generated Nix\n", len(changed), len(pins))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&update, "update", false, "ask again for images pinned already, and move each to what its tag names now")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change; write nothing")
	return c
}

// pin is one image value and the reference pin writes for it.
type pin struct {
	Pos        diag.Pos `json:"pos"`
	Definition string   `json:"definition"`
	Instance   string   `json:"instance,omitempty"`
	From       string   `json:"from"`
	To         string   `json:"to"`
}

// pinTargets are the image values of the named definitions (all when
// names is empty) that pin asks a registry about: those without a digest,
// and with update those with a tag too (or none: latest).
func pinTargets(inv *inventory.Inventory, names []string, update bool) ([]containers.ImageValue, error) {
	for _, n := range names {
		if inv.Containers[n] == nil {
			known := make([]string, 0, len(inv.Containers))
			for k := range inv.Containers {
				known = append(known, k)
			}
			slices.Sort(known)
			err := usageError("no container definition named %q", n)
			if hint := diag.DidYouMean(n, known); hint != "" {
				return nil, withHint(err, hint)
			}
			return nil, withHint(err, "name a definition of containers/: "+strings.Join(known, ", "))
		}
	}
	var out []containers.ImageValue
	for _, v := range containers.Images(inv) {
		if len(names) > 0 && !slices.Contains(names, v.Definition) {
			continue
		}
		if v.Digest == "" || update {
			out = append(out, v)
		}
	}
	return out, nil
}

// resolvePins asks the registries for the digest of each value's tag,
// each reference once and several at a time, and returns the values with
// their new references; what cannot be resolved is an error at its value.
func resolvePins(ctx context.Context, client *registry.Client, vals []containers.ImageValue) ([]pin, *diag.List) {
	type key struct{ domain, repo, tag string }
	tagOf := func(img containers.Image) string {
		if img.Tag == "" {
			return "latest"
		}
		return img.Tag
	}
	type answer struct {
		digest string
		err    error
	}
	answers := map[key]*answer{}
	for _, v := range vals {
		answers[key{v.Domain, v.Repository, tagOf(v.Image)}] = &answer{}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for k, ans := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ans.digest, ans.err = client.Digest(ctx, k.domain, k.repo, k.tag)
		}()
	}
	wg.Wait()
	dl := &diag.List{}
	var out []pin
	for _, v := range vals {
		ans := answers[key{v.Domain, v.Repository, tagOf(v.Image)}]
		if ans.err != nil {
			d := dl.Errorf(v.Pos, "container-pin", "cannot pin image %s: %v", v.Ref, ans.err)
			var re *registry.Error
			switch {
			case errors.As(ans.err, &re) && re.Auth:
				d.Hint("fleet asks registries anonymously: pin a private image by hand (podman login, podman pull, then podman image inspect --format '{{.Digest}}')")
			case errors.As(ans.err, &re) && re.Status == 404:
				d.Hint("check the repository and the tag (podman search --list-tags %s)", strings.SplitN(v.Ref, "@", 2)[0])
			case errors.As(ans.err, &re) && re.Status == 0:
				d.Hint("check the registry's name and the network")
			}
			continue
		}
		name, _, _ := strings.Cut(v.Ref, "@")
		out = append(out, pin{Pos: v.Pos, Definition: v.Definition, Instance: v.Instance, From: v.Ref, To: name + "@" + ans.digest})
	}
	return out, dl
}

// pinWrites are the fleet files with their image values replaced, each
// file read once and its values replaced from its last on.
func pinWrites(dir string, pins []pin) ([]atomicfs.Write, error) {
	byFile := map[string][]pin{}
	var files []string
	for _, p := range pins {
		if byFile[p.Pos.File] == nil {
			files = append(files, p.Pos.File)
		}
		byFile[p.Pos.File] = append(byFile[p.Pos.File], p)
	}
	var ws []atomicfs.Write
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f))
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		ps := byFile[f]
		slices.SortFunc(ps, func(a, b pin) int { return b.Pos.Compare(a.Pos) })
		for _, p := range ps {
			if src, err = inventory.ReplaceString(src, p.Pos, p.To); err != nil {
				return nil, fmt.Errorf("cannot pin %s (the file changed since it was read?): %w", p.From, err)
			}
		}
		ws = append(ws, atomicfs.Write{Path: path, Data: src, Perm: fi.Mode().Perm()})
	}
	return ws, nil
}
