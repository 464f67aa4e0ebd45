package fileio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ReadInto reads whole files of any size into a reused buffer, and reports
// a missing file as os.ReadFile does.
func TestReadInto(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	files := map[string][]byte{"big": big, "small": []byte("id = \"a\"\n"), "empty": nil}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 0, 16)
	for _, name := range []string{"big", "small", "empty", "big"} {
		got, err := ReadInto(filepath.Join(dir, name), buf[:0])
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Fatalf("%s: read %d bytes, %v; want %d", name, len(got), err, len(files[name]))
		}
		buf = got
	}
	if _, err := ReadInto(filepath.Join(dir, "missing"), buf[:0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
}

// WriteFile replaces a file whole with mode 0644; Same tells the same
// bytes from others (size, content, mode) and a folder from a file.
func TestWriteFileAndSame(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "page.html")
	big := bytes.Repeat([]byte("<p>x</p>"), 20000)
	buf := make([]byte, 4096)
	for _, data := range [][]byte{big, []byte("short"), nil} {
		if err := WriteFile(p, data); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("wrote %d bytes, read %d, %v", len(data), len(got), err)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v", fi.Mode())
		}
		if same, dir := Same(p, data, buf); !same || dir {
			t.Errorf("%d bytes: same %v, dir %v", len(data), same, dir)
		}
	}
	if err := WriteFile(p, big); err != nil {
		t.Fatal(err)
	}
	changed := bytes.Clone(big)
	changed[len(changed)-1] = '!'
	for name, data := range map[string][]byte{"last byte": changed, "shorter": big[:len(big)-1], "longer": append(bytes.Clone(big), 'x')} {
		if same, _ := Same(p, data, buf); same {
			t.Errorf("%s: reported the same", name)
		}
	}
	os.Chmod(p, 0o600)
	if same, _ := Same(p, big, buf); same {
		t.Error("a file of mode 0600 reported the same")
	}
	if same, dir := Same(dir, nil, buf); same || !dir {
		t.Errorf("a folder: same %v, dir %v", same, dir)
	}
	if same, dir := Same(filepath.Join(dir, "missing"), nil, buf); same || dir {
		t.Errorf("a missing file: same %v, dir %v", same, dir)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("write into a missing folder: %v", err)
	}
}
