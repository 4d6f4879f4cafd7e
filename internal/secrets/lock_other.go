//go:build !unix

package secrets

// lockDir is a no-op where advisory locks are not available.
func lockDir(dir string) (unlock func(), err error) { return func() {}, nil }
