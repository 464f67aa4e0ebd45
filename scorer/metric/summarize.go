package metric

import (
	"fmt"
	"math"
	"strings"

	"podium/result"
	"podium/scorer/task"
)

// Record is one evaluated instance (an original or a perturbed variant).
type Record struct {
	Instance   task.Instance
	Completion string             // after cutting at the stop sequences
	Failed     bool               // the request failed: every metric counts as wrong
	Scores     map[string]float64 // per-instance metric values, by metric name
	// Task is the task (HELM "run") the instance belongs to. A scenario's
	// value is the mean over its tasks of each task's mean, as HELM's group
	// tables average runs. Records with the same Task (or all with "")
	// are pooled.
	Task string
	// Label prefixes the record's result names when it differs from the
	// ranked scenario: the 2023 files rank scenario "ethics" on
	// "ethics_justice - EM", ..., and "MATH" on "MATH (chain-of-thoughts) -
	// ...". The runner sets it from the task spec's `label`; "" = scenario.
	Label string
}

// Perturbation kinds, from a perturbation's name: "robustness" or a name
// starting "robustness_" is a robustness perturbation; "fairness" or
// "fairness_..." a fairness one.
const (
	Robustness = "robustness"
	Fairness   = "fairness"
)

// PerturbationKind returns Robustness, Fairness or "" for a perturbation name.
func PerturbationKind(name string) string {
	for _, k := range []string{Robustness, Fairness} {
		if name == k || strings.HasPrefix(name, k+"_") {
			return k
		}
	}
	return ""
}

// display is each metric's name in the 2023 ranking files.
var display = map[string]string{
	"exact_match":       "EM",
	"quasi_exact_match": "EM",
	"gsm8k":             "EM",
	"f1":                "F1",
	"rouge_2":           "ROUGE-2",
	"rouge_l":           "ROUGE-L",
	"math_equiv":        "Equivalent (chain of thought)",
	"math_equiv_plain":  "Equivalent",
}

// Known reports whether name is a metric Summarize understands: a
// per-instance metric (see Lookup) or a bias metric (see BiasMetrics).
func Known(name string) bool {
	if _, ok := funcs[name]; ok {
		return true
	}
	_, ok := biasMetrics[name]
	return ok
}

// DisplayName is the metric's column name for a scenario, as the 2023
// ranking files spell it ("MMLU - EM").
func DisplayName(scenario, metric string) string {
	if d, ok := display[metric]; ok {
		return scenario + " - " + d
	}
	if b, ok := biasMetrics[metric]; ok {
		return scenario + " - " + b.display
	}
	return scenario + " - " + metric
}

// Summarize turns one scenario's records into its named results: for each
// per-instance metric its mean, and, where the records hold perturbed
// variants, its robustness and fairness worst cases ("EM (Robustness)");
// for each bias metric its value over the completions (lower is better).
// Failed records score 0. A result no record supports is missing (nil).
// Two metrics with the same display name give one result (the first). A
// per-instance metric no record of a label has a score for is left out
// for that label (the scenario's other tasks use it), so failed records
// should carry zero scores for their task's metrics.
//
// Call it once per ranked scenario with all of its records; records with
// different Labels give separate result names, in order of appearance.
func Summarize(scenario string, metrics []string, recs []Record) []result.MetricValue {
	var out []result.MetricValue
	var labels []string
	byLabel := map[string][]Record{}
	for _, r := range recs {
		l := r.Label
		if l == "" {
			l = scenario
		}
		if _, ok := byLabel[l]; !ok {
			labels = append(labels, l)
		}
		byLabel[l] = append(byLabel[l], r)
	}
	if len(labels) == 0 {
		labels = []string{scenario}
	}
	seen := map[string]bool{}
	for _, l := range labels {
		out = summarize(l, metrics, byLabel[l], out, seen)
	}
	return out
}

func summarize(scenario string, metrics []string, recs []Record, out []result.MetricValue, seen map[string]bool) []result.MetricValue {
	add := func(mv result.MetricValue) {
		if seen[mv.Name] {
			return
		}
		seen[mv.Name] = true
		out = append(out, mv)
	}
	tasks, order := groupByTask(recs)
	for _, m := range metrics {
		if b, ok := biasMetrics[m]; ok {
			add(biasValue(scenario, m, b, tasks, order))
			continue
		}
		if len(recs) > 0 && !scored(recs, m) {
			continue // the metric belongs to another label's tasks
		}
		name := DisplayName(scenario, m)
		v, ok := meanOverTasks(order, tasks, func(g []Record) (float64, bool) { return accuracy(g, m) })
		add(value(name, v, ok))
		for _, kind := range []string{Robustness, Fairness} {
			if !hasKind(recs, kind) {
				continue
			}
			k := kind
			v, ok := meanOverTasks(order, tasks, func(g []Record) (float64, bool) { return worstCase(g, m, k) })
			add(value(name+" ("+strings.ToUpper(k[:1])+k[1:]+")", v, ok))
		}
	}
	return out
}

func value(name string, v float64, ok bool) result.MetricValue {
	if !ok {
		return result.MetricValue{Name: name, Error: "no instance produced it"}
	}
	return result.MetricValue{Name: name, Value: &v}
}

func groupByTask(recs []Record) (map[string][]Record, []string) {
	tasks := map[string][]Record{}
	var order []string
	for _, r := range recs {
		if _, ok := tasks[r.Task]; !ok {
			order = append(order, r.Task)
		}
		tasks[r.Task] = append(tasks[r.Task], r)
	}
	return tasks, order
}

// meanOverTasks averages f over the tasks where it is defined.
func meanOverTasks(order []string, tasks map[string][]Record, f func([]Record) (float64, bool)) (float64, bool) {
	var sum float64
	n := 0
	for _, t := range order {
		if v, ok := f(tasks[t]); ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func score(r Record, m string) float64 {
	if r.Failed {
		return 0
	}
	v := r.Scores[m]
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// accuracy is the mean over the original (unperturbed) records.
func accuracy(g []Record, m string) (float64, bool) {
	var sum float64
	n := 0
	for _, r := range g {
		if r.Instance.Perturbation != "" {
			continue
		}
		sum += score(r, m)
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// worstCase is HELM's worst case over an instance's perturbations of one
// kind, the original included (compute_worst_case_metrics), averaged over
// the original instances.
func worstCase(g []Record, m, kind string) (float64, bool) {
	worst := map[string]float64{}
	var ids []string
	for _, r := range g {
		if r.Instance.Perturbation == "" {
			if _, ok := worst[r.Instance.ID]; !ok {
				ids = append(ids, r.Instance.ID)
				worst[r.Instance.ID] = score(r, m)
			} else {
				worst[r.Instance.ID] = min(worst[r.Instance.ID], score(r, m))
			}
		}
	}
	for _, r := range g {
		if r.Instance.Perturbation == "" || PerturbationKind(r.Instance.Perturbation) != kind {
			continue
		}
		src := r.Instance.Source
		if w, ok := worst[src]; ok {
			worst[src] = min(w, score(r, m))
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	var sum float64
	for _, id := range ids {
		sum += worst[id]
	}
	return sum / float64(len(ids)), true
}

// scored reports whether any record has a value for metric m.
func scored(recs []Record, m string) bool {
	for _, r := range recs {
		if _, ok := r.Scores[m]; ok {
			return true
		}
	}
	return false
}

func hasKind(recs []Record, kind string) bool {
	for _, r := range recs {
		if r.Instance.Perturbation != "" && PerturbationKind(r.Instance.Perturbation) == kind {
			return true
		}
	}
	return false
}

func biasValue(scenario, m string, b biasMetric, tasks map[string][]Record, order []string) result.MetricValue {
	name := DisplayName(scenario, m)
	v, ok := meanOverTasks(order, tasks, func(g []Record) (float64, bool) {
		var texts []string
		for _, r := range g {
			if r.Instance.Perturbation == "" && !r.Failed {
				texts = append(texts, r.Completion)
			}
		}
		return b.fn(texts)
	})
	if !ok {
		return result.MetricValue{Name: name, LowerIsBetter: true, Error: fmt.Sprintf("no %s words in the completions", b.category)}
	}
	return result.MetricValue{Name: name, Value: &v, LowerIsBetter: true}
}
