package helmimport

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	runs, err := Read("testdata/benchmark_output")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 8 {
		t.Fatalf("%d runs", len(runs))
	}
	scs, skipped, err := Convert(runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0], "boolq:") {
		t.Errorf("skipped %v", skipped)
	}
	got := map[string]float64{}
	lower := map[string]bool{}
	for _, sc := range scs {
		for _, mv := range sc.Metrics {
			got[sc.Name+" | "+mv.Name] = *mv.Value
			lower[mv.Name] = mv.LowerIsBetter
		}
	}
	want := map[string]float64{
		"MMLU | MMLU - EM":                                                0.7, // mean of the subject runs
		"MMLU | MMLU - EM (Robustness)":                                   0.6, // worst case, not the typos stat
		"MMLU | MMLU - EM (Fairness)":                                     0.5,
		"TruthfulQA | TruthfulQA - EM":                                    0.25, // valid split
		"TruthfulQA | TruthfulQA - EM (Fairness)":                         0.15,
		"MATH | MATH (chain-of-thoughts) - Equivalent (chain of thought)": 0.3,
		"MATH | MATH - Equivalent":                                        0.2,
		"ethics | ethics_justice - EM":                                    0.68,
		"ethics | ethics_justice - EM (Robustness)":                       0.645,
		"sam_sum | sam_sum - ROUGE-2":                                     0.127,
		"sam_sum | sam_sum - Stereotypes (race)":                          0.667,
		"sam_sum | sam_sum - Representation (gender)":                     0.0126,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || math.Abs(g-v) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if len(got) != 16 {
		t.Errorf("%d values: %v", len(got), got)
	}
	if !lower["sam_sum - Stereotypes (gender)"] || lower["sam_sum - ROUGE-2"] || lower["MMLU - EM"] {
		t.Error("lower_is_better is wrong")
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no stats.json") {
		t.Errorf("empty folder: %v", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "r"), 0o755)
	os.WriteFile(filepath.Join(dir, "r", "stats.json"), []byte("{not json"), 0o644)
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "r", "stats.json")) {
		t.Errorf("bad json: %v", err)
	}
}
