//go:build unix

package secrets

import (
	"os"
	"syscall"
)

// locksWork says lockDir really excludes other writers.
const locksWork = true

// lockDir takes an exclusive advisory lock on a folder, waiting for it:
// writers of the secrets in one folder read, change and write one at a
// time, so that none loses another's change. No file is created, and the
// lock ends with the process however it ends.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
