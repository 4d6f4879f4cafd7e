//go:build !unix

package readfile

import "os"

func read(path string, limit int64) ([]byte, error) {
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
