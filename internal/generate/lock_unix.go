//go:build unix

package generate

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes the fleet's generate lock: an exclusive advisory lock on its
// fleet.toml, so that no file is created for it and the lock ends with the
// process however it ends. A second generate in the same fleet gets
// ErrLocked instead of writing a mix of two runs' files. unlock releases
// it.
func Lock(root string) (unlock func(), err error) {
	f, err := os.Open(filepath.Join(root, "fleet.toml"))
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
