// Package ranking turns raw metric values into win rates, stage scores and
// a ranked board, by the rules a round names.
package ranking

import (
	"fmt"
	"math"
	"slices"
)

// Rule names a win-rate rule.
type Rule string

// The win-rate rules a round can name.
const (
	// Final is the rule of the 2023 final round: missing values count as the
	// worst possible; the c submissions sharing a value split one win among
	// them (1/c each, none when c is 1); win rate = wins / N.
	Final Rule = "neurips2023-final"
	// Hidden is the rule of the 2023 hidden round: as Final, but each of the
	// c tied submissions gets (c-1)/c.
	Hidden Rule = "neurips2023-hidden"
	// HELM is HELM's mean win rate: missing values are skipped, a tie counts
	// half, wins are divided by N-1, and columns with fewer than 2 values
	// are skipped.
	HELM Rule = "helm"
)

// Rules lists the known rules with their formulas, for docs and boards.
var Rules = map[Rule]string{
	Final:  "win rate = (others beaten + 1/c if c > 1) / N, c = submissions sharing the value; missing = worst",
	Hidden: "win rate = (others beaten + (c-1)/c) / N, c = submissions sharing the value; missing = worst",
	HELM:   "win rate = (others beaten + ½ · others tied) / (n-1) over the n submissions with a value; missing skipped",
}

// Valid reports whether r is a known rule.
func (r Rule) Valid() bool { _, ok := Rules[r]; return ok }

// Missing marks a missing value in a column.
var Missing = math.NaN()

// worst values stand in for missing ones under the 2023 rules.
const (
	worstHigher = 0
	worstLower  = 1000
)

// WinRates returns each submission's win rate on one metric column. A NaN
// value is missing. Under HELM's rule a missing value gets a NaN win rate
// (to be skipped by the mean), as does every value of a column with fewer
// than 2 values.
func WinRates(rule Rule, col []float64, lowerIsBetter bool) ([]float64, error) {
	if !rule.Valid() {
		return nil, fmt.Errorf("unknown win-rate rule %q", rule)
	}
	n := len(col)
	out := make([]float64, n)
	// in holds the submissions that take part, sorted from worst to best.
	type entry struct {
		v float64 // higher is better
		i int
	}
	in := make([]entry, 0, n)
	for i, v := range col {
		if math.IsNaN(v) {
			if rule == HELM {
				out[i] = math.NaN()
				continue
			}
			v = worstHigher
			if lowerIsBetter {
				v = worstLower
			}
		}
		if lowerIsBetter {
			v = -v // so that higher is always better below
		}
		in = append(in, entry{v, i})
	}
	m := len(in)
	if rule == HELM && m < 2 {
		for _, e := range in {
			out[e.i] = math.NaN()
		}
		return out, nil
	}
	slices.SortFunc(in, func(a, b entry) int { // no NaN is left
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	for lo := 0; lo < m; {
		hi := lo + 1
		for hi < m && in[hi].v == in[lo].v {
			hi++
		}
		beaten := float64(lo) // everyone below this group
		c := float64(hi - lo)
		var w float64
		switch rule {
		case Final:
			w = beaten
			if c > 1 {
				w += 1 / c
			}
			w /= float64(n)
		case Hidden:
			w = (beaten + (c-1)/c) / float64(n)
		case HELM:
			w = (beaten + 0.5*(c-1)) / float64(m-1)
		}
		for _, e := range in[lo:hi] {
			out[e.i] = w
		}
		lo = hi
	}
	return out, nil
}

// mean is the arithmetic mean of the non-NaN values, NaN when there are none.
func mean(xs []float64) float64 {
	var s float64
	var k int
	for _, x := range xs {
		if !math.IsNaN(x) {
			s += x
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// smallest stands in for a zero inside a geometric mean.
const smallest = 5e-324 // math.SmallestNonzeroFloat64

// geoMean is the geometric mean of xs, with any 0 (or missing value)
// replaced by the smallest positive float64, computed in log space.
func geoMean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		if math.IsNaN(x) || x <= 0 {
			x = smallest
		}
		s += logFull(x)
	}
	return math.Exp(s / float64(len(xs)))
}

// logFull is the natural log, exact for subnormal x too (math.Log is not
// on every platform).
func logFull(x float64) float64 {
	frac, exp := math.Frexp(x)
	return math.Log(frac) + float64(exp)*math.Ln2
}

// Aggregations a round can name for combining scenario scores in a stage.
const (
	Geometric  = "geometric"
	Arithmetic = "arithmetic"
)

func aggregate(name string, xs []float64) (float64, error) {
	switch name {
	case Geometric, "":
		return geoMean(xs), nil
	case Arithmetic:
		return mean(xs), nil
	}
	return 0, fmt.Errorf("unknown aggregation %q (want %q or %q)", name, Geometric, Arithmetic)
}
