package ranking

import (
	"fmt"
	"math"
	"sort"

	"podium/result"
)

// Board is one track's ranking in one round.
type Board struct {
	Round       *result.Round
	Track       string
	Rule        Rule
	Aggregation string
	Metrics     []MetricRef // every ranked metric, in round order
	Rows        []Row       // in rank order
}

// MetricRef names one ranked metric of a round.
type MetricRef struct {
	Scenario, Name string
	LowerIsBetter  bool
}

// Row is one submission's place on a board.
type Row struct {
	Rank       int // competition ranking: equal scores share a rank
	Submission *result.Submission
	Score      float64
	Stages     map[string]float64 // stage name -> stage score
	Scenarios  map[string]float64 // scenario name -> mean win rate
	WinRates   []float64          // win rate of each of Board.Metrics
}

// Rank ranks the submissions of one track by the round's rules. The order
// of subs does not matter: ties in score are ordered by submission ID.
func Rank(round *result.Round, track string, subs []*result.Submission) (*Board, error) {
	if err := Check(round); err != nil {
		return nil, err
	}
	rule := Rule(round.Rule)
	agg := round.Aggregation
	if agg == "" {
		agg = Geometric
	}
	b := &Board{Round: round, Track: track, Rule: rule, Aggregation: agg}
	// Index every metric column, then fill the columns in one pass.
	index := map[string]map[string]int{}
	for _, sc := range round.Scenarios {
		index[sc.Name] = map[string]int{}
		for _, m := range sc.Metrics {
			index[sc.Name][m.Name] = len(b.Metrics)
			b.Metrics = append(b.Metrics, MetricRef{Scenario: sc.Name, Name: m.Name, LowerIsBetter: m.LowerIsBetter})
		}
	}
	n, nm := len(subs), len(b.Metrics)
	cols := make([][]float64, nm)
	for k := range cols {
		cols[k] = make([]float64, n)
		for i := range cols[k] {
			cols[k][i] = Missing
		}
	}
	for i, s := range subs {
		for _, sc := range s.Scenarios {
			byName := index[sc.Name]
			for _, mv := range sc.Metrics {
				if k, ok := byName[mv.Name]; ok && mv.Value != nil {
					cols[k][i] = *mv.Value
				}
			}
		}
	}
	rates := make([]float64, n*nm) // row-major: rates[i*nm+k]
	for k, m := range b.Metrics {
		wr, err := WinRates(rule, cols[k], m.LowerIsBetter)
		if err != nil {
			return nil, err
		}
		for i, w := range wr {
			rates[i*nm+k] = w
		}
	}
	rows := make([]Row, n)
	for i, s := range subs {
		rows[i] = Row{Submission: s, Stages: make(map[string]float64, len(round.Stages)),
			Scenarios: make(map[string]float64, len(round.Scenarios)), WinRates: rates[i*nm : (i+1)*nm : (i+1)*nm]}
		k := 0
		for _, sc := range round.Scenarios {
			rows[i].Scenarios[sc.Name] = mean(rows[i].WinRates[k : k+len(sc.Metrics)])
			k += len(sc.Metrics)
		}
	}
	for i := range rows {
		var total float64
		for _, st := range round.Stages {
			xs := make([]float64, len(st.Scenarios))
			for k, name := range st.Scenarios {
				xs[k] = rows[i].Scenarios[name]
			}
			s, err := aggregate(agg, xs)
			if err != nil {
				return nil, err
			}
			rows[i].Stages[st.Name] = s
			total += st.Weight * s
		}
		rows[i].Score = total
	}
	sort.SliceStable(rows, func(a, c int) bool {
		sa, sc := rows[a].Score, rows[c].Score
		if sa != sc && !(math.IsNaN(sa) && math.IsNaN(sc)) {
			if math.IsNaN(sa) {
				return false
			}
			if math.IsNaN(sc) {
				return true
			}
			return sa > sc
		}
		return rows[a].Submission.ID < rows[c].Submission.ID
	})
	for i := range rows {
		rows[i].Rank = i + 1
		if i > 0 && rows[i].Score == rows[i-1].Score {
			rows[i].Rank = rows[i-1].Rank
		}
	}
	b.Rows = rows
	return b, nil
}

// Formula describes how the board's score is computed, for readers.
func (b *Board) Formula() string {
	s := fmt.Sprintf("%s; scenario = mean of its metrics' win rates; stage = %s mean of its scenarios", Rules[b.Rule], b.Aggregation)
	if b.Aggregation == Geometric {
		s += " (0 replaced by the smallest positive float64)"
	}
	return s + "; score = Σ weight × stage"
}
