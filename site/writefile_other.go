//go:build !unix

package site

import (
	"bytes"
	"io"
	"os"
)

// writeFile is os.WriteFile with mode 0644.
func writeFile(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }

// sameFile reports whether the file at name is a regular file of mode
// 0644 holding exactly data.
func sameFile(name string, data []byte, buf []byte) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 || fi.Size() != int64(len(data)) {
		return false
	}
	for rest := data; len(rest) > 0; {
		n, err := io.ReadFull(f, buf[:min(len(buf), len(rest))])
		if err != nil || !bytes.Equal(buf[:n], rest[:n]) {
			return false
		}
		rest = rest[n:]
	}
	return true
}
