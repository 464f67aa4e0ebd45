package ranking

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"podium/result"
)

// syntheticRound makes a round of n submissions × m metrics in 10
// scenarios over 2 stages, with some ties and missing values.
func syntheticRound(n, m int) (*result.Round, []*result.Submission) {
	rng := rand.New(rand.NewPCG(7, 7))
	r := &result.Round{ID: "bench", Title: "bench", Rule: string(Final), Aggregation: Geometric,
		Tracks: []result.Track{{ID: "t"}}}
	const scenarios = 10
	for s := 0; s < scenarios; s++ {
		sc := result.Scenario{Name: fmt.Sprintf("s%d", s)}
		for k := s; k < m; k += scenarios {
			sc.Metrics = append(sc.Metrics, result.Metric{Name: fmt.Sprintf("m%d", k), LowerIsBetter: k%7 == 0})
		}
		r.Scenarios = append(r.Scenarios, sc)
	}
	r.Stages = []result.Stage{
		{Name: "open", Weight: 1. / 3, Scenarios: []string{"s0", "s1", "s2", "s3", "s4"}},
		{Name: "hidden", Weight: 2. / 3, Scenarios: []string{"s5", "s6", "s7", "s8", "s9"}},
	}
	subs := make([]*result.Submission, n)
	for i := range subs {
		s := &result.Submission{ID: fmt.Sprintf("sub%05d", i), Team: "team", Track: "t"}
		for _, sc := range r.Scenarios {
			sr := result.ScenarioResult{Name: sc.Name}
			for _, mt := range sc.Metrics {
				mv := result.MetricValue{Name: mt.Name}
				if rng.IntN(50) != 0 {
					v := float64(rng.IntN(1000)) / 1000 // ties
					mv.Value = &v
				}
				sr.Metrics = append(sr.Metrics, mv)
			}
			s.Scenarios = append(s.Scenarios, sr)
		}
		subs[i] = s
	}
	return r, subs
}

// BenchmarkRank10kx50 ranks 10,000 submissions × 50 metrics; the target
// is under 0.5 s an op on a 2-core machine.
func BenchmarkRank10kx50(b *testing.B) {
	r, subs := syntheticRound(10000, 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Rank(r, "t", subs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/0.5, "x-of-target")
}

func TestRankIndependentOfOrder(t *testing.T) {
	r, subs := syntheticRound(40, 12)
	a, err := Rank(r, "t", subs)
	if err != nil {
		t.Fatal(err)
	}
	rev := make([]*result.Submission, len(subs))
	for i, s := range subs {
		rev[len(subs)-1-i] = s
	}
	b, _ := Rank(r, "t", rev)
	for i := range a.Rows {
		if a.Rows[i].Submission.ID != b.Rows[i].Submission.ID || a.Rows[i].Score != b.Rows[i].Score {
			t.Fatalf("row %d differs: %s %v vs %s %v", i, a.Rows[i].Submission.ID, a.Rows[i].Score, b.Rows[i].Submission.ID, b.Rows[i].Score)
		}
	}
}
