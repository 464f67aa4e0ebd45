//go:build unix

package site

import (
	"bytes"
	"os"
	"syscall"
)

// writeFile is os.WriteFile (mode 0644) with plain system calls: os.File
// sets every file up for the poller, which costs five more calls per file
// and fails for regular files anyway; a round writes thousands.
func writeFile(name string, data []byte) error {
	fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
	for err == syscall.EINTR {
		fd, err = syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
	}
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

// sameFile reports whether the file at name is a regular file of mode
// 0644 holding exactly data, or else whether it is a folder, with plain
// system calls as in writeFile.
func sameFile(name string, data []byte, buf []byte) (same, dir bool) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
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
