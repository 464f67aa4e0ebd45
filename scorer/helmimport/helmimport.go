// Package helmimport reads a HELM benchmark output folder (one run folder
// per run spec, each with stats.json and run_spec.json) and turns the runs
// of the 2023 challenge's scenarios into Podium results, named as the 2023
// ranking files name them.
package helmimport

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"podium/result"
)

// Stat is one entry of a HELM stats.json.
type Stat struct {
	Name  StatName `json:"name"`
	Count int      `json:"count"`
	Sum   float64  `json:"sum"`
	Mean  *float64 `json:"mean"`
}

// StatName names a stat: the metric, the split and any perturbation.
type StatName struct {
	Name         string        `json:"name"`
	Split        string        `json:"split"`
	SubSplit     string        `json:"sub_split"`
	Perturbation *Perturbation `json:"perturbation"`
}

// Perturbation is a stat's perturbation; worst-case stats have computed_on
// "worst".
type Perturbation struct {
	Name       string `json:"name"`
	Robustness bool   `json:"robustness"`
	Fairness   bool   `json:"fairness"`
	ComputedOn string `json:"computed_on"`
}

// Run is one run folder.
type Run struct {
	Name  string // the run spec's name, e.g. "mmlu:subject=anatomy,..."
	Dir   string
	Stats []Stat
}

// Read finds every stats.json under dir, in path order, with its run's
// name from run_spec.json (the folder's name when there is none).
func Read(dir string) ([]Run, error) {
	var runs []Run
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != "stats.json" {
			return nil
		}
		run := Run{Dir: filepath.Dir(p), Name: filepath.Base(filepath.Dir(p))}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &run.Stats); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if spec, err := os.ReadFile(filepath.Join(run.Dir, "run_spec.json")); err == nil {
			var rs struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(spec, &rs); err != nil {
				return fmt.Errorf("%s: %w", filepath.Join(run.Dir, "run_spec.json"), err)
			}
			if rs.Name != "" {
				run.Name = rs.Name
			}
		}
		runs = append(runs, run)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: no stats.json found (want a HELM benchmark_output folder)", dir)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Dir < runs[j].Dir })
	return runs, nil
}

// scenarioOf maps a run spec's scenario to the ranked scenario, the
// prefix of its result names, and the HELM stats ranked, with their names.
func scenarioOf(run string) (scenario, label string, metrics [][2]string, ok bool) {
	head, args, _ := strings.Cut(run, ":")
	em := [][2]string{{"exact_match", "EM"}}
	bias := [][2]string{
		{"rouge_2", "ROUGE-2"},
		{"bias_metric:mode=associations,demographic_category=race,target_category=profession", "Stereotypes (race)"},
		{"bias_metric:mode=associations,demographic_category=gender,target_category=profession", "Stereotypes (gender)"},
		{"bias_metric:mode=representation,demographic_category=race", "Representation (race)"},
		{"bias_metric:mode=representation,demographic_category=gender", "Representation (gender)"},
	}
	switch head {
	case "mmlu":
		return "MMLU", "MMLU", em, true
	case "truthful_qa":
		return "TruthfulQA", "TruthfulQA", em, true
	case "big_bench":
		return "BIG-bench", "BIG-bench", em, true
	case "gsm":
		return "GSM8K", "GSM8K", [][2]string{{"exact_match_indicator", "EM"}}, true
	case "bbq":
		return "BBQ", "BBQ", [][2]string{{"quasi_exact_match", "EM"}}, true
	case "summarization_cnndm":
		return "CNN/DailyMail", "CNN/DailyMail", bias, true
	case "sam_sum":
		return "sam_sum", "sam_sum", bias, true
	case "corr2cause":
		return "corr2cause", "corr2cause", em, true
	case "math":
		if strings.Contains(args, "use_chain_of_thought=True") {
			return "MATH", "MATH (chain-of-thoughts)", [][2]string{{"math_equiv_chain_of_thought", "Equivalent (chain of thought)"}}, true
		}
		return "MATH", "MATH", [][2]string{{"math_equiv", "Equivalent"}}, true
	}
	if strings.HasPrefix(head, "ethics_") {
		return "ethics", head, em, true
	}
	return "", "", nil, false
}

// Convert turns runs into scenario results: each metric is the mean over
// the label's runs of the run's mean on its evaluation split (test, else
// valid), as HELM's group tables average runs; "EM (Robustness)" and "EM
// (Fairness)" come from HELM's worst-case stats. Runs of other scenarios
// are reported in skipped.
func Convert(runs []Run) (scenarios []result.ScenarioResult, skipped []string, err error) {
	type acc struct {
		sum   float64
		n     int
		lower bool
	}
	values := map[string]map[string]*acc{} // scenario -> result name -> values
	var scOrder []string
	names := map[string][]string{}
	for _, run := range runs {
		sc, label, metrics, ok := scenarioOf(run.Name)
		if !ok {
			skipped = append(skipped, run.Name)
			continue
		}
		if values[sc] == nil {
			values[sc] = map[string]*acc{}
			scOrder = append(scOrder, sc)
		}
		split := evalSplit(run.Stats)
		for _, m := range metrics {
			lower := strings.HasPrefix(m[0], "bias_metric")
			variants := [][2]string{{"", ""}}
			if !lower {
				variants = append(variants, [2]string{"robustness", " (Robustness)"}, [2]string{"fairness", " (Fairness)"})
			}
			for _, v := range variants {
				st, ok := find(run.Stats, m[0], split, v[0])
				if !ok {
					continue
				}
				name := label + " - " + m[1] + v[1]
				a := values[sc][name]
				if a == nil {
					a = &acc{lower: lower}
					values[sc][name] = a
					names[sc] = append(names[sc], name)
				}
				a.sum += st
				a.n++
			}
		}
	}
	for _, sc := range scOrder {
		sr := result.ScenarioResult{Name: sc}
		for _, name := range names[sc] {
			a := values[sc][name]
			v := a.sum / float64(a.n)
			sr.Metrics = append(sr.Metrics, result.MetricValue{Name: name, Value: &v, LowerIsBetter: a.lower})
		}
		scenarios = append(scenarios, sr)
	}
	if len(scenarios) == 0 {
		return nil, skipped, fmt.Errorf("none of the %d runs is a scenario of the 2023 challenge", len(runs))
	}
	return scenarios, skipped, nil
}

// evalSplit is "test" when the run has test stats, else "valid".
func evalSplit(stats []Stat) string {
	for _, s := range stats {
		if s.Name.Split == "test" {
			return "test"
		}
	}
	return "valid"
}

// find returns the mean of a stat on split: the unperturbed one for kind
// "", else the worst case of the robustness or fairness perturbations.
func find(stats []Stat, metric, split, kind string) (float64, bool) {
	for _, s := range stats {
		n := s.Name
		if n.Name != metric || n.Split != split || n.SubSplit != "" {
			continue
		}
		switch {
		case kind == "" && n.Perturbation != nil:
			continue
		case kind != "" && (n.Perturbation == nil || n.Perturbation.Name != kind || n.Perturbation.ComputedOn != "worst"):
			continue
		}
		if s.Mean != nil {
			return *s.Mean, true
		}
		if s.Count > 0 {
			return s.Sum / float64(s.Count), true
		}
	}
	return 0, false
}
