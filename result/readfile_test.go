package result

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// readInto reads whole files of any size into a reused buffer, and reports
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
		got, err := readInto(filepath.Join(dir, name), buf[:0])
		if err != nil || !bytes.Equal(got, files[name]) {
			t.Fatalf("%s: read %d bytes, %v; want %d", name, len(got), err, len(files[name]))
		}
		buf = got
	}
	if _, err := readInto(filepath.Join(dir, "missing"), buf[:0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
}
