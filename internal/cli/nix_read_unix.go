//go:build unix

package cli

import (
	"errors"
	"path/filepath"
	"syscall"
)

// readNixFile reads the file Nix would read for path into buf (grown as
// needed) and returns it with the file's real path: symlinks are followed,
// so that relative paths in the file resolve against the target's
// directory, and a directory stands for its default.nix. It uses four
// system calls per plain file; fleet nix parse reads thousands of files.
//
// isDir reports whether path named a directory and default.nix was read.
func readNixFile(buf []byte, path string) (data []byte, real string, isDir bool, err error) {
	for range 1024 {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if errors.Is(err, syscall.ELOOP) {
			// A symlink: follow it by hand to learn the target's path.
			var target [4096]byte
			n, lerr := syscall.Readlink(path, target[:])
			if lerr != nil {
				return nil, "", false, &pathError{"readlink", path, lerr}
			}
			t := string(target[:n])
			if !filepath.IsAbs(t) {
				t = filepath.Join(filepath.Dir(path), t)
			}
			path = filepath.Clean(t)
			continue
		}
		if err != nil {
			return nil, "", false, &pathError{"open", path, err}
		}
		var st syscall.Stat_t
		if err := syscall.Fstat(fd, &st); err != nil {
			syscall.Close(fd)
			return nil, "", false, &pathError{"stat", path, err}
		}
		if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
			syscall.Close(fd)
			path = filepath.Join(path, "default.nix")
			isDir = true
			continue
		}
		size := int(st.Size)
		buf = buf[:0]
		if cap(buf) < size+1 {
			buf = make([]byte, 0, size+size/4+512)
		}
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				syscall.Close(fd)
				return nil, "", false, &pathError{"read", path, err}
			}
			buf = buf[:len(buf)+n]
			// For a regular file, a read that stops short of the
			// buffer's end met the end of the file.
			if n == 0 || len(buf) < cap(buf) && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
				break
			}
		}
		syscall.Close(fd)
		return buf, path, isDir, nil
	}
	return nil, "", false, &pathError{"open", path, syscall.ELOOP}
}
