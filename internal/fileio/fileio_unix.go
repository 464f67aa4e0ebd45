//go:build unix

package fileio

import (
	"bytes"
	"os"
	"syscall"
)

// ReadInto reads the file at path into buf, grown as needed: os.ReadFile
// with the caller's buffer.
func ReadInto(path string, buf []byte) ([]byte, error) {
	fd, err := open(path, syscall.O_RDONLY, 0)
	if err != nil {
		return buf, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return buf, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// WriteFile is os.WriteFile with mode 0644.
func WriteFile(name string, data []byte) error {
	fd, err := open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC, 0o644)
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: name, Err: err}
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: name, Err: err}
	}
	return nil
}

// Same reports whether the file at name is a regular file of mode 0644
// holding exactly data, or else whether it is a folder. buf is scratch
// space for reading.
func Same(name string, data, buf []byte) (same, dir bool) {
	fd, err := open(name, syscall.O_RDONLY, 0)
	if err != nil {
		return false, false
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil {
		return false, false
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return false, true
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Mode&0o7777 != 0o644 || st.Size != int64(len(data)) {
		return false, false
	}
	for rest := data; len(rest) > 0; {
		n, err := syscall.Read(fd, buf[:min(len(buf), len(rest))])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 || !bytes.Equal(buf[:n], rest[:n]) {
			return false, false
		}
		rest = rest[n:]
	}
	return true, false
}

func open(path string, mode int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(path, mode|syscall.O_CLOEXEC, perm)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
