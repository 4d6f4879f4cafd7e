package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"filippo.io/age"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fleetdev/fleet/internal/diag"
	"github.com/fleetdev/fleet/internal/secrets"
)

// secretsFlags are the flags every secrets command shares.
type secretsFlags struct {
	identities []string
}

func (a *App) secretsCommand() *cobra.Command {
	sf := &secretsFlags{}
	c := &cobra.Command{
		Use:   "secrets",
		Short: "Create, read, change, rekey, audit and back up the fleet's SOPS secrets",
		Long: `The secrets commands work on secrets/<category>/<name>.yaml (or .json, .env,
.bin): SOPS files encrypted with age, which the sops CLI and sops-nix read too.

Who may read a secret follows from the fleet: the admins in fleet.toml
[admins] read everything; a host reads what its roles list in secrets = [...],
what its settings reference with { secret = "category/name" }, and
secrets/hosts/<host>/*; a user with an age_key reads secrets/users/<user>/*.
A host's age recipient is derived from its ssh-ed25519 host_key, as ssh-to-age
does, or given as age_key.

Identities (private keys) are found the way sops finds them:
SOPS_AGE_SSH_PRIVATE_KEY_FILE, SOPS_AGE_SSH_PRIVATE_KEY_CMD, ~/.ssh/id_ed25519,
SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD, then
~/.config/sops/age/keys.txt; --identity replaces them all. A *_CMD variable
is a command (split into words as a shell would, run without one) that prints
the key, such as 'pass show age-key'; fleet runs it once. The passphrase of a
protected ssh key or age -p identity file is asked for on the terminal, once,
and only when no other identity opens the file. Age plugin recipients and
identities (age1yubikey1..., AGE-PLUGIN-YUBIKEY-1...) run age-plugin-<name>
from PATH, as age and sops do. Paths are relative to the current directory; when nothing fits there,
they are tried relative to the fleet's root (so --dir DIR works from
anywhere). Values never appear in errors.`,
	}
	c.PersistentFlags().StringArrayVarP(&sf.identities, "identity", "i", nil, "age identity or ssh private key file to decrypt with, instead of the ones sops would use (repeatable)")
	c.AddCommand(
		a.secretsInitCommand(),
		a.secretsEditCommand(sf),
		a.secretsSetCommand(sf),
		a.secretsGetCommand(sf),
		a.secretsEncryptCommand(sf),
		a.secretsDecryptCommand(sf),
		a.secretsVerifyCommand(sf),
		a.secretsExecEnvCommand(sf),
		a.secretsExecFileCommand(sf),
		a.secretsRekeyCommand(sf),
		a.secretsAuditCommand(sf),
		a.secretsBackupCommand(sf),
		a.secretsRestoreCommand(sf),
		a.secretsKeysCommand(sf),
		a.secretsListCommand(),
	)
	return c
}

// isSecretsCode reports whether a diagnostic code is about secrets themselves.
// Other errors in the fleet make who may read what uncertain.
func isSecretsCode(code string) bool {
	return code == "unknown-secret" || strings.HasPrefix(code, "secret-")
}

// secretsFleet is an evaluated fleet with its access rules.
type secretsFleet struct {
	*loaded
	access *secrets.Access
}

// loadAccess evaluates the fleet and derives its access rules. Errors in
// the fleet other than about secrets, and keys that do not parse, stop
// the command: without them fleet cannot tell who may read what.
func (a *App) loadAccess(ctx context.Context) (*secretsFleet, error) {
	l, err := a.load(ctx, nil)
	if err != nil {
		return nil, err
	}
	access, kd := l.Access()
	var block diag.List
	for _, d := range l.Diags.Items() {
		if d.Severity == diag.Error && !isSecretsCode(d.Code) {
			block.Add(d)
		}
	}
	block.Append(kd)
	if block.HasErrors() {
		a.renderDiags(block.Items())
		return nil, withHint(&exitError{code: ExitFindings, err: errors.New("the fleet has errors, so who may read which secret is not certain")},
			"fix the errors above, then run the command again")
	}
	return &secretsFleet{loaded: l, access: access}, nil
}

// repo returns the secrets tree of the fleet in dir.
func (a *App) repo(dir string, access *secrets.Access) *secrets.Repo {
	return &secrets.Repo{Root: dir, Access: access, Now: a.Now, TempDir: a.Env.Get("TMPDIR")}
}

// withIdentities loads the identities to decrypt with into repo and
// returns where they were looked for.
func (a *App) withIdentities(repo *secrets.Repo, sf *secretsFlags) ([]secrets.IdentitySource, error) {
	ids, srcs, err := a.loadIdentities(sf)
	if err != nil {
		return nil, err
	}
	repo.Identities = ids
	return srcs, nil
}

// askPassphrase asks for the passphrase of a protected identity on the
// controlling terminal (not stdin, which may carry a value), without echo.
func askPassphrase(what string) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%s is protected by a passphrase, and there is no terminal to ask for it on", what)
	}
	defer tty.Close()
	fmt.Fprintf(tty, "passphrase for %s: ", what)
	pass, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase of %s: %v", what, err)
	}
	return pass, nil
}

// askPluginValue answers what an age plugin asks (a PIN, a confirmation)
// on the controlling terminal.
func askPluginValue(prompt string, secret bool) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("%s: there is no terminal to answer on", prompt)
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s ", prompt)
	if secret {
		v, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		return string(v), err
	}
	line, err := bufio.NewReader(tty).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// loadIdentities finds the age identities to decrypt with. Identity files
// named with --identity must all load.
func (a *App) loadIdentities(sf *secretsFlags) ([]age.Identity, []secrets.IdentitySource, error) {
	var files []string
	for _, f := range sf.identities {
		files = append(files, a.abs(f))
	}
	secrets.PluginPrompt = askPluginValue
	ids, srcs := secrets.LoadIdentities(secrets.IdentityOptions{Getenv: a.Env.Get, Files: files, Environ: a.Env.List(), Passphrase: askPassphrase})
	for i, s := range srcs {
		if s.Err != nil && len(files) > 0 {
			err := s.Err
			if errors.Is(err, fs.ErrNotExist) {
				err = errors.New("no such file")
			}
			return nil, nil, withHint(fmt.Errorf("identity %s: %v", sf.identities[i], err),
				"--identity takes an age identity file (as age-keygen writes) or an unencrypted ssh ed25519 private key")
		}
	}
	return ids, srcs, nil
}

// identityLines says, for each place identities were looked for, what was
// found there: whose keys, or why nothing.
func (a *App) identityLines(srcs []secrets.IdentitySource, access *secrets.Access) []string {
	var out []string
	for _, s := range srcs {
		loc := s.Location
		if filepath.IsAbs(loc) {
			loc = a.rel(loc)
		}
		var who []string
		if access != nil {
			for _, r := range s.Recipients {
				who = append(who, a.accessIndex(access).Who(r)...)
			}
		}
		switch {
		case errors.Is(s.Err, fs.ErrNotExist):
			out = append(out, fmt.Sprintf("identity %s: not found", loc))
		case s.Err != nil:
			out = append(out, fmt.Sprintf("identity %s: %v", loc, s.Err))
		case len(who) > 0:
			out = append(out, fmt.Sprintf("identity %s: the key of %s", loc, strings.Join(uniqueStrings(who), ", ")))
		default:
			out = append(out, fmt.Sprintf("identity %s: %s, none of them in the fleet", loc, plural(len(s.Recipients), "key")))
		}
	}
	return out
}

// bestEffortAccess evaluates the fleet for who may read what, ignoring its
// errors, to name in a message whose key opens a file; nil when the fleet
// does not load.
func (a *App) bestEffortAccess(ctx context.Context) *secrets.Access {
	l, err := a.load(ctx, nil)
	if err != nil {
		return nil
	}
	access, _ := l.Access()
	return access
}

// abs resolves a command-line path against the working directory.
func (a *App) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(a.WorkDir, p)
}

// secretsError adds what to do to an error of package secrets, with the
// exit code sops gives the same failure.
func (a *App) secretsError(ctx context.Context, err error, repo *secrets.Repo, srcs []secrets.IdentitySource) error {
	out := a.secretsHint(ctx, err, repo, srcs)
	if code := sopsExitCode(err); code != 0 && out != nil && !errors.As(out, new(*exitError)) {
		return &exitError{code: code, err: out}
	}
	return out
}

// sopsExitCode is the exit code sops uses for a secrets error, or 0.
func sopsExitCode(err error) int {
	var noID *secrets.NoIdentityError
	var tamper *secrets.TamperError
	switch {
	case errors.As(err, &tamper) && tamper.Key != "":
		return ExitSopsValueTampered
	case errors.Is(err, secrets.ErrTampered):
		return ExitSopsMACMismatch
	case errors.As(err, &noID), errors.Is(err, secrets.ErrNoIdentity):
		return ExitSopsNoKey
	case errors.Is(err, secrets.ErrAlreadyEncrypted):
		return ExitSopsEncrypted
	case errors.Is(err, fs.ErrNotExist):
		return ExitSopsNoFile
	}
	return 0
}

// secretsHint adds what to do to an error of package secrets.
func (a *App) secretsHint(ctx context.Context, err error, repo *secrets.Repo, srcs []secrets.IdentitySource) error {
	var noID *secrets.NoIdentityError
	var tamper *secrets.TamperError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, secrets.ErrOutsideTree):
		return withHint(&exitError{code: ExitUsage, err: err},
			fmt.Sprintf("secret files live in %s/<category>/<name>%s of the fleet", secrets.Dir, strings.Join(secrets.Extensions(), "|")))
	case errors.As(err, &noID):
		var access *secrets.Access
		if repo != nil {
			access = repo.Access
		}
		if access == nil {
			access = a.bestEffortAccess(ctx)
		}
		var hints []string
		if access != nil {
			var who []string
			holders := a.accessIndex(access)
			for _, r := range noID.Recipients {
				who = append(who, holders.Who(r)...)
			}
			if len(who) > 0 {
				hints = append(hints, "it opens with the key of "+strings.Join(uniqueStrings(who), ", "))
			}
			if onlyHosts(who) {
				hints = append(hints, a.identityLines(srcs, access)...)
				hints = append(hints, "no person can read it: run the command on one of those hosts with --identity /etc/ssh/ssh_host_ed25519_key, or, as an admin, delete it and set its values again with fleet secrets set")
				return withHint(err, hints...)
			}
		}
		hints = append(hints, a.identityLines(srcs, access)...)
		hints = append(hints, "set SOPS_AGE_KEY_FILE to your age key file, or pass --identity FILE")
		return withHint(err, hints...)
	case errors.Is(err, secrets.ErrChanged):
		return withHint(err, "your edit was not saved, so that the other change is not lost: run fleet secrets edit again and make your change on top of it")
	case errors.As(err, &tamper), errors.Is(err, secrets.ErrTampered):
		return withHint(err, "the file was changed outside sops and fleet: restore it from version control or a backup, and find out who changed it")
	case errors.Is(err, secrets.ErrNotEncrypted):
		return withHint(err, "it is stored in plaintext: encrypt it with fleet secrets encrypt PATH, and treat its values as leaked if it was ever committed")
	case errors.Is(err, secrets.ErrUnsupported):
		return withHint(err, "decrypt it with sops and encrypt it again with fleet secrets encrypt")
	case errors.Is(err, secrets.ErrSyntax):
		return withHint(err, "restore it from version control, or fix it with sops edit")
	case errors.Is(err, secrets.ErrNoRecipients):
		return withHint(err, "add an admin's age recipient to fleet.toml [admins], or grant the secret to a host")
	case errors.Is(err, secrets.ErrKeyNotFound):
		return withHint(err, "nested keys are written a/b/c and list items by index (a/0)")
	case errors.Is(err, fs.ErrNotExist):
		return withHint(err, "create it with fleet secrets edit or fleet secrets set; fleet secrets list shows the secrets there are")
	}
	return err
}

// secretArg resolves a path argument to the secret file it names,
// relative to the fleet root. A relative path is tried against the working
// directory first, then against the fleet's root, so
// 'fleet --dir ex secrets get secrets/a/b.yaml' works from anywhere.
func (a *App) secretArg(repo *secrets.Repo, arg string) (string, error) {
	var rel string
	_, err := a.fleetPath(repo.Root, arg, func(p string) bool {
		r, err := repo.Rel(p)
		rel = r
		return err == nil
	})
	if err != nil {
		return "", withHint(usageError("%s is not in the fleet's %s folder", arg, secrets.Dir),
			fmt.Sprintf("secret files are %s/<category>/<name> with one of %s%s", secrets.Dir, strings.Join(secrets.Extensions(), " "), a.relativeTo(repo.Root)))
	}
	if low := secrets.MiscasedExtension(rel); low != "" {
		ext := path.Ext(rel)
		return "", withHint(usageError("%s: sops reads a file ending in %s as binary, not as %s (it knows extensions in lower case only)", rel, ext, low),
			fmt.Sprintf("name it %s", strings.TrimSuffix(rel, ext)+low))
	}
	return rel, nil
}

// relativeTo says what a relative path is resolved against, for hints:
// nothing when the fleet's root is the working directory.
func (a *App) relativeTo(root string) string {
	if a.rel(root) == "." {
		return ""
	}
	return ", relative to the current directory or to the fleet's root " + a.rel(root)
}

// errNotInFleet is returned by fleetPath when neither reading of a path
// is acceptable.
var errNotInFleet = errors.New("not in the fleet")

// fleetPath resolves a path argument of a command working in the fleet at
// root: an absolute path as it is; a relative one against the working
// directory when ok accepts that, else against root when ok accepts that.
// It returns the path that was accepted, or errNotInFleet.
func (a *App) fleetPath(root, arg string, ok func(abs string) bool) (string, error) {
	if filepath.IsAbs(arg) {
		if ok(arg) {
			return arg, nil
		}
		return "", errNotInFleet
	}
	for _, p := range []string{filepath.Join(a.WorkDir, arg), filepath.Join(root, arg)} {
		if ok(p) {
			return p, nil
		}
	}
	return "", errNotInFleet
}

// fileExists reports whether a file exists.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// onlyHosts reports whether every party in who (as Access.Who names
// them) is a host, and there is at least one.
func onlyHosts(who []string) bool {
	for _, w := range who {
		if !strings.HasPrefix(w, "host ") {
			return false
		}
	}
	return len(who) > 0
}

func uniqueStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// writeOnlyFlag is the flag that lets a command write a secret none of
// the writer's identities can read back.
const writeOnlyFlag = "write-only"

// checkWriterReads refuses to write the secret rel when none of the
// loaded identities is among its recipients: the writer could never read,
// change or rekey it. --write-only (writeOnly) allows it on purpose.
func (a *App) checkWriterReads(repo *secrets.Repo, rel, arg string, writeOnly bool) error {
	if writeOnly {
		return nil
	}
	recipients, err := repo.Recipients(rel)
	if err != nil || len(recipients) == 0 {
		return nil // the write itself reports it
	}
	for _, r := range secrets.IdentityRecipients(repo.Identities) {
		if slices.Contains(recipients, r) {
			return nil
		}
	}
	who := recipientsText(repo, rel)
	hints := []string{}
	if len(repo.Identities) == 0 {
		hints = append(hints, "you have no age identity: 'fleet secrets init' creates one and prints the line to add to fleet.toml [admins]")
	} else {
		hints = append(hints, "add your age key to fleet.toml [admins] ('fleet secrets init' prints it), so you read every secret")
	}
	hints = append(hints, fmt.Sprintf("to write it for %s anyway, knowing you cannot read it back: add --%s", who, writeOnlyFlag))
	return withHint(&exitError{code: ExitFindings, err: fmt.Errorf("%s would be readable only by %s, not by you", arg, who)}, hints...)
}
