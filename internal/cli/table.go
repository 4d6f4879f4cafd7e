package cli

import (
	"bufio"
	"text/tabwriter"
)

// table aligns tab-separated columns on the command's output. What is
// written goes out when Flush is called, in a few large writes (a table of
// 10,000 hosts was 160,000 writes to stdout).
type table struct {
	*tabwriter.Writer
	out *bufio.Writer
}

func (a *App) table() *table {
	out := bufio.NewWriterSize(a.Out, 64<<10)
	return &table{tabwriter.NewWriter(out, 0, 0, 2, ' ', 0), out}
}

// Flush writes the table.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	return t.out.Flush()
}
