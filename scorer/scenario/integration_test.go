package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"podium/scorer/task"
)

// A budget too small to give every run spec an instance is refused, never
// turned into max_instances = 0 (which would mean every instance).
func TestSuiteBudgetTooSmall(t *testing.T) {
	_, err := Suite("neurips2023-open", 10)
	if err == nil || !strings.Contains(err.Error(), "a budget of 10 instances leaves run spec") || !strings.Contains(err.Error(), "smallest budget that gives every run spec one is 198") {
		t.Fatalf("budget 10: %v", err)
	}
	s, err := Suite("neurips2023-open", 198)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range s.Tasks {
		if sp.MaxInstances < 1 {
			t.Errorf("%s: max_instances %d", sp.Name, sp.MaxInstances)
		}
	}
	if _, err := Suite("neurips2023-hidden", -1); err == nil {
		t.Error("a negative budget was accepted")
	}
}

// AvailableWhy names the file each dropped task misses.
func TestAvailableWhyNamesTheMissingFile(t *testing.T) {
	dir := data(t)
	s, err := Suite("neurips2023-hidden", 0)
	if err != nil {
		t.Fatal(err)
	}
	avail, dropped, err := AvailableWhy(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]string{}
	for _, d := range dropped {
		why[d.Task] = d.Missing.Path
	}
	if p := why["corr2cause"]; p != filepath.Join(dir, "corr2cause", "test.csv") && p != filepath.Join(dir, "corr2cause", "train.csv") {
		t.Errorf("corr2cause dropped for %q", p)
	}
	if _, ok := why["samsum"]; !ok {
		t.Error("samsum (not in the shared data) was kept")
	}
	if len(avail.Tasks)+len(dropped) != len(s.Tasks) || len(avail.Tasks) == 0 {
		t.Errorf("%d kept + %d dropped of %d", len(avail.Tasks), len(dropped), len(s.Tasks))
	}
}

// task.Build gives BIG-bench tasks their task.json's own format.
func TestBigBenchTasksUseTheirOwnFormat(t *testing.T) {
	dir := data(t)
	s, err := task.ParseSuite([]byte(`name = "bb"
[[tasks]]
name = "operators"
dataset = "bigbench"
subset = "operators"
adapter = "generation"
instructions = ""
input_prefix = "Question: "
output_prefix = "Answer: "
stop = ["\n"]
shots = 1
metrics = ["exact_match"]
`), "bb.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(s, task.Options{DataDir: dir, MaxInstances: 1})
	if err != nil {
		t.Fatal(err)
	}
	tk := tasks[0]
	p := tk.Prompt(&tk.Eval[0]).Text()
	if !strings.HasPrefix(p, "Given the definition of the op operator") || strings.Contains(p, "Question: ") || !strings.HasSuffix(p, " =") {
		t.Errorf("operators prompt:\n%s", p)
	}
}
