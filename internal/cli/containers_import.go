package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/compose"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/textdiff"
)

func (a *App) containersImportCommand() *cobra.Command {
	var host, role, profile, envFile, project, dataDir, prefix string
	var dryRun, moveSecrets, writeOnly bool
	var composeProfiles []string
	c := &cobra.Command{
		Use:   "import COMPOSE_FILE... [--host HOST | --role ROLE | --profile PROFILE]",
		Short: "Turn the services of a Docker Compose file into catalog definitions",
		Long: `Import reads a Docker Compose file and writes containers/<service>.toml for
each of its services: image, command and entrypoint, ports (short and long
form), volumes, environment and env_file, labels, networks, dependencies,
health check, resource limits, devices, pull policy, and the run options
compose has keys for (cap_add, privileged, sysctls, extra_hosts, ulimits,
tmpfs, ...) as extra_options. With --host, --role or --profile it also runs
each of them there: an empty [containers.<service>] table is appended to that
file.

A service in compose profiles none of which is active (--compose-profile, or
COMPOSE_PROFILES) gets its definition, and the layer does not run it, as
'docker compose up' does not start it.

Several files are merged as 'docker compose -f a -f b' merges them, each over
those before it; a compose.yaml (or docker-compose.yml) given alone is merged
with the compose.override.yaml beside it, as docker compose does. Services
that extend others (extends:) are merged over them the same way.

It reads the files as compose does: anchors and merge keys (<<: *common),
${VAR}, ${VAR:-default} and the other forms of interpolation from the
environment and the .env file beside the compose file (or --env-file), the
project's name (--project, else COMPOSE_PROJECT_NAME, else name:, else the
folder's name), which names its
networks and volumes as compose names them (<project>_default,
<project>_data), so a docker backend finds the volumes compose made. Every
service joins the networks it names, or the project's default network, where
the others reach it by its name. A host path written relative (./data) is
below the compose file's folder, or below --data-dir.

Compose configs become files of the fleet (containers/<name>/<config>),
mounted read-only where compose mounts them ([config_files]).

What a definition cannot say (container_name, build, restart: "no",
depends_on conditions, logging, ...) is a warning at its line and
column, with what to do instead; a variable that looks like a secret
(PASSWORD, TOKEN, SECRET_KEY, ...) and a compose secret a service mounts are
warnings with how to move them into fleet's secrets. With --secrets those
values go to secrets/containers/<name>.yaml instead, encrypted to whoever may
read it (the admins, and the hosts that run the definition), and the
definition reads them from there ({ secret = "containers/<name>", key =
"<VAR>" }; a compose secret under [secret_files], mounted where compose
mounts it). As with 'fleet secrets set', one of your identities must be
among the recipients unless --write-only is given.

Errors (no image, an unset ${VAR:?}, an undeclared volume, a definition,
instance or secret file that exists already) write nothing; without errors
every file is written, or none: when a secret cannot be encrypted, the files
written before it are put back as they were.`,
		Example: `  fleet containers import ~/stacks/paperless/compose.yaml --host rich-evans
  fleet containers import compose.yaml --prefix paperless- --role documents
  fleet containers import compose.yaml --dry-run`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			layer, err := layerFile(host, role, profile)
			if err != nil {
				return err
			}
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			names := args
			if len(args) == 1 {
				if o := compose.OverrideOf(a.abs(args[0])); o != "" {
					names = append(names, filepath.Join(filepath.Dir(args[0]), filepath.Base(o)))
				}
			}
			var files []compose.File
			for _, name := range names {
				src, err := os.ReadFile(a.abs(name))
				if err != nil {
					return withHint(usageError("cannot read the compose file %s: %v", name, errors.Unwrap(err)), "name a compose file: compose.yaml, docker-compose.yml")
				}
				files = append(files, compose.File{Name: name, Src: src})
			}
			file := a.abs(args[0])
			vars, err := a.composeVars(file, envFile)
			if err != nil {
				return err
			}
			data := dataDir
			if data != "" && !filepath.IsAbs(data) {
				return withHint(usageError("--data-dir %s is not an absolute path", data), "give the folder on the host that holds the data, such as /srv/paperless")
			}
			res, dl := compose.ReadFiles(files, compose.Options{
				Lookup: func(name string) (string, bool) {
					if v, ok := a.Env.Lookup(name); ok {
						return v, true
					}
					v, ok := vars[name]
					return v, ok
				},
				Project:  project,
				Folder:   filepath.ToSlash(filepath.Dir(file)),
				DataDir:  data,
				ReadFile: os.ReadFile,
				Executable: func(name string) bool {
					fi, err := os.Stat(name)
					return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
				},
				Prefix:   prefix,
				Secrets:  moveSecrets,
				Profiles: composeProfiles,
			})
			if res == nil {
				return a.reportImport(dl, "", nil, nil, layer, dryRun)
			}
			ws, pdl := compose.Files(dir, res, layer, filepath.Base(file))
			if len(names) > len(args) {
				fmt.Fprintf(a.Err, "merged %s over %s, as docker compose does\n", names[1], args[0])
			}
			dl.Append(pdl)
			if dl.HasErrors() {
				return a.reportImport(dl, res.Project, nil, nil, layer, dryRun)
			}
			if dryRun {
				for _, w := range ws {
					if old, err := os.ReadFile(w.Path); err == nil {
						// A layer's file: what changes in it.
						fmt.Fprint(a.Out, textdiff.Unified(a.rel(w.Path), a.rel(w.Path), old, w.Data))
						continue
					}
					fmt.Fprintf(a.Out, "# %s\n%s\n", a.rel(w.Path), w.Data)
				}
				for _, d := range res.Definitions {
					if len(d.Secrets) > 0 {
						fmt.Fprintf(a.Out, "# %s (encrypted): %s\n\n", d.SecretFile(), strings.Join(secretKeys(d), ", "))
					}
				}
				return a.reportImport(dl, res.Project, ws, secretFiles(dir, res), layer, dryRun)
			}
			undo, err := atomicfs.Undo(ws)
			if err != nil {
				return err
			}
			made := missingFolders(dir, append(secretFiles(dir, res), wsPaths(ws)...))
			if err := atomicfs.WriteAll(ws); err != nil {
				return err
			}
			notes, err := a.importSecrets(cmd, dir, res, writeOnly)
			if err != nil {
				if uerr := atomicfs.WriteAll(undo); uerr != nil {
					return fmt.Errorf("%w (and putting back what the import wrote failed: %v)", err, uerr)
				}
				for _, f := range made {
					os.Remove(f) // only when empty again
				}
				return err
			}
			return a.reportImport(dl, res.Project, ws, secretFiles(dir, res), layer, dryRun, notes...)
		},
	}
	c.Flags().StringVar(&host, "host", "", "run the services on this host (appends to hosts/HOST/host.toml)")
	c.Flags().StringVar(&role, "role", "", "run the services on the hosts of this role (appends to roles/ROLE.toml)")
	c.Flags().StringVar(&profile, "profile", "", "run the services on the hosts of this profile (appends to profiles/PROFILE.toml)")
	c.Flags().StringVar(&envFile, "env-file", "", "the variables to interpolate (default: .env beside the compose file, when there is one)")
	c.Flags().StringVar(&project, "project", "", "the project's name (default: the file's name key, else its folder's name)")
	c.Flags().StringVar(&dataDir, "data-dir", "", "the absolute folder relative host paths (./data) are below (default: the compose file's folder)")
	c.Flags().StringVar(&prefix, "prefix", "", "put this before each definition's name (the services keep their names as network aliases)")
	c.Flags().StringSliceVar(&composeProfiles, "compose-profile", nil, "activate this compose profile, as docker compose --profile does (default: COMPOSE_PROFILES); services in no active profile get a definition that no layer runs")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the new files, and the change to the layer's file, instead of writing them (never the secrets' values)")
	c.Flags().BoolVar(&moveSecrets, "secrets", false, "keep the values of variables that look like secrets, and of compose secrets, in secrets/containers/<name>.yaml, encrypted")
	c.Flags().BoolVar(&writeOnly, writeOnlyFlag, false, "with --secrets: encrypt even though none of your identities can read the result")
	return c
}

// layerFile is the file --host, --role or --profile names.
func layerFile(host, role, profile string) (string, error) {
	n := 0
	layer := ""
	for _, l := range []struct{ name, file string }{{host, "hosts/" + host + "/host.toml"}, {role, "roles/" + role + ".toml"}, {profile, "profiles/" + profile + ".toml"}} {
		if l.name != "" {
			n++
			layer = l.file
			if filepath.Base(l.name) != l.name || l.name == ".." {
				return "", usageError("%q is not a name", l.name)
			}
		}
	}
	if n > 1 {
		return "", withHint(usageError("--host, --role and --profile exclude each other"), "give one: the layer that runs the services")
	}
	return layer, nil
}

// composeVars reads --env-file, or the .env file beside the compose file
// when there is one.
func (a *App) composeVars(file, envFile string) (map[string]string, error) {
	name, required := filepath.Join(filepath.Dir(file), ".env"), false
	if envFile != "" {
		name, required = a.abs(envFile), true
	}
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, usageError("cannot read the variables: %v", err)
	}
	vars, err := compose.ParseEnvFile(data, a.Env.Lookup)
	if err != nil {
		return nil, usageError("%s: %v", a.rel(name), err)
	}
	return vars, nil
}

// importSecrets encrypts each definition's secrets into its secret file,
// for whoever may read it in the fleet as it is now written, and says for
// whom in notes. A file it created is removed again when a later one
// fails.
func (a *App) importSecrets(cmd *cobra.Command, dir string, res *compose.Result, writeOnly bool) (notes []string, err error) {
	var todo []compose.Definition
	for _, d := range res.Definitions {
		if len(d.Secrets) > 0 {
			todo = append(todo, d)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	l, err := a.load(cmd.Context(), nil)
	if err != nil {
		return nil, err
	}
	access, kd := l.Access()
	if kd.HasErrors() {
		a.renderDiags(kd.Items())
		return nil, withHint(errors.New("the fleet's keys have errors: no secret is written"), "fix them (fleet secrets keys), then import again")
	}
	repo := a.repo(dir, access)
	if _, err := a.withIdentities(repo, &secretsFlags{}); err != nil {
		return nil, err
	}
	var created []string
	defer func() {
		if err != nil {
			for _, rel := range created {
				os.Remove(filepath.Join(dir, filepath.FromSlash(rel)))
			}
		}
	}()
	for _, d := range todo {
		rel := d.SecretFile()
		if err := a.checkWriterReads(repo, rel, rel, writeOnly); err != nil {
			return nil, err
		}
		plain, err := d.SecretPlaintext()
		if err != nil {
			return nil, err
		}
		if err := repo.Encrypt(rel, plain); err != nil {
			return nil, a.secretsError(cmd.Context(), err, repo, nil)
		}
		created = append(created, rel)
		notes = append(notes, fmt.Sprintf("%s: encrypted %s for %s", rel, strings.Join(secretKeys(d), ", "), recipientsText(repo, rel)))
	}
	return notes, nil
}

func secretKeys(d compose.Definition) []string {
	var out []string
	for _, s := range d.Secrets {
		out = append(out, s[0])
	}
	return out
}

// missingFolders lists the folders below root that files would be
// written into and that do not exist yet, deepest first.
func missingFolders(root string, files []string) []string {
	var out []string
	for _, f := range files {
		for d := filepath.Dir(f); len(d) > len(root) && !slices.Contains(out, d); d = filepath.Dir(d) {
			if _, err := os.Stat(d); err == nil {
				break
			}
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

func wsPaths(ws []atomicfs.Write) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Path)
	}
	return out
}

// secretFiles are the secret files of res's definitions.
func secretFiles(dir string, res *compose.Result) []string {
	var out []string
	for _, d := range res.Definitions {
		if len(d.Secrets) > 0 {
			out = append(out, filepath.Join(dir, filepath.FromSlash(d.SecretFile())))
		}
	}
	return out
}

// reportImport prints the findings and what was (or would be) written;
// with errors, nothing was.
func (a *App) reportImport(dl *diag.List, project string, ws []atomicfs.Write, secretPaths []string, layer string, dryRun bool, notes ...string) error {
	verb := "wrote"
	if dryRun {
		verb = "would write"
	}
	var paths []string
	for _, w := range ws {
		paths = append(paths, a.rel(w.Path))
	}
	written := slices.Clone(paths) // the secrets have their own lines
	for _, p := range secretPaths {
		written = append(written, a.rel(p))
	}
	if a.JSON {
		out := struct {
			Project     string            `json:"project"`
			Written     []string          `json:"written"`
			DryRun      bool              `json:"dry_run"`
			Diagnostics []diag.Diagnostic `json:"diagnostics"`
		}{project, nonNil(written), dryRun, nonNil(dl.Items())}
		if err := writeJSON(a.Out, out); err != nil {
			return err
		}
	}
	if dl.HasErrors() {
		return a.reportDiags(dl)
	}
	a.renderDiags(dl.Items())
	for _, p := range paths {
		fmt.Fprintf(a.Err, "%s %s\n", verb, p)
	}
	for _, n := range notes {
		fmt.Fprintln(a.Err, n)
	}
	if layer == "" {
		fmt.Fprintf(a.Err, "next: fleet containers pin (digests for images with a tag only), run them from a host, role or profile ([containers.<name>] or containers = [...]), then fleet check\n")
	} else if !dryRun {
		fmt.Fprintf(a.Err, "next: fleet containers pin (digests for images with a tag only), fleet check, then fleet containers list\n")
	}
	return nil
}
