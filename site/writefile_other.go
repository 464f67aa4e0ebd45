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
// 0644 holding exactly data, or else whether it is a folder.
func sameFile(name string, data []byte, buf []byte) (same, dir bool) {
	fi, err := os.Stat(name)
	if err != nil {
		return false, false
	}
	if fi.IsDir() {
		return false, true
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 || fi.Size() != int64(len(data)) {
		return false, false
	}
	f, err := os.Open(name)
	if err != nil {
		return false, false
	}
	defer f.Close()
	for rest := data; len(rest) > 0; {
		n, err := io.ReadFull(f, buf[:min(len(buf), len(rest))])
		if err != nil || !bytes.Equal(buf[:n], rest[:n]) {
			return false, false
		}
		rest = rest[n:]
	}
	return true, false
}
