package cli

import (
	"os"
	"syscall"
)

// StopSignals are the signals that stop a fleet command cleanly: the
// command's context is cancelled, so that temporary plaintext, locks and
// half-written files are cleaned up as on any other error (exit 130),
// rather than the process dying where it stands.
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
