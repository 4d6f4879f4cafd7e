// Package readfile reads whole files the way fleet reads its inputs:
// thousands of small files per run (a host.toml, a hardware
// configuration and a generated file for every host). On Unix it reads
// through the system calls alone: os.ReadFile also asks the runtime's
// poller to take each regular file, five more system calls that fail or
// undo themselves, a third of the calls of a check of 10,000 hosts.
package readfile

import "fmt"

// TooLargeError is returned by Read for a file larger than its limit,
// which is not read.
type TooLargeError struct {
	Path string
	Size int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes", e.Path, e.Size)
}

// Read returns the content of the file at path. With limit > 0, a file
// larger than limit bytes is not read: the error is a *TooLargeError.
// Other errors are *fs.PathError, as os.ReadFile gives them (errors.Is
// with fs.ErrNotExist works).
func Read(path string, limit int64) ([]byte, error) { return read(path, limit, nil) }

// ReadInto is Read into buf's storage when it is large enough (on Unix),
// so that a caller comparing many files reuses one buffer. The content
// returned may share buf's storage.
func ReadInto(buf []byte, path string, limit int64) ([]byte, error) {
	return read(path, limit, buf)
}
