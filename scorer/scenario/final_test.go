package scenario

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"podium/internal/sharedtest"
	"podium/ranking"
	"podium/result"
	"podium/scorer/client"
	"podium/scorer/neurips2023"
	"podium/scorer/runner"
	"podium/scorer/simulate"
)

// A submission scored on the neurips2023-final suite ranks under the 2023
// final round, as imported from the organizers' file, with no mapping by
// hand: every scenario and metric name it writes is one the round ranks.
func TestFinalSuiteRanksUnderFinalRound(t *testing.T) {
	ref := filepath.Join(sharedtest.Dir(t, "reference", "neurips2023"), "4090_full_ranks_final_round.json")
	root := t.TempDir()
	if _, err := neurips2023.Import(ref, neurips2023.Final, "final", "4090", root); err != nil {
		t.Fatal(err)
	}
	dir := data(t)
	_, tasks, _ := buildAvailable(t, "neurips2023-final", 700, dir)
	sim, err := simulate.New(tasks, simulate.Options{Accuracy: 0.7, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	c, _ := client.New(srv.URL, client.Options{})
	rep, err := runner.Run(context.Background(), tasks, runner.Options{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Write(runner.Meta{Root: root, Round: "final", Track: "4090", Submission: "podium-sim", Team: "sim", Suite: "neurips2023-final"}, client.Challenge); err != nil {
		t.Fatal(err)
	}
	r, err := result.LoadRound(root, "final")
	if err != nil {
		t.Fatal(err)
	}
	var sim2 *result.Submission
	for _, s := range r.Results["4090"] {
		if s.ID == "podium-sim" {
			sim2 = s
		}
	}
	if sim2 == nil {
		t.Fatal("the scored submission did not load with the round")
	}
	ranked := map[string]bool{}
	for _, sc := range r.Scenarios {
		for _, m := range sc.Metrics {
			ranked[sc.Name+" / "+m.Name] = true
		}
	}
	for _, sc := range sim2.Scenarios {
		for _, mv := range sc.Metrics {
			if !ranked[sc.Name+" / "+mv.Name] && mv.Name != "MATH - Equivalent" { // the unranked non-CoT MATH runs
				t.Errorf("%s / %s is not a metric of the final round", sc.Name, mv.Name)
			}
		}
	}
	b, err := ranking.Rank(r, "4090", r.Results["4090"])
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range b.Rows {
		if row.Submission.ID == "podium-sim" {
			found = true
			for _, name := range []string{"MMLU", "TruthfulQA", "BIG-bench", "GSM8K", "BBQ", "ethics", "MATH"} {
				if _, ok := row.Scenarios[name]; !ok {
					t.Errorf("no win rate for %s", name)
				}
			}
		}
	}
	if !found {
		t.Error("the scored submission is not on the board")
	}
}
