package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fleetdev/fleet/internal/secrets"
)

// maxSecretInput bounds what set and encrypt read.
const maxSecretInput = 64 << 20

func (a *App) secretsSetCommand(sf *secretsFlags) *cobra.Command {
	var writeOnly bool
	c := &cobra.Command{
		Use:   "set PATH [KEY]",
		Short: "Set one value of a secret from stdin (creating the file when missing)",
		Long: `Set stores the value read from stdin at KEY in a secret file, as a string,
and creates the file when it does not exist, encrypted to everyone who may
read it. The value never appears on the command line, so it stays out of
shell history and process listings. One trailing newline is removed, so
'openssl rand -base64 32 | fleet secrets set ...' stores the bare value.
Nested keys are written a/b/c; in an INI secret (.ini) keys are SECTION/KEY
(DEFAULT/KEY before any section). A binary secret (.bin) takes no KEY and
stores stdin as it is.

Other values keep their ciphertext: the diff shows this value, lastmodified
and the MAC.

A new file must be readable by one of your identities (as an admin you read
every secret): otherwise you could never read, change or rekey it, and set
refuses unless --write-only says that is what you want.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			repo := a.repo(sfl.Dir, sfl.access)
			rel, err := a.secretArg(repo, args[0])
			if err != nil {
				return err
			}
			key := ""
			if len(args) == 2 {
				key = args[1]
			}
			binary := secrets.FormatForPath(rel) == secrets.FormatBinary
			switch {
			case binary && key != "":
				return withHint(usageError("%s is a binary secret: it has no keys", rel), "leave KEY out: fleet secrets set "+args[0]+" < FILE")
			case !binary && key == "":
				return withHint(usageError("say which value to set"), "fleet secrets set "+args[0]+" KEY, with the value on stdin")
			}
			srcs, err := a.withIdentities(repo, sf)
			if err != nil {
				return err
			}
			created := !fileExists(filepath.Join(repo.Root, filepath.FromSlash(rel)))
			if created {
				if err := a.checkWriterReads(repo, rel, args[0], writeOnly); err != nil {
					return err
				}
			}
			value, err := readValue(a.In, !binary)
			if err != nil {
				return err
			}
			changed, err := repo.Set(rel, key, string(value))
			if err != nil {
				return a.secretsError(cmd.Context(), err, repo, srcs)
			}
			what := key
			if binary {
				what = "the value"
			}
			switch {
			case created:
				fmt.Fprintf(a.Err, "%s: created with %s, for %s\n", rel, what, recipientsText(repo, rel))
			case changed:
				fmt.Fprintf(a.Err, "%s: set %s\n", rel, what)
			default:
				fmt.Fprintf(a.Err, "%s: %s unchanged\n", rel, what)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&writeOnly, writeOnlyFlag, false, "create the file even though none of your identities can read it back")
	return c
}

// readValue reads a secret value from stdin, without its trailing newline
// when trim is set. An empty value is refused: it is almost always a
// mistake (nothing was piped in).
func readValue(in io.Reader, trim bool) ([]byte, error) {
	if in == nil {
		in = bytes.NewReader(nil)
	}
	data, err := io.ReadAll(io.LimitReader(in, maxSecretInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSecretInput {
		return nil, withHint(errors.New("the value on stdin is larger than 64 MiB"), "store large files as a binary secret (.bin) with fleet secrets encrypt PATH --from FILE")
	}
	if trim {
		data = bytes.TrimSuffix(data, []byte("\n"))
		data = bytes.TrimSuffix(data, []byte("\r"))
	}
	if len(data) == 0 {
		return nil, withHint(errors.New("nothing on stdin"), "pipe the value in, for example: openssl rand -base64 32 | fleet secrets set PATH KEY")
	}
	return data, nil
}
