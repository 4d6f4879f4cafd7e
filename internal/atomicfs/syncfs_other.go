//go:build !(linux && (amd64 || arm64))

package atomicfs

import "errors"

// syncFS is not available here: every staged file is synced on its own.
func syncFS(string) error { return errors.ErrUnsupported }
