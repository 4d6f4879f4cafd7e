//go:build linux && (amd64 || arm64)

package atomicfs

import (
	"os"
	"syscall"
)

// syncFS flushes the file system that holds dir: every file written to it
// so far reaches the disk (syncfs(2)). One call replaces a sync per file
// when many files were staged.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, _, errno := syscall.Syscall(sysSyncfs, d.Fd(), 0, 0); errno != 0 {
		return &os.SyscallError{Syscall: "syncfs", Err: errno}
	}
	return nil
}
