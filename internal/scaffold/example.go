package scaffold

import (
	"io/fs"

	"github.com/fleetdev/fleet/examples"
	"github.com/fleetdev/fleet/internal/atomicfs"
)

// Example returns the files of the bundled example fleet.
func Example() (map[string]atomicfs.File, error) {
	root, err := fs.Sub(examples.FS, "homelab")
	if err != nil {
		return nil, err
	}
	files := map[string]atomicfs.File{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files[p] = atomicfs.File{Data: data, Mode: mode}
		return nil
	})
	return files, err
}
