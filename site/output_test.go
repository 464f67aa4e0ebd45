package site

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"podium/internal/synth"
)

// TestRebuildReusesUnchangedFiles: a rebuild leaves the files whose bytes
// did not change from the last build as they are, replaces the others
// with new files, and never writes into the last build's files (so a
// failed build leaves it whole).
func TestRebuildReusesUnchangedFiles(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 5, Scenarios: 3, Metrics: 4, Seed: 3})
	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n\nOne.\n"})
	out := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, out)
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
	mustBuild(t, root, out)
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
	mustBuild(t, root, out)
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
	// A rebuild where the page changed, and one where it did not, keep the
	// two addresses on one file.
	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n"})
	for range 2 {
		mustBuild(t, root, out)
		a, errA := os.Stat(filepath.Join(out, "rounds", "r1", "index.html"))
		b, errB := os.Stat(filepath.Join(out, "index.html"))
		if errA != nil || errB != nil || !os.SameFile(a, b) {
			t.Errorf("after a rebuild the round page and its root copy are two files (%v, %v)", errA, errB)
		}
	}
}

// entries lists every file and folder under dir, with the bytes of files.
func entries(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[filepath.ToSlash(rel)+"/"] = ""
			return nil
		}
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree fails unless got and want hold the same files and folders.
func sameTree(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[p]; !ok {
			t.Errorf("%s is missing", p)
		} else if g != want[p] {
			t.Errorf("%s differs", p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[p]; !ok {
			t.Errorf("%s should not be there", p)
		}
	}
}

// TestRebuildRemovesStale: a rebuild removes the pages the site no longer
// has, their folders, anything else put in the folder, and the temporary
// files of a build that was killed; the result is what a build into a new
// folder gives.
func TestRebuildRemovesStale(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 5})
	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n", "content/faq/index.md": "# FAQ\n"})
	out := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, out)
	writeTree(t, out, map[string]string{"junk.txt": "x", "old/deep/page.html": "x", "rules/.podium-new.index.html": "half"})
	if err := os.RemoveAll(filepath.Join(root, "content", "faq")); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, root, out)
	fresh := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, fresh)
	got := entries(t, out)
	if _, ok := got["faq/"]; ok {
		t.Error("the removed page's folder is still there")
	}
	sameTree(t, got, entries(t, fresh))
}

// TestFailedRebuildLeavesSite: a rebuild that fails once pages are written
// (here the secret-data guard refuses, at the very end) leaves the last
// site exactly as it was: no temporary file, no new folder.
func TestFailedRebuildLeavesSite(t *testing.T) {
	root, secret, _ := secretRoot(t)
	out := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, out)
	before := entries(t, out)
	path := filepath.Join(root, "results", "r1", "round.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	note, _ := json.Marshal("Example: " + secret[0])
	writeTree(t, root, map[string]string{
		"results/r1/round.toml": "note = " + string(note) + "\n" + string(data),
		"content/news/index.md": "# News\n",
		"content/rules.md":      "# Rules, changed\n",
	})
	if _, err := Build(Options{Root: root, Out: out}); err == nil || !strings.Contains(err.Error(), "refusing to publish secret data") {
		t.Fatalf("err = %v, want the secret guard's refusal", err)
	}
	sameTree(t, entries(t, out), before)
}

// TestRebuildOverConflict: where the last build has a folder at a file's
// path, or a file at a folder's, the site is written anew beside it.
func TestRebuildOverConflict(t *testing.T) {
	root := synthRoot(t, synth.Spec{Round: "r1", Tracks: 1, Submissions: 2, Scenarios: 2, Metrics: 2, Seed: 6})
	writeTree(t, root, map[string]string{"content/rules.md": "# Rules\n"})
	fresh := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, fresh)
	for name, spoil := range map[string]func(out string) error{
		"folder at a file": func(out string) error {
			p := filepath.Join(out, "404.html")
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.MkdirAll(filepath.Join(p, "x"), 0o755)
		},
		"file at a folder": func(out string) error {
			p := filepath.Join(out, "rules")
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			return os.WriteFile(p, []byte("x"), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			mustBuild(t, root, out)
			if err := spoil(out); err != nil {
				t.Fatal(err)
			}
			mustBuild(t, root, out)
			sameTree(t, entries(t, out), entries(t, fresh))
		})
	}
}

// TestRebuildNewCurrentRound: when a newer round arrives, a rebuild in
// place moves the root copies to it and drops the old round's, as a build
// into a new folder would; the root copies stay links to the round's files.
func TestRebuildNewCurrentRound(t *testing.T) {
	root := t.TempDir()
	if _, err := synth.Round(root, synth.Spec{Round: "r1", Start: "2023-01-01", Tracks: 1, Submissions: 3, Scenarios: 2, Metrics: 2, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, out)
	if _, err := synth.Round(root, synth.Spec{Round: "r2", Start: "2024-01-01", Tracks: 2, Submissions: 2, Scenarios: 3, Metrics: 3, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	mustBuild(t, root, out)
	fresh := filepath.Join(t.TempDir(), "public")
	mustBuild(t, root, fresh)
	sameTree(t, entries(t, out), entries(t, fresh))
	for _, p := range []string{"index.html", "tracks/track2/index.html"} {
		a, errA := os.Stat(filepath.Join(out, "rounds", "r2", filepath.FromSlash(p)))
		b, errB := os.Stat(filepath.Join(out, filepath.FromSlash(p)))
		if errA != nil || errB != nil || !os.SameFile(a, b) {
			t.Errorf("%s: the root copy is not the current round's file (%v, %v)", p, errA, errB)
		}
	}
}
