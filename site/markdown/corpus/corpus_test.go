package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestPagesDeterministic(t *testing.T) {
	a, b := Pages(20), Pages(20)
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Source, b[i].Source) {
			t.Fatalf("page %d differs between calls", i)
		}
		if !bytes.HasPrefix(a[i].Source, []byte("---\ntitle: ")) {
			t.Fatalf("page %d has no front matter", i)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "content")
	if err := Write(dir, 5); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 5 || ents[0].Name() != "page-0001.md" {
		t.Fatalf("got %v", ents)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "page-0003.md"))
	if !bytes.Equal(got, Pages(5)[2].Source) {
		t.Error("written page differs from Pages")
	}
}
