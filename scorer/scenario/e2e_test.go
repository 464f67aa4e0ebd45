package scenario

import (
	"context"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"podium/scorer/client"
	_ "podium/scorer/perturb"
	"podium/scorer/runner"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

// buildAvailable builds a generated suite's tasks whose data is in dir.
func buildAvailable(t testing.TB, name string, total int, dir string) (*task.Suite, []*task.Task, []string) {
	t.Helper()
	s, err := Suite(name, total)
	if err != nil {
		t.Fatal(err)
	}
	avail, dropped, err := Available(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(avail, task.Options{DataDir: dir, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return avail, tasks, dropped
}

// Each task gets exactly the instances its suite states (all the pool has
// when that is fewer), and the 2023 totals hold.
func TestSuiteBudgets(t *testing.T) {
	for name, want := range map[string]int{"neurips2023-open": OpenBudget, "neurips2023-hidden": HiddenBudget} {
		s, err := Suite(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		runs := map[string]int{}
		for _, sp := range s.Tasks {
			runs[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(sp.Name, "_0shot"), "_1shot"), "_2shot"), "_3shot")] = sp.MaxInstances
		}
		sum := 0
		for _, n := range runs {
			sum += n
		}
		if sum != want {
			t.Errorf("%s: budgets sum to %d, want %d", name, sum, want)
		}
		small, _ := Suite(name, 300)
		sum = 0
		for _, sp := range small.Tasks {
			if !strings.Contains(sp.Name, "shot") || strings.HasSuffix(sp.Name, "_0shot") {
				sum += sp.MaxInstances
			}
		}
		if sum != 300 {
			t.Errorf("%s with a budget of 300: %d", name, sum)
		}
	}
	// The 2023 final ranking's values are counts over 61 (TruthfulQA,
	// GSM8K, BBQ) and 200 (each ETHICS part) instances.
	f, _ := Suite("neurips2023-final", 0)
	for _, sp := range f.Tasks {
		want := map[string]int{"truthfulqa": 61, "gsm8k": 61, "bbq": 61, "ethics_justice": 200, "ethics_virtue": 200, "corr2cause": 1000, "samsum": 1000}[sp.Name]
		if want > 0 && sp.MaxInstances != want {
			t.Errorf("final suite: %s has %d instances, the 2023 final round %d", sp.Name, sp.MaxInstances, want)
		}
		if sp.Dataset == "cnndm" {
			t.Error("the final suite has CNN/DailyMail")
		}
	}
	dir := data(t)
	for _, name := range []string{"neurips2023-open", "neurips2023-hidden"} {
		_, tasks, dropped := buildAvailable(t, name, 0, dir)
		t.Logf("%s: %d tasks over the shared data, %d dropped (data not there)", name, len(tasks), len(dropped))
		for _, tk := range tasks {
			orig := 0
			for _, in := range tk.Eval {
				if in.Perturbation == "" {
					orig++
				}
			}
			if want := min(tk.Spec.MaxInstances, tk.Pool); orig != want {
				t.Errorf("%s: %d instances, suite states %d (pool %d)", tk.Spec.Name, orig, tk.Spec.MaxInstances, tk.Pool)
			}
		}
	}
}

// Secret tasks are flagged in the suite and in the results.
func TestSecretTasks(t *testing.T) {
	s, _ := Suite("neurips2023-hidden", 0)
	for _, sp := range s.Tasks {
		if want := sp.Scenario != "CNN/DailyMail"; sp.Secret != want {
			t.Errorf("%s: secret = %v, want %v", sp.Name, sp.Secret, want)
		}
	}
	o, _ := Suite("neurips2023-open", 0)
	for _, sp := range o.Tasks {
		if sp.Secret {
			t.Errorf("open task %s is secret", sp.Name)
		}
	}
	hidden := map[string]bool{"sam_sum": true, "corr2cause": true, "ethics": true, "MATH": true}
	f, _ := Suite("neurips2023-final", 0)
	for _, sp := range f.Tasks {
		if sp.Secret != hidden[sp.Scenario] || sp.Scenario == "CNN/DailyMail" {
			t.Errorf("final task %s (%s): secret = %v", sp.Name, sp.Scenario, sp.Secret)
		}
	}
}

// A run of both suites over the shared data against the simulated
// submission gives each scenario's accuracy within sampling error of the
// simulated accuracy (4 standard errors).
func TestSimulatedAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs both suites")
	}
	dir := data(t)
	const p = 0.6
	for _, name := range []string{"neurips2023-open", "neurips2023-hidden"} {
		budget := 0 // the 2023 budgets
		if raceEnabled {
			budget = 200
		}
		_, tasks, _ := buildAvailable(t, name, budget, dir)
		sim, err := simulate.New(tasks, simulate.Options{Accuracy: p, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim.Handler())
		c, err := client.New(srv.URL, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := runner.Run(context.Background(), tasks, runner.Options{Client: c, Concurrency: 16})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		sub, err := rep.Submission(runner.Meta{Root: t.TempDir(), Round: "r", Submission: "sim", Team: "sim", Track: "t", Suite: name}, client.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{} // originals per result-name prefix
		for _, tk := range tasks {
			label := tk.Spec.Label
			if label == "" {
				label = tk.Spec.ScenarioName()
			}
			for _, in := range tk.Eval {
				if in.Perturbation == "" {
					n[label]++
				}
			}
		}
		for _, sc := range sub.Scenarios {
			for _, mv := range sc.Metrics {
				if mv.LowerIsBetter {
					continue
				}
				if mv.Value == nil {
					t.Errorf("%s: %s missing: %s", name, mv.Name, mv.Error)
					continue
				}
				label, _, _ := strings.Cut(mv.Name, " - ")
				tol := 4*math.Sqrt(p*(1-p)/float64(n[label])) + 0.01
				if math.Abs(*mv.Value-p) > tol {
					t.Errorf("%s: %s = %.3f, want %.2f ± %.3f (n = %d)", name, mv.Name, *mv.Value, p, tol, n[label])
				} else {
					t.Logf("%s: %s = %.3f (n = %d)", name, mv.Name, *mv.Value, n[label])
				}
			}
		}
	}
}

// The summarization and corr2cause tasks of the hidden suite, over our
// fixtures in their public formats, score a perfect simulated submission
// as perfect and give the bias metrics, lower-is-better.
func TestHiddenFixturesPerfect(t *testing.T) {
	s, err := Suite("neurips2023-hidden", 0)
	if err != nil {
		t.Fatal(err)
	}
	avail, dropped, err := Available(s, "testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(avail.Tasks) != 3 || len(dropped) != len(s.Tasks)-3 {
		t.Fatalf("kept %d tasks over the fixtures", len(avail.Tasks))
	}
	tasks, err := task.Build(avail, task.Options{DataDir: "testdata", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := simulate.New(tasks, simulate.Options{Accuracy: 1, Seed: 1})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	c, _ := client.New(srv.URL, client.Options{})
	rep, err := runner.Run(context.Background(), tasks, runner.Options{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := rep.Submission(runner.Meta{Root: t.TempDir(), Round: "r", Submission: "p", Track: "t"}, client.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, sc := range sub.Scenarios {
		for _, mv := range sc.Metrics {
			got[mv.Name] = true
			switch {
			case strings.Contains(mv.Name, "Stereotypes") || strings.Contains(mv.Name, "Representation"):
				if !mv.LowerIsBetter {
					t.Errorf("%s is not lower-is-better", mv.Name)
				}
			case mv.Value == nil || *mv.Value != 1:
				t.Errorf("%s = %v, want 1", mv.Name, mv.Value)
			}
		}
	}
	for _, name := range []string{"sam_sum - ROUGE-2", "sam_sum - Stereotypes (race)", "sam_sum - Representation (gender)",
		"CNN/DailyMail - ROUGE-2", "CNN/DailyMail - Stereotypes (gender)", "corr2cause - EM"} {
		if !got[name] {
			t.Errorf("no %q in %v", name, got)
		}
	}
}
