//go:build !unix

package cli

import (
	"os"
	"path/filepath"
)

// readNixFile reads the file Nix would read for path: symlinks are
// followed and a directory stands for its default.nix. isDir reports
// whether default.nix was read.
func readNixFile(buf []byte, path string) (data []byte, real string, isDir bool, err error) {
	real, err = filepath.EvalSymlinks(path)
	if err != nil {
		return nil, "", false, &pathError{"open", path, err}
	}
	if fi, err := os.Stat(real); err == nil && fi.IsDir() {
		real, isDir = filepath.Join(real, "default.nix"), true
	}
	data, err = os.ReadFile(real)
	if err != nil {
		return nil, "", false, &pathError{"read", real, err}
	}
	return data, real, isDir, nil
}
