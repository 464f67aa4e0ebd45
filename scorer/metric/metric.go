// Package metric holds the per-instance metrics HELM used in the 2023
// challenge, as pure functions, and Summarize, which turns per-instance
// records into a scenario's named results (accuracy, robustness and
// fairness worst cases, and the summarization bias metrics).
package metric

import "sort"

// Func scores one completion against the correct references: the maximum
// over refs, in [0, 1]. No refs scores 0.
type Func func(completion string, refs []string) float64

// The per-instance metrics, by name.
var funcs = map[string]Func{
	"exact_match":       maxOver(ExactMatch),
	"quasi_exact_match": maxOver(QuasiExactMatch),
	"f1":                maxOver(F1),
	"rouge_2":           maxOver(Rouge2),
	"rouge_l":           maxOver(RougeL),
	"gsm8k":             maxOver(GSM8K),
	"math_equiv":        maxOver(MathEquiv),
	"math_equiv_plain":  maxOver(MathEquivPlain),
}

// Lookup returns the metric called name.
func Lookup(name string) (Func, bool) {
	f, ok := funcs[name]
	return f, ok
}

// Names lists the per-instance metric names, sorted.
func Names() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// maxOver lifts a (gold, pred) metric to a Func over several golds.
func maxOver(f func(gold, pred string) float64) Func {
	return func(completion string, refs []string) float64 {
		best := 0.0
		for _, r := range refs {
			if v := f(r, completion); v > best {
				best = v
			}
		}
		return best
	}
}
