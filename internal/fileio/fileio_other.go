//go:build !unix

package fileio

import (
	"bytes"
	"io"
	"os"
)

// ReadInto reads the file at path into buf, grown as needed: os.ReadFile
// with the caller's buffer.
func ReadInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// WriteFile is os.WriteFile with mode 0644.
func WriteFile(name string, data []byte) error { return os.WriteFile(name, data, 0o644) }

// Same reports whether the file at name is a regular file of mode 0644
// holding exactly data, or else whether it is a folder. buf is scratch
// space for reading.
func Same(name string, data, buf []byte) (same, dir bool) {
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
