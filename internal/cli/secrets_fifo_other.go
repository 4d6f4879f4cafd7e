//go:build !unix

package cli

import (
	"context"
	"errors"
)

// startFifo is not available without named pipes.
func startFifo(context.Context, string, []byte) error {
	return withHint(errors.New("named pipes are not available here"), "pass --no-fifo to use a private file")
}
