//go:build !unix

package readfile

import "os"

// reuses says whether ReadInto reads into the buffer it is given.
const reuses = false

func read(path string, limit int64, _ []byte) ([]byte, error) {
	if limit > 0 {
		if fi, err := os.Stat(path); err == nil && fi.Size() > limit {
			return nil, &TooLargeError{Path: path, Size: fi.Size()}
		}
	}
	data, err := os.ReadFile(path)
	if err == nil && limit > 0 && int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Size: int64(len(data))}
	}
	return data, err
}
