// Package synth writes synthetic rounds of results and markdown corpora,
// for tests and benchmarks of the site build. Everything it writes is
// deterministic: the same arguments give the same bytes.
package synth

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"podium/result"
)

// Spec sizes a synthetic round.
type Spec struct {
	Round       string // round ID
	Title       string
	Start, End  string
	Tracks      int // tracks, each with Submissions submissions
	Submissions int
	Scenarios   int // scenarios, split in two stages
	Metrics     int // metrics in all, spread over the scenarios
	Secret      int // the last Secret scenarios are secret holdouts
	Missing     float64
	Seed        uint64
	// Team names submission i of a track; default "Team <i>".
	Team func(track, i int) string
}

// Round writes results/<Round>/round.toml and every submission's results
// under root, and returns the round's definition.
func Round(root string, sp Spec) (*result.Round, error) {
	if sp.Scenarios <= 0 || sp.Metrics < sp.Scenarios || sp.Tracks <= 0 {
		return nil, fmt.Errorf("synth: want tracks > 0 and metrics >= scenarios > 0")
	}
	rng := rand.New(rand.NewPCG(sp.Seed, 2023))
	r := &result.Round{
		ID: sp.Round, Title: sp.Title, Start: sp.Start, End: sp.End,
		Rule: "neurips2023-final", Aggregation: "geometric",
	}
	if r.Title == "" {
		r.Title = "Synthetic round " + sp.Round
	}
	for t := 0; t < sp.Tracks; t++ {
		r.Tracks = append(r.Tracks, result.Track{ID: fmt.Sprintf("track%d", t+1), Name: fmt.Sprintf("Track %d", t+1)})
	}
	for s := 0; s < sp.Scenarios; s++ {
		sc := result.Scenario{Name: fmt.Sprintf("scenario_%02d", s+1), Description: fmt.Sprintf("Synthetic scenario %d.", s+1)}
		sc.Secret = s >= sp.Scenarios-sp.Secret
		r.Scenarios = append(r.Scenarios, sc)
	}
	for m := 0; m < sp.Metrics; m++ {
		s := m % sp.Scenarios
		r.Scenarios[s].Metrics = append(r.Scenarios[s].Metrics, result.Metric{
			Name: fmt.Sprintf("metric_%02d", m+1), LowerIsBetter: m%7 == 6,
		})
	}
	half := (sp.Scenarios + 1) / 2
	open := result.Stage{Name: "open", Weight: 1.0 / 3}
	hidden := result.Stage{Name: "hidden", Weight: 2.0 / 3}
	for i, sc := range r.Scenarios {
		if i < half {
			open.Scenarios = append(open.Scenarios, sc.Name)
		} else {
			hidden.Scenarios = append(hidden.Scenarios, sc.Name)
		}
	}
	r.Stages = []result.Stage{open}
	if len(hidden.Scenarios) > 0 {
		r.Stages = append(r.Stages, hidden)
	} else {
		r.Stages[0].Weight = 1
	}
	dir := filepath.Join(root, "results", sp.Round)
	if err := write(filepath.Join(dir, result.RoundFile), r); err != nil {
		return nil, err
	}
	for t, tr := range r.Tracks {
		for i := 0; i < sp.Submissions; i++ {
			team := fmt.Sprintf("Team %d", i+1)
			if sp.Team != nil {
				team = sp.Team(t, i)
			}
			s := &result.Submission{
				ID: fmt.Sprintf("sub-%04d", i+1), Team: team, Track: tr.ID,
				BaseModel: []string{"Llama 2 7B", "Mistral 7B", "Qwen 14B", "Falcon 7B"}[i%4],
			}
			if i%3 == 0 {
				s.Description = fmt.Sprintf("Submission %d: *LoRA* on open data, see [the recipe](https://example.org/recipe-%d).", i+1, i+1)
			}
			skill := rng.Float64()
			for _, sc := range r.Scenarios {
				sr := result.ScenarioResult{Name: sc.Name}
				for _, m := range sc.Metrics {
					mv := result.MetricValue{Name: m.Name, LowerIsBetter: m.LowerIsBetter}
					if rng.Float64() >= sp.Missing {
						v := float64(int((0.6*skill+0.4*rng.Float64())*1e4)) / 1e4
						if m.LowerIsBetter {
							v = 1 - v
						}
						mv.Value = &v
					} else {
						mv.Error = "timeout"
					}
					sr.Metrics = append(sr.Metrics, mv)
				}
				s.Scenarios = append(s.Scenarios, sr)
			}
			if err := write(filepath.Join(dir, tr.ID, s.ID+".toml"), s); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// write encodes v as TOML (test data: no fsync).
func write(path string, v any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
