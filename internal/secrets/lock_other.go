//go:build !unix

package secrets

// locksWork says lockDir really excludes other writers.
const locksWork = false

// lockDir is a no-op where advisory locks are not available.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
