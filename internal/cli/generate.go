package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/atomicfs"
	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/generate"
	"github.com/fleetdev/fleet/internal/nix/syntax"
	"github.com/fleetdev/fleet/internal/secrets"
	"github.com/fleetdev/fleet/internal/textdiff"
)

func (a *App) generateCommand() *cobra.Command {
	var check, showDiff bool
	c := &cobra.Command{
		Use:   "generate",
		Short: "Write the generated Nix wiring (generated/) and .sops.yaml",
		Long: `Generate evaluates every host and writes generated/: one NixOS or nix-darwin
module per host, the flake's outputs, the overlay of the fleet's packages and
the fleet's facts as a module. Files are rendered in memory, checked by the Nix
parser, and written atomically; files fleet does not own are never touched. On
errors in the fleet (everything fleet check reports as an error other than
stale generated files, including inputs missing from flake.nix) nothing is
written.

One generate runs at a time in a fleet (a second one stops with an error).
Every new file is written to a temporary file first and all are renamed into
place only when all are ready, so a path that cannot be written is reported
before anything changes; temporary files an interrupted run left behind are
removed. A generated/ folder that is a symbolic link is refused.

When the fleet has admins or secrets it also writes .sops.yaml, the creation
rules that make the sops CLI encrypt each secret for the same admins, hosts
and users as fleet (after a change, fleet secrets rekey updates the files).

With --check nothing is written: the command shows the diff and exits 1 when
the generated files are stale. With --diff it shows the diff and writes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !check {
				// One generate at a time per fleet, from reading to writing.
				dir, err := a.fleetDir()
				if err != nil {
					return err
				}
				unlock, err := generate.Lock(dir)
				if errors.Is(err, generate.ErrLocked) {
					return withHint(err, "wait for the other run to finish, then run 'fleet generate' again")
				}
				if err != nil {
					return err
				}
				defer unlock()
			}
			l, err := a.load(cmd.Context(), nil)
			if err != nil {
				return err
			}
			// What check calls an error, generate refuses: secret access
			// and flake.nix's inputs are checked by both.
			a.checkSecretAccess(l)
			for _, d := range generate.CheckFlake(l.Dir, l.Eval) {
				l.Diags.Add(d)
			}
			if l.Diags.HasErrors() {
				a.renderDiags(l.Diags.Items())
				fmt.Fprintln(a.Err, "fleet: not generating: fix the errors above first")
				return errFindings
			}
			g, err := a.generated(l)
			if err != nil {
				return applyError(err)
			}
			changes := g.changes
			l.Diags.Append(g.diags)
			a.renderDiags(l.Diags.Items())
			if l.Diags.HasErrors() {
				return errFindings
			}
			if a.JSON {
				if err := writeJSON(a.Out, generateJSON(changes, check)); err != nil {
					return err
				}
			} else if check || showDiff {
				for _, ch := range changes {
					fmt.Fprint(a.Out, textdiff.Unified("a/"+ch.Path, "b/"+ch.Path, ch.Old, ch.New))
				}
			}
			if check {
				if len(changes) > 0 {
					return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("%s stale", staleCount(len(changes)))}, "run 'fleet generate' and commit the result")
				}
				fmt.Fprintln(a.Err, "generated files are up to date")
				return nil
			}
			if err := a.write(l.Dir, g); err != nil {
				return applyError(err)
			}
			if len(changes) == 0 {
				fmt.Fprintln(a.Err, "generated files are up to date")
			} else {
				fmt.Fprintf(a.Err, "wrote %s\n", plural(len(changes), "file"))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&check, "check", false, "write nothing; show the diff and exit 1 when generated files are stale")
	c.Flags().BoolVar(&showDiff, "diff", false, "show the diff of what changes")
	return c
}

// generation is what generate would write to a loaded fleet.
type generation struct {
	changes []generate.Change
	// sums is the generate.SumsFile recording the run, written after the
	// changes (nil: none).
	sums  []byte
	diags *diag.List
}

// generated renders the generated files of a loaded fleet, checks their
// syntax, and compares them with the disk.
func (a *App) generated(l *loaded) (*generation, error) {
	return a.generatedFiles(l, syntax.Check)
}

// write applies a generation to the fleet at dir: the changes, then the
// record of what they were generated from. The record only spares later
// runs from rendering: not writing it is a warning, not a failure.
func (a *App) write(dir string, g *generation) error {
	start := a.now()
	if err := generate.Apply(dir, g.changes); err != nil {
		return err
	}
	if a.Verbose {
		fmt.Fprintf(a.Err, "fleet: wrote %s in %s\n", plural(len(g.changes), "file"), a.now().Sub(start).Round(time.Microsecond))
	}
	if err := generate.WriteSums(dir, g.sums); err != nil {
		fmt.Fprintf(a.Err, "fleet: warning: %v (the next check renders every host)\n", err)
	}
	return nil
}

// generatedFiles is generated with a chosen syntax check: `fleet check`
// only compares bytes, and leaves parsing to `fleet generate`. Only the
// files that differ from the disk are parsed: generate writes only files
// that parse, so a second generate with nothing changed parses nothing.
func (a *App) generatedFiles(l *loaded, check func(string, []byte) []diag.Diagnostic) (*generation, error) {
	// .sops.yaml is rendered beside the hosts' files: alone it would
	// leave a CPU idle.
	var sopsData []byte
	var sops *diag.List
	done := make(chan struct{})
	go func() {
		defer close(done)
		sopsData, sops = sopsConfig(l)
	}()
	start := a.now()
	// generate (which checks the syntax) records what it renders; check
	// only reads the record.
	files, same, bySums, sums, dl := generate.FilesOn(l.Dir, l.Eval, l.Containers, a.recordKey(), check != nil)
	if a.Verbose {
		hosts := len(l.Eval.Hosts)
		fmt.Fprintf(a.Err, "fleet: rendered %d of %s in %s; %d matched %s\n", hosts-bySums, plural(hosts, "host file"), a.now().Sub(start).Round(time.Microsecond), bySums, generate.SumsFile)
	}
	<-done
	rendered := make(map[string]bool, len(files))
	for p := range files {
		rendered[p] = true
	}
	if sopsData != nil {
		files[secrets.SopsConfigFile] = sopsData // not Nix: not in rendered
	}
	changes, err := generate.ChangesExcept(l.Dir, files, same)
	if err != nil {
		return nil, err
	}
	if check != nil {
		changed := map[string][]byte{}
		for _, c := range changes {
			if c.New != nil && rendered[c.Path] {
				changed[c.Path] = c.New
			}
		}
		start := a.now()
		generate.CheckFiles(changed, check, dl)
		if a.Verbose {
			fmt.Fprintf(a.Err, "fleet: parsed %s in %s\n", plural(len(changed), "changed file"), a.now().Sub(start).Round(time.Microsecond))
		}
	}
	dl.Append(sops)
	changes, err = staleSopsConfig(l.Dir, files, changes)
	if err != nil {
		return nil, err
	}
	return &generation{changes: changes, sums: sums, diags: dl}, nil
}

// generatedFile is a generated file in JSON: its path and what changes
// ("create", "update" or "delete"); the unified diff with --check.
type generatedFile struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	Diff   string `json:"diff,omitempty"`
}

// generateJSON is the --json output of generate: the files written (or,
// with --check, those that are stale).
func generateJSON(changes []generate.Change, check bool) any {
	files := []generatedFile{}
	for _, ch := range changes {
		f := generatedFile{Path: ch.Path, Change: "update"}
		switch {
		case ch.Old == nil:
			f.Change = "create"
		case ch.New == nil:
			f.Change = "delete"
		}
		if check {
			f.Diff = textdiff.Unified("a/"+ch.Path, "b/"+ch.Path, ch.Old, ch.New)
		}
		files = append(files, f)
	}
	key := "written"
	if check {
		key = "stale"
	}
	return map[string]any{key: files, "up_to_date": len(changes) == 0}
}

func staleCount(n int) string {
	if n == 1 {
		return "1 generated file is"
	}
	return fmt.Sprintf("%d generated files are", n)
}

// applyError adds what to do to the errors of writing generated files.
func applyError(err error) error {
	var le *generate.LinkError
	var pe *atomicfs.PathError
	switch {
	case errors.As(err, &le):
		return withHint(err, "replace the link with a real folder: generated files belong in the fleet")
	case errors.As(err, &pe) && !pe.Partial:
		return withHint(err, "nothing was written: make it writable, then run 'fleet generate' again")
	case errors.As(err, &pe):
		return withHint(err, "some files were written: make it writable, then run 'fleet generate' again to finish")
	}
	return err
}
