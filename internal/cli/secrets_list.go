package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func (a *App) secretsListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the secret files, who may read each and whether its recipients are right",
		Long: `List shows every file of the secrets tree without decrypting anything: its
format, the admins, hosts and users who may read it, and its status: ok,
"rekey" when its recipients differ from who may read it (fleet secrets rekey
fixes it), or why it is not a valid encrypted file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sfl, err := a.loadAccess(cmd.Context())
			if err != nil {
				return err
			}
			files, err := a.repo(sfl.Dir, sfl.access).List()
			if err != nil {
				return err
			}
			if a.JSON {
				for i := range files {
					files[i].Readers = nonNil(files[i].Readers)
				}
				return writeJSON(a.Out, nonNil(files))
			}
			tw := a.table()
			fmt.Fprintln(tw, "PATH\tFORMAT\tREADERS\tSTATUS")
			for _, f := range files {
				status := "ok"
				switch {
				case f.Error != "":
					status = f.Error
				case !f.UpToDate:
					status = "rekey"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Path, f.Format, dash(strings.Join(f.Readers, ", ")), status)
			}
			tw.Flush()
			return nil
		},
	}
}
