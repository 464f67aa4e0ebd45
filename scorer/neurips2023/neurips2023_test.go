package neurips2023

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
	"podium/ranking"
	"podium/result"
)

// importAndRank imports a file into a fresh root and ranks its track.
func importAndRank(t *testing.T, file, kind string) (*File, *ranking.Board) {
	t.Helper()
	root := t.TempDir()
	if _, err := Import(file, kind, "r", "4090", root); err != nil {
		t.Fatal(err)
	}
	r, err := result.LoadRound(root, "r")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ranking.Rank(r, "4090", r.Results["4090"])
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	return f, b
}

// checkPublished compares every published score and mean win rate, and the
// order, with the board.
func checkPublished(t *testing.T, f *File, b *ranking.Board, stageKeys map[string]string, scoreKey string) {
	t.Helper()
	if len(b.Rows) != len(f.Entries) {
		t.Fatalf("board has %d rows, file %d", len(b.Rows), len(f.Entries))
	}
	const tol = 1e-9
	near := func(what string, got float64, want *float64) {
		t.Helper()
		// Absolute, and relative too: some stage scores are near 1e-66.
		if want == nil || math.Abs(got-*want) > tol || (*want != 0 && math.Abs(got-*want) > tol*math.Abs(*want)) {
			t.Errorf("%s = %.17g, published %v", what, got, deref(want))
		}
	}
	for i, e := range f.Entries {
		row := b.Rows[i]
		if row.Submission.ID != e.ID {
			t.Errorf("rank %d: %s, published %s", i+1, row.Submission.ID, e.ID)
			continue
		}
		near(e.ID+" score", row.Score, e.Values[scoreKey])
		for stage, key := range stageKeys {
			near(e.ID+" stage "+stage, row.Stages[stage], e.Values[key])
		}
		for _, k := range e.Keys {
			if name, ok := strings.CutSuffix(k, winRateSuffix); ok {
				near(e.ID+" "+k, row.Scenarios[name], e.Values[k])
			}
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFinalRoundReproduced(t *testing.T) {
	file := filepath.Join(sharedtest.Dir(t, "reference", "neurips2023"), "4090_full_ranks_final_round.json")
	f, b := importAndRank(t, file, Final)
	checkPublished(t, f, b, map[string]string{"open": "Score_open", "hidden": "Score_hidden"}, "Score_full")
}

func TestHiddenRoundReproduced(t *testing.T) {
	file := filepath.Join(sharedtest.Dir(t, "reference", "neurips2023"), "4090_hidden_round_rank.json")
	f, b := importAndRank(t, file, Hidden)
	checkPublished(t, f, b, map[string]string{"hidden": "Score"}, "Score")
}

func TestOpenRoundImports(t *testing.T) {
	file := filepath.Join(sharedtest.Dir(t, "reference", "neurips2023"), "4090_open_round_rank.json")
	f, b := importAndRank(t, file, Open)
	if len(b.Rows) != len(f.Entries) || len(f.Entries) != 57 {
		t.Fatalf("got %d rows from %d entries", len(b.Rows), len(f.Entries))
	}
	if b.Round.Note == "" {
		t.Error("the open round must say its scores are approximate")
	}
}

func TestImportBadInputWritesNothing(t *testing.T) {
	cases := map[string]string{
		"truncated":   `[["a_x", {"M - EM": 0.5, "M Mean Win Rate"`,
		"not array":   `{"a": 1}`,
		"string":      `[["a_x", {"M - EM": "high", "M Mean Win Rate": 1, "Score": 1}]]`,
		"bad id":      `[["../evil", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}]]`,
		"other keys":  `[["a_x", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}], ["b_y", {"N - EM": 0.5, "N Mean Win Rate": 1, "Score": 1}]]`,
		"duplicate":   `[["a_x", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}], ["a_x", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}]]`,
		"final needs": `[["a_x", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}]]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "in.json")
			os.WriteFile(file, []byte(body), 0o644)
			root := filepath.Join(dir, "root")
			_, err := Import(file, Final, "r", "4090", root)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file", err)
			}
			if _, statErr := os.Stat(root); !os.IsNotExist(statErr) {
				t.Errorf("something was written under %s", root)
			}
		})
	}
}

func TestImportIntoExistingRound(t *testing.T) {
	root := t.TempDir()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	os.WriteFile(a, []byte(`[["a_x", {"M - EM": 0.5, "M Mean Win Rate": 1, "Score": 1}]]`), 0o644)
	if _, err := Import(a, Hidden, "r", "t1", root); err != nil {
		t.Fatal(err)
	}
	// The same round, another track the round does not have.
	if _, err := Import(a, Hidden, "r", "t2", root); err == nil || !strings.Contains(err.Error(), `unknown track "t2"`) {
		t.Fatalf("err = %v, want unknown track", err)
	}
	b := filepath.Join(dir, "b.json")
	os.WriteFile(b, []byte(`[["b_y", {"M - EM": null, "M Mean Win Rate": 0, "Score": 0}]]`), 0o644)
	if _, err := Import(b, Hidden, "r", "t1", root); err != nil {
		t.Fatal(err)
	}
	r, err := result.LoadRound(root, "r")
	if err != nil {
		t.Fatal(err)
	}
	subs := r.Results["t1"]
	if len(subs) != 2 || subs[1].ID != "b_y" || subs[1].Scenarios[0].Metrics[0].Value != nil {
		t.Fatalf("a null value must load as missing: %+v", subs)
	}
}
