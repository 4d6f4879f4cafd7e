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
roles and hosts that set an image of their own: the value each instance
runs, its layers merged as fleet eval shows them. Only the string
changes; the rest of each file is kept as written. Without arguments
every image is looked at; DEFINITION names a definition of the catalog
(the images its instances run) or an instance.

Only images without a digest are pinned; --update asks again for every
image with a tag and moves its digest to what the tag names now (a tag
such as 1.23 that follows patch releases, or latest). An image without a
tag follows latest, as podman reads it, and is written with :latest before
its digest; one written with a digest and no tag is left alone. An image
an instance runs with auto_update (following its tag on purpose) is left
alone too, and said so.

The registry is asked anonymously, as podman pull asks for a public image
(the OCI distribution API: Docker Hub, ghcr.io, quay.io, a registry of
your own), over HTTPS; a registry on this machine in plain HTTP when it
does not speak TLS. A name without a registry (nginx) is Docker Hub's.
When a registry cannot be asked or refuses, or an image is written where
pin cannot rewrite it, the error names the image's file:line:col and
nothing is written. Afterwards, fleet generate writes the new digests into
the generated Nix.`,
		Example: `  fleet containers pin                      # pin every image that has no digest
  fleet containers pin --dry-run            # show what would change
  fleet containers pin --update uptime-kuma # move uptime-kuma to what its tag names now`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			dl := &diag.List{}
			if l.InventoryDiags.HasErrors() {
				dl = l.InventoryDiags // the positions of a file that does not read are not to be trusted
			}
			var pins []pin
			var skipped []containers.ImageValue
			if !dl.HasErrors() {
				var vals []containers.ImageValue
				if vals, skipped, err = pinTargets(l.Inventory, l.Containers, args, update); err != nil {
					return err
				}
				dl.Append(preflight(l.Dir, vals))
				if !dl.HasErrors() {
					var rl *diag.List
					pins, rl = resolvePins(cmd.Context(), &registry.Client{UserAgent: "fleet"}, vals)
					dl.Append(rl)
				}
			}
			var changed []pin
			for _, p := range pins {
				if p.To != p.From {
					changed = append(changed, p)
				}
			}
			if !dl.HasErrors() && !dryRun && len(changed) > 0 {
				ws, wl := pinWrites(l.Dir, changed)
				dl.Append(wl)
				if !dl.HasErrors() {
					if err := atomicfs.WriteAll(ws); err != nil {
						return err
					}
				}
			}
			if dl.HasErrors() {
				pins, changed = nil, nil
			}
			if a.JSON {
				type skip struct {
					Pos        diag.Pos `json:"pos"`
					Definition string   `json:"definition"`
					Instances  []string `json:"instances"`
					Image      string   `json:"image"`
					AutoUpdate string   `json:"auto_update"`
				}
				skips := []skip{}
				for _, v := range skipped {
					skips = append(skips, skip{v.Pos, v.Definition, nonNil(v.Instances), v.Ref, v.Follows})
				}
				out := struct {
					Pins        []pin             `json:"pins"`
					Skipped     []skip            `json:"skipped"`
					Changed     int               `json:"changed"`
					DryRun      bool              `json:"dry_run"`
					Diagnostics []diag.Diagnostic `json:"diagnostics"`
				}{nonNil(pins), skips, len(changed), dryRun, nonNil(dl.Items())}
				if err := writeJSON(a.Out, out); err != nil {
					return err
				}
				if dl.HasErrors() {
					return errFindings
				}
				return nil
			}
			a.renderDiags(dl.Items())
			if dl.HasErrors() {
				fmt.Fprintln(a.Err, "nothing is written: fix what is reported, or name the definitions to pin (fleet containers pin DEFINITION...)")
				return errFindings
			}
			for _, p := range pins {
				if p.To == p.From {
					fmt.Fprintf(a.Out, "%s: %s is up to date\n", p.Pos, p.From)
				} else {
					fmt.Fprintf(a.Out, "%s: %s -> %s\n", p.Pos, p.From, p.To)
				}
			}
			for _, v := range skipped {
				fmt.Fprintf(a.Err, "%s: %s is left as it is: auto_update = %q follows its tag\n", v.Pos, v.Ref, v.Follows)
			}
			switch {
			case len(pins) == 0 && len(skipped) > 0:
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
	Instances  []string `json:"instances"` // host/instance
	From       string   `json:"from"`
	To         string   `json:"to"`
}

// pinTargets are the image values of the named definitions or instances
// (all when names is empty) that pin asks a registry about: those without
// a digest, and with update those with a tag (or neither: latest). A
// value an instance runs with auto_update (following its tag) is skipped.
func pinTargets(inv *inventory.Inventory, f *containers.Fleet, names []string, update bool) (targets, skipped []containers.ImageValue, err error) {
	all := containers.Images(inv, f)
	known := make([]string, 0, len(inv.Containers))
	for k := range inv.Containers {
		known = append(known, k)
	}
	for _, v := range all {
		for _, n := range v.Names() {
			if !slices.Contains(known, n) {
				known = append(known, n)
			}
		}
	}
	slices.Sort(known)
	for _, n := range names {
		if !slices.Contains(known, n) {
			err := usageError("no container definition or instance named %q", n)
			if hint := diag.DidYouMean(n, known); hint != "" {
				return nil, nil, withHint(err, hint)
			}
			return nil, nil, withHint(err, "name a definition of containers/ or an instance: "+strings.Join(known, ", "))
		}
	}
	for _, v := range all {
		if len(names) > 0 && !slices.ContainsFunc(v.Names(), func(n string) bool { return slices.Contains(names, n) }) {
			continue
		}
		if v.Digest != "" && (!update || v.Tag == "") {
			continue // pinned, and with no tag to follow
		}
		if v.Follows != "" {
			skipped = append(skipped, v)
			continue
		}
		targets = append(targets, v)
	}
	return targets, skipped, nil
}

// preflight reports, before any registry is asked, the image values pin
// could not write: in a symbolic link, or not a one-line string.
func preflight(dir string, vals []containers.ImageValue) *diag.List {
	dl := &diag.List{}
	srcs := map[string][]byte{}
	for _, v := range vals {
		src, ok := srcs[v.Pos.File]
		if !ok {
			path := filepath.Join(dir, filepath.FromSlash(v.Pos.File))
			if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				dl.Errorf(v.Pos, "container-pin", "%s is a symbolic link: pin cannot write image %s into it", v.Pos.File, v.Ref).
					Hint("pin the file it points to, or replace the link with the file")
				srcs[v.Pos.File] = nil
				continue
			}
			var err error
			if src, err = os.ReadFile(path); err != nil {
				dl.Errorf(v.Pos, "container-pin", "cannot read %s: %v", v.Pos.File, err)
				srcs[v.Pos.File] = nil
				continue
			}
			srcs[v.Pos.File] = src
		}
		if src == nil {
			continue
		}
		if _, err := inventory.ReplaceString(src, v.Pos, v.Ref, v.Ref); err != nil {
			dl.Errorf(v.Pos, "container-pin", "pin cannot write image %s here: %v", v.Ref, err).
				Hint("write the image as a one-line string: image = \"%s\"", v.Ref)
		}
	}
	return dl
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
			var re *registry.Error
			msg := ans.err.Error()
			if errors.As(ans.err, &re) {
				msg = re.Msg + " (asked " + re.Ref + ")"
			}
			d := dl.Errorf(v.Pos, "container-pin", "cannot pin image %s: %s", v.Ref, msg)
			switch {
			case errors.As(ans.err, &re) && re.Auth:
				d.Hint("fleet asks registries anonymously: pin a private image by hand (podman login, podman pull, then podman image inspect --format '{{.Digest}}')")
			case errors.As(ans.err, &re) && re.Status == 404:
				d.Hint("check the repository and the tag (podman search --list-tags %s)", strings.SplitN(v.Ref, "@", 2)[0])
			case errors.As(ans.err, &re) && re.Unreachable():
				d.Hint("check the registry's name and the network")
			}
			continue
		}
		name, _, _ := strings.Cut(v.Ref, "@")
		if v.Tag == "" {
			name += ":latest" // what it followed, kept for --update
		}
		out = append(out, pin{Pos: v.Pos, Definition: v.Definition, Instances: nonNil(v.Instances), From: v.Ref, To: name + "@" + ans.digest})
	}
	return out, dl
}

// pinWrites are the fleet files with their image values replaced, each
// file read again and its values replaced from its last on; a value the
// file no longer holds (it changed while the registries were asked) is
// an error at it.
func pinWrites(dir string, pins []pin) ([]atomicfs.Write, *diag.List) {
	dl := &diag.List{}
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
		var fi os.FileInfo
		if err == nil {
			fi, err = os.Stat(path)
		}
		if err != nil {
			dl.Errorf(byFile[f][0].Pos, "container-pin", "cannot read %s: %v", f, err)
			continue
		}
		ps := byFile[f]
		slices.SortFunc(ps, func(a, b pin) int { return b.Pos.Compare(a.Pos) })
		ok := true
		for _, p := range ps {
			out, err := inventory.ReplaceString(src, p.Pos, p.From, p.To)
			if err != nil {
				dl.Errorf(p.Pos, "container-pin", "cannot pin image %s: %v", p.From, err).
					Hint("the file changed while the registries were asked: pin again")
				ok = false
				break
			}
			src = out
		}
		if ok {
			ws = append(ws, atomicfs.Write{Path: path, Data: src, Perm: fi.Mode().Perm()})
		}
	}
	return ws, dl
}
