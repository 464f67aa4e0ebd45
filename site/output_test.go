package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/synth"
)

// TestRebuildReusesUnchangedFiles: a rebuild links the files whose bytes
// did not change from the last build, writes the others anew, and never
// writes into the last build's files (so a failed build leaves it whole).
func TestRebuildReusesUnchangedFiles(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 5, Scenarios: 3, Metrics: 4, Seed: 3})
	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n\nOne.\n"})
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
	stat := func(rel string) os.FileInfo {
		t.Helper()
		fi, err := os.Stat(filepath.Join(out, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	page := "rounds/r1/tracks/track1/submissions/sub-0001.html"
	rules := "rules/index.html"
	before := map[string]os.FileInfo{page: stat(page), rules: stat(rules)}
	oldRules, _ := os.ReadFile(filepath.Join(out, rules))

	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n\nTwo.\n"})
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before[page], stat(page)) {
		t.Error("an unchanged page was written again, not reused")
	}
	if os.SameFile(before[rules], stat(rules)) {
		t.Error("a changed page kept the last build's file")
	}
	if data, _ := os.ReadFile(filepath.Join(out, rules)); !strings.Contains(string(data), "Two.") {
		t.Errorf("the changed page holds %q", data)
	}
	if !strings.Contains(string(oldRules), "One.") {
		t.Errorf("the first build's page holds %q", oldRules)
	}

	// A build that fails leaves the last site as it was.
	last := readDir(t, out)
	writeTree(t, root, map[string]string{"results/r1/track1/sub-0002.toml": "id = \"sub-0002\"\nteam = \"x\"\ntrack = \"track1\"\ncolour = 1\n"})
	if _, err := Build(Options{Root: root, Out: out}); err == nil {
		t.Fatal("a bad results file built")
	}
	now := readDir(t, out)
	if len(now) != len(last) {
		t.Fatalf("%d files after the failed build, %d before", len(now), len(last))
	}
	for p, data := range last {
		if string(now[p]) != string(data) {
			t.Errorf("%s changed in a failed build", p)
		}
	}
}

// TestRootCopiesShareFiles: the current round's pages at the root are the
// same files as under rounds/<id>/.
func TestRootCopiesShareFiles(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 4})
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(Options{Root: root, Out: out}); err != nil {
		t.Fatal(err)
	}
	a, err := os.Stat(filepath.Join(out, "rounds", "r1", "tracks", "track1", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(filepath.Join(out, "tracks", "track1", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Size() != b.Size() || a.Size() == 0 {
		t.Fatalf("sizes %d and %d", a.Size(), b.Size())
	}
	if !os.SameFile(a, b) {
		t.Error("the root copy was written again, not linked")
	}
}
