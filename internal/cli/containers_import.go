package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/compose"
	"github.com/fleetdev/fleet/internal/diag"
)

func (a *App) containersImportCommand() *cobra.Command {
	var host, role, profile, envFile, project, dataDir, prefix string
	var dryRun bool
	c := &cobra.Command{
		Use:   "import COMPOSE_FILE [--host HOST | --role ROLE | --profile PROFILE]",
		Short: "Turn the services of a Docker Compose file into catalog definitions",
		Long: `Import reads a Docker Compose file and writes containers/<service>.toml for
each of its services: image, command and entrypoint, ports (short and long
form), volumes, environment and env_file, labels, networks, dependencies,
health check, resource limits, devices, pull policy, and the run options
compose has keys for (cap_add, privileged, sysctls, extra_hosts, ulimits,
tmpfs, ...) as extra_options. With --host, --role or --profile it also runs
each of them there: an empty [containers.<service>] table is appended to that
file.

It reads the file as compose does: anchors and merge keys (<<: *common),
${VAR}, ${VAR:-default} and the other forms of interpolation from the
environment and the .env file beside the compose file (or --env-file), the
project's name (name:, --project, or the folder's name), which names its
networks and volumes as compose names them (<project>_default,
<project>_data), so a docker backend finds the volumes compose made. Every
service joins the networks it names, or the project's default network, where
the others reach it by its name. A host path written relative (./data) is
below the compose file's folder, or below --data-dir.

What a definition cannot say (container_name, build, restart: "no",
depends_on conditions, compose secrets, logging, ...) is a warning at its
line and column, with what to do instead; a variable that looks like a
secret (PASSWORD, TOKEN, SECRET_KEY, ...) is a warning with how to move it
into fleet's secrets. Errors (no image, an unset ${VAR:?}, an undeclared
volume, a definition or instance that exists already) write nothing; without
errors every file is written, or none.`,
		Example: `  fleet containers import ~/stacks/paperless/compose.yaml --host rich-evans
  fleet containers import compose.yaml --prefix paperless- --role documents
  fleet containers import compose.yaml --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			layer, err := layerFile(host, role, profile)
			if err != nil {
				return err
			}
			dir, err := a.fleetDir()
			if err != nil {
				return err
			}
			file := a.abs(args[0])
			src, err := os.ReadFile(file)
			if err != nil {
				return withHint(usageError("cannot read the compose file: %v", errors.Unwrap(err)), "name a compose file: compose.yaml, docker-compose.yml")
			}
			vars, err := a.composeVars(file, envFile)
			if err != nil {
				return err
			}
			data := dataDir
			if data != "" && !filepath.IsAbs(data) {
				return withHint(usageError("--data-dir %s is not an absolute path", data), "give the folder on the host that holds the data, such as /srv/paperless")
			}
			res, dl := compose.Read(args[0], src, compose.Options{
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
				Prefix:   prefix,
			})
			if res == nil {
				return a.reportImport(dl, "", nil, layer, dryRun)
			}
			ws, pdl := compose.Files(dir, res, layer, filepath.Base(file))
			dl.Append(pdl)
			if dl.HasErrors() {
				return a.reportImport(dl, res.Project, nil, layer, dryRun)
			}
			if dryRun {
				for _, w := range ws {
					fmt.Fprintf(a.Out, "# %s\n%s\n", a.rel(w.Path), w.Data)
				}
			} else if err := atomicfs.WriteAll(ws); err != nil {
				return err
			}
			return a.reportImport(dl, res.Project, ws, layer, dryRun)
		},
	}
	c.Flags().StringVar(&host, "host", "", "run the services on this host (appends to hosts/HOST/host.toml)")
	c.Flags().StringVar(&role, "role", "", "run the services on the hosts of this role (appends to roles/ROLE.toml)")
	c.Flags().StringVar(&profile, "profile", "", "run the services on the hosts of this profile (appends to profiles/PROFILE.toml)")
	c.Flags().StringVar(&envFile, "env-file", "", "the variables to interpolate (default: .env beside the compose file, when there is one)")
	c.Flags().StringVar(&project, "project", "", "the project's name (default: the file's name key, else its folder's name)")
	c.Flags().StringVar(&dataDir, "data-dir", "", "the absolute folder relative host paths (./data) are below (default: the compose file's folder)")
	c.Flags().StringVar(&prefix, "prefix", "", "put this before each definition's name (the services keep their names as network aliases)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the files instead of writing them")
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
	vars, err := compose.ParseEnvFile(data)
	if err != nil {
		return nil, usageError("%s: %v", a.rel(name), err)
	}
	return vars, nil
}

// reportImport prints the findings and what was (or would be) written;
// with errors, nothing was.
func (a *App) reportImport(dl *diag.List, project string, ws []atomicfs.Write, layer string, dryRun bool) error {
	verb := "wrote"
	if dryRun {
		verb = "would write"
	}
	var paths []string
	for _, w := range ws {
		paths = append(paths, a.rel(w.Path))
	}
	if a.JSON {
		out := struct {
			Project     string            `json:"project"`
			Written     []string          `json:"written"`
			DryRun      bool              `json:"dry_run"`
			Diagnostics []diag.Diagnostic `json:"diagnostics"`
		}{project, nonNil(paths), dryRun, nonNil(dl.Items())}
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
	if layer == "" {
		fmt.Fprintf(a.Err, "next: run them from a host, role or profile ([containers.<name>] or containers = [...]), then fleet check\n")
	} else if !dryRun {
		fmt.Fprintf(a.Err, "next: fleet check, then fleet containers list\n")
	}
	return nil
}
