package site

import (
	"os"
	"path/filepath"
	"testing"

	"podium/internal/synth"
)

// writeFiles writes name -> content under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// synthRoot writes a synthetic round under a fresh root.
func synthRoot(t testing.TB, sp synth.Spec) string {
	t.Helper()
	root := t.TempDir()
	if _, err := synth.Round(root, sp); err != nil {
		t.Fatal(err)
	}
	return root
}

func mustGenerate(t testing.TB, opts Options) *Site {
	t.Helper()
	s, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mustBuild builds the site of root into out.
func mustBuild(t testing.TB, root, out string) {
	t.Helper()
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
}
