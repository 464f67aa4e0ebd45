package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"podium/result"
	"podium/scorer/metric"
	"podium/scorer/scenario"
	"podium/scorer/task"
)

// suiteFlags are the suite-choosing flags run and simulate share.
type suiteFlags struct {
	name   string
	budget int
}

// loadSuite opens the suite, with --budget for the generated 2023 suites.
func loadSuite(f suiteFlags) (*task.Suite, error) {
	if f.budget < 0 {
		return nil, usageError{fmt.Errorf("--budget must not be negative")}
	}
	if f.budget == 0 {
		return task.LoadSuite(f.name)
	}
	if _, ok := scenario.Suites[f.name]; !ok {
		return nil, usageError{fmt.Errorf("--budget applies to the generated 2023 suites only (%s), not to %q; its tasks set their own max_instances (--max-instances caps each scenario)",
			strings.Join(generatedNames(), ", "), f.name)}
	}
	return scenario.Suite(f.name, f.budget)
}

func generatedNames() []string {
	names := make([]string, 0, len(scenario.Suites))
	for n := range scenario.Suites {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// partial is a suite cut down to the tasks whose data is under --data.
type partial struct {
	Full, Avail *task.Suite
	Dropped     []scenario.Dropped
}

// availableTasks drops the tasks whose dataset files are missing under
// data, warning on w for each. A suite left with no task is an error.
func availableTasks(s *task.Suite, data string, w io.Writer) (*partial, error) {
	avail, dropped, err := scenario.AvailableWhy(s, data)
	if err != nil {
		return nil, err
	}
	p := &partial{Full: s, Avail: avail, Dropped: dropped}
	if len(avail.Tasks) == 0 {
		where := fmt.Sprintf("under --data %s", data)
		if data == "" {
			where = "without --data (it is not set)"
		}
		return nil, fmt.Errorf("no task of suite %q has its data %s; %d tasks miss their files, the first %s (task %q)",
			s.Name, where, len(dropped), dropped[0].Missing.Path, dropped[0].Task)
	}
	for _, d := range dropped {
		fmt.Fprintf(w, "warning: task %s dropped: %s is missing\n", d.Task, d.Missing.Path)
	}
	if len(dropped) > 0 {
		fmt.Fprintf(w, "warning: %d of suite %s's %d tasks dropped for want of their data; the metrics they feed are recorded as missing\n",
			len(dropped), s.Name, len(s.Tasks))
	}
	return p, nil
}

// group is what one result name prefix sums up: a scenario's tasks with
// one label.
type group struct{ scenario, label string }

func groupOf(sp *task.Spec) group {
	l := sp.Label
	if l == "" {
		l = sp.ScenarioName()
	}
	return group{sp.ScenarioName(), l}
}

// markMissing makes every result the full suite names present: those a
// dropped task feeds are recorded as missing with the reason (all of its
// scenario's results with its label, since a mean over part of the tasks
// is not the metric), and so are those no scored instance produced (a
// --max-instances cap below a scenario's task count leaves tasks none).
// Scenarios end in suite order.
func (p *partial) markMissing(sub *result.Submission, maxInstances int) {
	dropped := map[group][]scenario.Dropped{}
	specs := map[string]*task.Spec{}
	for i := range p.Full.Tasks {
		specs[p.Full.Tasks[i].Name] = &p.Full.Tasks[i]
	}
	for _, d := range p.Dropped {
		g := groupOf(specs[d.Task])
		dropped[g] = append(dropped[g], d)
	}
	var order []group
	members := map[group][]*task.Spec{}
	for i := range p.Full.Tasks {
		g := groupOf(&p.Full.Tasks[i])
		if _, ok := members[g]; !ok {
			order = append(order, g)
		}
		members[g] = append(members[g], &p.Full.Tasks[i])
	}
	for _, g := range order {
		in, ds := members[g], dropped[g]
		var reason string
		switch {
		case len(ds) == 1:
			reason = fmt.Sprintf("not scored: task %s has no data (%s missing under --data)", ds[0].Task, ds[0].Missing.Path)
		case len(ds) > 1:
			reason = fmt.Sprintf("not scored: %d of its %d tasks have no data under --data (task %s: %s missing, ...)", len(ds), len(in), ds[0].Task, ds[0].Missing.Path)
		case maxInstances > 0:
			reason = fmt.Sprintf("not scored: no instance of its tasks was sampled (--max-instances %d is below the %d tasks of scenario %s)", maxInstances, p.scenarioTasks(g.scenario), g.scenario)
		default:
			reason = "not scored: no instance of its tasks was sampled"
		}
		sc := scenarioResult(sub, g.scenario)
		for _, mv := range expectedMetrics(g, in) {
			i := slices.IndexFunc(sc.Metrics, func(m result.MetricValue) bool { return m.Name == mv.Name })
			if i >= 0 && len(ds) == 0 {
				continue // scored
			}
			mv.Value, mv.Error = nil, reason
			if i >= 0 {
				sc.Metrics[i] = mv
			} else {
				sc.Metrics = append(sc.Metrics, mv)
			}
		}
	}
	rank := map[string]int{}
	for _, sp := range p.Full.Tasks {
		if _, ok := rank[sp.ScenarioName()]; !ok {
			rank[sp.ScenarioName()] = len(rank)
		}
	}
	sort.SliceStable(sub.Scenarios, func(i, j int) bool { return rank[sub.Scenarios[i].Name] < rank[sub.Scenarios[j].Name] })
}

func (p *partial) scenarioTasks(name string) int {
	n := 0
	for _, sp := range p.Full.Tasks {
		if sp.ScenarioName() == name {
			n++
		}
	}
	return n
}

func scenarioResult(sub *result.Submission, name string) *result.ScenarioResult {
	for i := range sub.Scenarios {
		if sub.Scenarios[i].Name == name {
			return &sub.Scenarios[i]
		}
	}
	sub.Scenarios = append(sub.Scenarios, result.ScenarioResult{Name: name})
	return &sub.Scenarios[len(sub.Scenarios)-1]
}

// expectedMetrics are the results a group's tasks would give, named as
// metric.Summarize names them: it summarizes one stand-in record per task
// and perturbation.
func expectedMetrics(g group, specs []*task.Spec) []result.MetricValue {
	var metrics []string
	var recs []metric.Record
	for _, sp := range specs {
		scores := map[string]float64{}
		for _, m := range sp.Metrics {
			if !slices.Contains(metrics, m) {
				metrics = append(metrics, m)
			}
			scores[m] = 0
		}
		label := ""
		if g.label != g.scenario {
			label = g.label
		}
		orig := task.Instance{ID: "x"}
		recs = append(recs, metric.Record{Instance: orig, Scores: scores, Task: sp.Name, Label: label})
		for _, pn := range sp.Perturbations {
			in := task.Instance{ID: "x/" + pn, Perturbation: pn, Source: "x"}
			recs = append(recs, metric.Record{Instance: in, Scores: scores, Task: sp.Name, Label: label})
		}
	}
	return metric.Summarize(g.scenario, metrics, recs)
}

// checkRound checks the run against ROOT/results/ROUND/round.toml, when
// it exists, so that its results load: the track must be the round's, and
// every scenario the suite produces must be defined there, secret where
// the suite has secret tasks (else the site would publish their data).
func checkRound(root, round, track string, s *task.Suite, w io.Writer) error {
	path := filepath.Join(result.Dir(root, round), result.RoundFile)
	r, err := result.ReadRound(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(w, "note: %s does not exist yet; the results are not checked against the round\n", path)
		return nil
	}
	if err != nil {
		return err
	}
	if !r.HasTrack(track) {
		ids := make([]string, len(r.Tracks))
		for i, t := range r.Tracks {
			ids[i] = t.ID
		}
		return fmt.Errorf("--track %q is not a track of round %s (%s has tracks: %s)", track, round, path, strings.Join(ids, ", "))
	}
	var unknown, notSecret []string
	secret := map[string]bool{}
	var names []string
	for _, sp := range s.Tasks {
		n := sp.ScenarioName()
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
		secret[n] = secret[n] || sp.Secret
	}
	for _, n := range names {
		sc := r.Scenario(n)
		switch {
		case sc == nil:
			unknown = append(unknown, fmt.Sprintf("%q", n))
		case secret[n] && !sc.Secret:
			notSecret = append(notSecret, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("suite %s produces scenario(s) %s that %s does not define; add them as [[scenarios]] there, or score into another round", s.Name, strings.Join(unknown, ", "), path)
	}
	if len(notSecret) > 0 {
		return fmt.Errorf("suite %s has secret tasks in scenario(s) %s, which %s does not mark `secret = true`; the site would publish their prompts and predictions", s.Name, strings.Join(notSecret, ", "), path)
	}
	return nil
}
