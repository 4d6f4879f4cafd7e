package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

func (a *App) secretsKeysCommand(sf *secretsFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "List who holds which age key and what each may read",
		Long: `Keys lists every admin, host and user with its age recipient, where the key
is declared and the secrets it may read (admins: everything, "**"). A host's
recipient is derived from its host_key as ssh-to-age does. On stderr it says
which of them your own identities are.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			_, srcs, err := a.loadIdentities(sf)
			if err != nil {
				return err
			}
			keys := sfl.access.Keys()
			type identity struct {
				Location   string   `json:"location"`
				Keys       int      `json:"keys"`
				Recipients []string `json:"recipients"`
				Holders    []string `json:"holders"`
				Error      string   `json:"error,omitempty"`
			}
			var mine []identity
			for _, s := range srcs {
				it := identity{Location: s.Location, Keys: s.Count, Error: s.Error, Recipients: nonNil(s.Recipients), Holders: []string{}}
				for _, r := range s.Recipients {
					it.Holders = append(it.Holders, a.accessIndex(sfl.access).Who(r)...)
				}
				it.Holders = nonNil(uniqueStrings(it.Holders))
				mine = append(mine, it)
			}
			if a.JSON {
				return writeJSON(a.Out, struct {
					Keys       []secrets.Key `json:"keys"`
					Identities []identity    `json:"identities"`
				}{nonNil(keys), nonNil(mine)})
			}
			tw := a.table()
			fmt.Fprintln(tw, "KIND\tNAME\tRECIPIENT\tSOURCE\tREADS")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Kind, k.Name, dash(k.Recipient), dash(k.Source), strings.Join(k.Reads, ","))
			}
			tw.Flush()
			for _, line := range a.identityLines(srcs, sfl.access) {
				fmt.Fprintln(a.Err, line)
			}
			if len(mine) == 0 {
				fmt.Fprintln(a.Err, "no age identity found: set SOPS_AGE_KEY_FILE, or create one with fleet secrets init")
			}
			return nil
		},
	}
	c.AddCommand(a.secretsSSHToAgeCommand())
	return c
}

func (a *App) secretsSSHToAgeCommand() *cobra.Command {
	var private bool
	c := &cobra.Command{
		Use:   "ssh-to-age [FILE...]",
		Short: "Convert ssh-ed25519 public keys (or a private key) to age keys, as ssh-to-age does",
		Long: `ssh-to-age prints the age recipient of every ssh-ed25519 public key in the
FILEs (or stdin): authorized_keys lines, .pub files, known_hosts or
ssh-keyscan output. Keys of other types are skipped with a note on stderr.
This is the recipient a host's secrets are encrypted to when its host_key is
that key:

  ssh-keyscan -t ed25519 newbox | fleet secrets keys ssh-to-age

With --private it converts an unencrypted OpenSSH ed25519 private key (FILE or
stdin) into the age identity sops-nix derives from it, and prints it on
stdout: keep it private. A passphrase is read from SSH_TO_AGE_PASSPHRASE.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			type input struct {
				name string
				data []byte
			}
			var inputs []input
			if len(args) == 0 {
				data, err := io.ReadAll(io.LimitReader(a.In, 1<<20))
				if err != nil {
					return err
				}
				inputs = append(inputs, input{"stdin", data})
			}
			for _, f := range args {
				data, err := os.ReadFile(a.abs(f))
				if err != nil {
					return withHint(fmt.Errorf("%s: %w", f, errors.Unwrap(err)), "give a public key file such as /etc/ssh/ssh_host_ed25519_key.pub")
				}
				inputs = append(inputs, input{f, data})
			}
			if private {
				if len(inputs) != 1 {
					return usageError("--private converts one key at a time")
				}
				var pass []byte
				if p := a.Env.Get("SSH_TO_AGE_PASSPHRASE"); p != "" {
					pass = []byte(p)
				}
				id, _, err := secrets.SSHPrivateKeyToAge(bytes.TrimSpace(inputs[0].data), pass)
				if err != nil {
					return withHint(fmt.Errorf("%s: %w", inputs[0].name, err), "give an OpenSSH ed25519 private key such as /etc/ssh/ssh_host_ed25519_key; for a protected key set SSH_TO_AGE_PASSPHRASE")
				}
				fmt.Fprintln(a.Out, id)
				return nil
			}
			type converted struct {
				Input     string `json:"input"`
				Line      int    `json:"line"`
				Recipient string `json:"recipient,omitempty"`
				Skipped   string `json:"skipped,omitempty"`
			}
			var out []converted
			n := 0
			for _, in := range inputs {
				keys, err := secrets.SSHKeysToAge(in.data)
				if err != nil {
					return withHint(fmt.Errorf("%s: %w", in.name, err), "give ssh public keys, one per line: ssh-ed25519 AAAA... (a .pub file, authorized_keys, known_hosts or ssh-keyscan output)")
				}
				for _, k := range keys {
					c := converted{Input: in.name, Line: k.Line, Recipient: k.Recipient}
					if k.Skipped != nil {
						c.Skipped = k.Skipped.Error()
					} else {
						n++
					}
					out = append(out, c)
				}
			}
			if a.JSON {
				if err := writeJSON(a.Out, nonNil(out)); err != nil {
					return err
				}
			} else {
				for _, c := range out {
					if c.Skipped != "" {
						fmt.Fprintf(a.Err, "%s:%d: skipped: %s\n", c.Input, c.Line, c.Skipped)
						continue
					}
					fmt.Fprintln(a.Out, c.Recipient)
				}
			}
			if n == 0 {
				return withHint(errors.New("no ssh-ed25519 key found"), "only ssh-ed25519 keys convert to age keys: ssh-keyscan -t ed25519 HOST prints a host's")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&private, "private", false, "convert an ssh ed25519 private key into an age identity")
	return c
}
