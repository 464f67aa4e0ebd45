package main

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
	"podium/result"
	"podium/scorer/neurips2023"
	"podium/scorer/scenario"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

// partialServer simulates a submission for the tasks of a suite whose data
// is in data, built as the run builds them (same budget and seed).
func partialServer(t *testing.T, s *task.Suite, data string, acc float64) string {
	t.Helper()
	avail, _, err := scenario.Available(s, data)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(avail, task.Options{DataDir: data, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(tasks, simulate.Options{Accuracy: acc, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// deadURL is an endpoint nothing listens on.
func deadURL() string {
	dead := httptest.NewServer(nil)
	dead.Close()
	return dead.URL
}

// A suite of one generated task and GSM8K, over a data folder without
// GSM8K: the run warns, names the task and file, scores the rest, and
// records GSM8K's metric as missing with the reason, never 0.
func TestRunDropsTasksWithoutData(t *testing.T) {
	dir, root, data := t.TempDir(), t.TempDir(), t.TempDir()
	suiteFile := filepath.Join(dir, "mixed.toml")
	os.WriteFile(suiteFile, []byte(`name = "mixed"
[[tasks]]
name = "arithmetic"
scenario = "Arithmetic"
dataset = "sample-arithmetic"
adapter = "generation"
stop = ["\n"]
metrics = ["exact_match"]

[[tasks]]
name = "gsm8k"
scenario = "GSM8K"
dataset = "gsm8k"
adapter = "generation"
shots = 5
metrics = ["gsm8k"]
`), 0o644)
	s, err := task.LoadSuite(suiteFile)
	if err != nil {
		t.Fatal(err)
	}
	url := partialServer(t, s, data, 1)
	code, stderr := scorerCmd(t, "run", "--endpoint", url, "--suite", suiteFile, "--data", data, "--round", "r", "--track", "t",
		"--submission", "s", "--root", root, "--max-instances", "5", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	missing := filepath.Join(data, "gsm8k", "train.jsonl")
	if !strings.Contains(stderr, "warning: task gsm8k dropped: "+missing+" is missing") || !strings.Contains(stderr, "1 of suite mixed's 2 tasks dropped") {
		t.Errorf("no warning naming the task and file:\n%s", stderr)
	}
	sub, err := result.ReadSubmission(result.Path(root, "r", "t", "s"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.Scenarios) != 2 || sub.Scenarios[0].Name != "Arithmetic" || sub.Scenarios[1].Name != "GSM8K" {
		t.Fatalf("scenarios %+v", sub.Scenarios)
	}
	if m := sub.Scenarios[0].Metrics; len(m) != 1 || m[0].Value == nil || *m[0].Value != 1 {
		t.Errorf("Arithmetic: %+v", m)
	}
	m := sub.Scenarios[1].Metrics
	if len(m) != 1 || m[0].Name != "GSM8K - EM" || m[0].Value != nil || !strings.Contains(m[0].Error, "task gsm8k has no data") || !strings.Contains(m[0].Error, missing) {
		t.Errorf("GSM8K: %+v", m)
	}
	if sub.Run.Instances != 5 {
		t.Errorf("%d instances scored", sub.Run.Instances)
	}
}

// A run where every task lacks its data fails before contacting the server.
func TestRunWithNoDataAtAllFails(t *testing.T) {
	root, data := t.TempDir(), t.TempDir()
	code, stderr := scorerCmd(t, "run", "--endpoint", deadURL(), "--suite", "core", "--data", data, "--round", "r", "--track", "t",
		"--submission", "s", "--root", root, "--wait", "100ms")
	if code != 1 || !strings.Contains(stderr, `no task of suite "core" has its data under --data `+data) || !strings.Contains(stderr, "gsm8k") || strings.Contains(stderr, "cannot reach") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	code, stderr = scorerCmd(t, "simulate", "--suite", "core", "--accuracy", "0.5", "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "without --data (it is not set)") {
		t.Fatalf("simulate: exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "results")); !os.IsNotExist(err) {
		t.Error("a results folder was written")
	}
}

func TestBudgetFlag(t *testing.T) {
	for _, cmd := range []string{"run", "simulate"} {
		args := []string{cmd, "--suite", "sample", "--budget", "100", "--accuracy", "1", "--listen", "127.0.0.1:0"}
		if cmd == "run" {
			args = []string{cmd, "--endpoint", deadURL(), "--suite", "sample", "--budget", "100", "--round", "r", "--track", "t", "--submission", "s", "--root", t.TempDir()}
		}
		code, stderr := scorerCmd(t, args...)
		if code != 2 || !strings.Contains(stderr, "--budget applies to the generated 2023 suites only (neurips2023-final, neurips2023-hidden, neurips2023-open), not to \"sample\"") {
			t.Errorf("%s --budget on sample: exit %d, %s", cmd, code, stderr)
		}
	}
	code, stderr := scorerCmd(t, "run", "--endpoint", deadURL(), "--suite", "neurips2023-hidden", "--budget", "20", "--round", "r", "--track", "t", "--submission", "s", "--root", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "the smallest budget that gives every run spec one is 140") {
		t.Errorf("budget too small: exit %d, %s", code, stderr)
	}
	s, err := loadSuite(suiteFlags{name: "neurips2023-open", budget: 300})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, sp := range s.Tasks {
		if !strings.HasPrefix(sp.Name, "bigbench_") || strings.HasSuffix(sp.Name, "_0shot") { // one budget per BIG-bench run spec
			sum += sp.MaxInstances
		}
	}
	if sum != 300 {
		t.Errorf("--budget 300 shares out %d instances", sum)
	}
	if code, stderr := scorerCmd(t, "run", "--help"); code != 0 || !strings.Contains(stderr, "--budget") || !strings.Contains(stderr, "--base-model") {
		t.Errorf("run --help: %s", stderr)
	}
}

func TestBaseModelIsSetAndKept(t *testing.T) {
	root := t.TempDir()
	url := simulatedServer(t, "sample", "", 1)
	args := []string{"run", "--endpoint", url, "--suite", "sample", "--round", "r", "--track", "t", "--submission", "s", "--root", root, "--max-instances", "2", "--no-cache"}
	if code, stderr := scorerCmd(t, append(args, "--base-model", "Qwen 14B", "--team", "Team A")...); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if code, stderr := scorerCmd(t, args...); code != 0 {
		t.Fatalf("second run: exit %d:\n%s", code, stderr)
	}
	sub, err := result.ReadSubmission(result.Path(root, "r", "t", "s"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sub.BaseModel != "Qwen 14B" || sub.Team != "Team A" {
		t.Errorf("base model %q, team %q: not kept", sub.BaseModel, sub.Team)
	}
}

const sampleRound = `title = "Sample"
rule = "hidden"
aggregation = "geometric"

[[tracks]]
id = "4090"
name = "RTX 4090"

[[tracks]]
id = "a100"
name = "A100"

[[stages]]
name = "all"
weight = 1
scenarios = ["Arithmetic", "Ordering"]

[[scenarios]]
name = "Arithmetic"
[[scenarios.metrics]]
name = "Arithmetic - EM"

[[scenarios]]
name = "Ordering"
secret = true
[[scenarios.metrics]]
name = "Ordering - EM"
`

func writeRoundFile(t *testing.T, root, round, body string) string {
	t.Helper()
	p := filepath.Join(root, "results", round, "round.toml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The round is checked before the server is contacted (the endpoint here
// is dead, so reaching it would say "cannot reach").
func TestRunChecksTheRoundFirst(t *testing.T) {
	root := t.TempDir()
	run := func(track string) (int, string) {
		return scorerCmd(t, "run", "--endpoint", deadURL(), "--suite", "sample", "--round", "r", "--track", track,
			"--submission", "s", "--root", root, "--wait", "100ms")
	}
	code, stderr := run("4090")
	if code != 1 || !strings.Contains(stderr, "note: "+filepath.Join(root, "results", "r", "round.toml")+" does not exist yet") || !strings.Contains(stderr, "cannot reach") {
		t.Errorf("no round file: exit %d, %s", code, stderr)
	}
	path := writeRoundFile(t, root, "r", sampleRound)
	if code, stderr := run("h100"); code != 1 || !strings.Contains(stderr, `--track "h100" is not a track of round r (`+path+" has tracks: 4090, a100)") || strings.Contains(stderr, "cannot reach") {
		t.Errorf("unknown track: exit %d, %s", code, stderr)
	}
	if code, stderr := run("a100"); code != 1 || !strings.Contains(stderr, "cannot reach") {
		t.Errorf("good round: exit %d, %s", code, stderr)
	}
	writeRoundFile(t, root, "r", strings.ReplaceAll(sampleRound, `"Ordering"`, `"Puzzles"`))
	if code, stderr := run("a100"); code != 1 || !strings.Contains(stderr, `suite sample produces scenario(s) "Ordering" that `+path+" does not define") {
		t.Errorf("unknown scenario: exit %d, %s", code, stderr)
	}
	writeRoundFile(t, root, "r", strings.Replace(sampleRound, "secret = true\n", "", 1))
	if code, stderr := run("a100"); code != 1 || !strings.Contains(stderr, `secret tasks in scenario(s) "Ordering", which `+path+" does not mark `secret = true`") {
		t.Errorf("secret scenario not secret in the round: exit %d, %s", code, stderr)
	}
	writeRoundFile(t, root, "r", sampleRound+"bogus = 1\n")
	if code, stderr := run("a100"); code != 1 || !strings.Contains(stderr, path+":") || !strings.Contains(stderr, "bogus") {
		t.Errorf("bad round file: exit %d, %s", code, stderr)
	}
}

// The hidden suite over the partial shared data, into a round made by
// `scorer import neurips2023`: its secret scenarios are the round's, each
// prediction line names its scenario (what the site filters on), tasks
// without data are recorded as missing, and the results load with the round.
func TestHiddenSuiteIntoTheImportedRound(t *testing.T) {
	data := filepath.Dir(sharedtest.Dir(t, "data", "ethics"))
	hidden, err := scenario.Suite("neurips2023-hidden", 0)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[string]bool{}
	for _, sp := range hidden.Tasks {
		secret[sp.ScenarioName()] = secret[sp.ScenarioName()] || sp.Secret
	}
	for _, h := range neurips2023.Holdouts {
		if !secret[h] {
			t.Errorf("round scenario %q is a 2023 holdout but no secret task of the hidden suite produces it", h)
		}
		delete(secret, h)
	}
	for n, s := range secret {
		if s {
			t.Errorf("the hidden suite's secret scenario %q is not one a 2023 round marks secret", n)
		}
	}

	root := t.TempDir()
	code, stderr := scorerCmd(t, "import", "neurips2023", "--kind", "hidden", "--round", "h", "--track", "4090", "--root", root,
		filepath.Join(sharedtest.Dir(t, "reference", "neurips2023"), "4090_hidden_round_rank.json"))
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	url := partialServer(t, hidden, data, 1)
	code, stderr = scorerCmd(t, "run", "--endpoint", url, "--suite", "neurips2023-hidden", "--data", data, "--round", "h", "--track", "4090",
		"--submission", "sim", "--root", root, "--max-instances", "3", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	r, err := result.LoadRound(root, "h")
	if err != nil {
		t.Fatal(err)
	}
	var sub *result.Submission
	for _, s := range r.Results["4090"] {
		if s.ID == "sim" {
			sub = s
		}
	}
	if sub == nil {
		t.Fatal("the run's results are not in the round")
	}
	seen, scored := map[string]int{}, 0
	for _, sc := range sub.Scenarios {
		seen[sc.Name] = len(sc.Metrics)
		for _, m := range sc.Metrics {
			switch sc.Name {
			case "sam_sum", "corr2cause", "CNN/DailyMail": // not in the shared data
				if m.Value != nil || !strings.Contains(m.Error, "has no data") {
					t.Errorf("%s: %+v, want missing", m.Name, m)
				}
			case "ethics": // 3 instances over 5 tasks: 2 have none, and say so
				if m.Value != nil && *m.Value == 1 {
					scored++
				} else if m.Value != nil || !strings.Contains(m.Error, "--max-instances 3 is below the 5 tasks of scenario ethics") {
					t.Errorf("%s: %+v, want 1 or missing", m.Name, m)
				}
			}
		}
	}
	if seen["sam_sum"] != 5 || seen["corr2cause"] != 1 || seen["CNN/DailyMail"] != 5 || seen["ethics"] != 15 || seen["MATH"] != 2 || scored != 9 {
		t.Errorf("metrics per scenario: %v; %d ethics results scored", seen, scored)
	}
	f, err := os.Open(filepath.Join(root, "results", "h", "4090", sub.Predictions))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	lines := 0
	for sc.Scan() {
		var line struct {
			Scenario string `json:"scenario"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Scenario == "" {
			t.Fatalf("prediction line %d has no scenario: %v", lines+1, err)
		}
		if s := r.Scenario(line.Scenario); s == nil || !s.Secret {
			t.Errorf("prediction of scenario %q is not secret in the round", line.Scenario)
		}
		lines++
	}
	if lines == 0 {
		t.Error("no predictions")
	}
}

// The core suite's BBQ prompts as HELM's: "Passage: <context>\nQuestion: ...".
func TestCoreBBQPromptHasPassagePrefix(t *testing.T) {
	data := filepath.Dir(sharedtest.Dir(t, "data", "bbq"))
	s, err := task.LoadSuite("core")
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range s.Tasks {
		if sp.Name != "bbq" {
			continue
		}
		one := *s
		one.Tasks = []task.Spec{sp}
		tasks, err := task.Build(&one, task.Options{DataDir: data, Seed: 1, MaxInstances: 1})
		if err != nil {
			t.Fatal(err)
		}
		tk := tasks[0]
		p := tk.Prompt(&tk.Eval[0])
		if !strings.HasPrefix(p.Question, "Passage: "+tk.Eval[0].Input) || !strings.Contains(p.Question, "\nQuestion: ") || !strings.HasPrefix(p.Shots[0], "Passage: ") {
			t.Errorf("BBQ question block:\n%s", p.Question)
		}
		return
	}
	t.Fatal("no bbq task in the core suite")
}
