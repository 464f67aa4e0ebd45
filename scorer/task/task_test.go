package task

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const mcJSONL = `{"id":"q1","input":"What is 2+2?","references":[{"text":"3"},{"text":"4","correct":true},{"text":"5"}]}
{"id":"q2","input":"Sky colour?","references":[{"text":"blue","correct":true},{"text":"green"}]}
`

func TestMultipleChoicePromptIsHELMJoint(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "test.jsonl", mcJSONL)
	writeFile(t, dir, "train.jsonl", `{"id":"t1","input":"Capital of France?","references":[{"text":"Paris","correct":true},{"text":"Rome"}]}`+"\n")
	spec := writeFile(t, dir, "task.toml", `
name = "toy"
instances = "test.jsonl"
train = "train.jsonl"
adapter = "multiple_choice_joint"
instructions = "The following are multiple choice questions (with answers) about toys."
shots = 1
metrics = ["exact_match"]
`)
	s, err := LoadSuite(spec)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tk := tasks[0]
	got := tk.Prompt(&tk.Eval[0]).Text()
	want := "The following are multiple choice questions (with answers) about toys.\n\n" +
		"Question: Capital of France?\nA. Paris\nB. Rome\nAnswer: A\n\n" +
		"Question: What is 2+2?\nA. 3\nB. 4\nC. 5\nAnswer:"
	if got != want {
		t.Errorf("prompt:\n%q\nwant\n%q", got, want)
	}
	if g := tk.Format.Gold(&tk.Eval[0]); len(g) != 1 || g[0] != "B" {
		t.Errorf("gold = %v, want [B]", g)
	}
	if tk.Format.MaxTokens != 5 || len(tk.Format.Stop) != 1 || tk.Format.Stop[0] != "\n" {
		t.Errorf("multiple-choice defaults: %+v", tk.Format)
	}
}

func TestGenerationPromptAndDropShots(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "test.jsonl", `{"id":"a","input":"1+1?","references":[{"text":"2"}]}`+"\n")
	writeFile(t, dir, "train.jsonl", `{"id":"x","input":"2+2?","references":[{"text":"4"}]}
{"id":"y","input":"3+3?","references":[{"text":"6"}]}
`)
	spec := writeFile(t, dir, "t.toml", `
name = "gen"
instances = "test.jsonl"
train = "train.jsonl"
adapter = "generation"
input_prefix = "Q: "
output_prefix = "A: "
shots = 2
metrics = ["exact_match"]
`)
	s, err := LoadSuite(spec)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := tasks[0].Prompt(&tasks[0].Eval[0])
	if len(p.Shots) != 2 || !strings.HasSuffix(p.Text(), "\nQ: 1+1?\nA:") {
		t.Fatalf("prompt %q", p.Text())
	}
	one := p.DropShots(1)
	if len(one.Shots) != 1 || one.Shots[0] != p.Shots[1] || !strings.HasSuffix(one.Text(), "Q: 1+1?\nA:") {
		t.Errorf("dropping from the left: %q", one.Text())
	}
	if none := p.DropShots(5); none.Text() != "Q: 1+1?\nA:" {
		t.Errorf("no shots: %q", none.Text())
	}
}

func TestSpecErrorsNameFileAndField(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"unknown field(s): colour": "name='x'\ninstances='a.jsonl'\nadapter='generation'\nmetrics=['exact_match']\ncolour='red'\n",
		`field "adapter": unknown`: "name='x'\ninstances='a.jsonl'\nadapter='chat'\nmetrics=['exact_match']\n",
		`field "metrics"`:          "name='x'\ninstances='a.jsonl'\nadapter='generation'\n",
		`field "dataset"`:          "name='x'\nadapter='generation'\nmetrics=['exact_match']\n",
		`duplicate task name "a"`:  "name='s'\n[[tasks]]\nname='a'\ninstances='a.jsonl'\nadapter='generation'\nmetrics=['f1']\n[[tasks]]\nname='a'\ninstances='a.jsonl'\nadapter='generation'\nmetrics=['f1']\n",
		`tasks[1]: field "name"`:   "name='s'\n[[tasks]]\nname='a'\ninstances='a.jsonl'\nadapter='generation'\nmetrics=['f1']\n[[tasks]]\ninstances='a.jsonl'\nadapter='generation'\nmetrics=['f1']\n",
	}
	for want, body := range cases {
		p := writeFile(t, dir, "bad.toml", body)
		_, err := LoadSuite(p)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: got %v, want an error naming %s and %q", body, err, p, want)
		}
	}
}

func TestJSONLErrorsNameLine(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "x.jsonl", `{"id":"a","input":"x","references":[{"text":"y"}]}`+"\n\n"+`{"id":"b","input":3}`+"\n")
	_, err := ReadJSONL(p)
	if err == nil || !strings.Contains(err.Error(), p+":3:") {
		t.Fatalf("got %v, want an error at %s:3", err, p)
	}
	p = writeFile(t, dir, "y.jsonl", `{"input":"x","references":[]}`+"\n")
	if _, err := ReadJSONL(p); err == nil || !strings.Contains(err.Error(), p+":1: field \"id\"") {
		t.Fatalf("missing id: %v", err)
	}
	spec := writeFile(t, dir, "t.toml", "name='t'\ninstances='z.jsonl'\nadapter='multiple_choice_joint'\nmetrics=['exact_match']\n")
	writeFile(t, dir, "z.jsonl", `{"id":"a","input":"x","references":[{"text":"y"},{"text":"z"}]}`+"\n")
	s, err := LoadSuite(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(s, Options{}); err == nil || !strings.Contains(err.Error(), "no choice is marked correct") {
		t.Fatalf("want a missing-correct-choice error, got %v", err)
	}
}

func TestSamplingIsSeededAndCapped(t *testing.T) {
	s, err := LoadSuite("sample")
	if err != nil {
		t.Fatal(err)
	}
	build := func(seed int64, max int) []*Task {
		tasks, err := Build(s, Options{Seed: seed, MaxInstances: max})
		if err != nil {
			t.Fatal(err)
		}
		return tasks
	}
	a, b, c := build(7, 25), build(7, 25), build(8, 25)
	ids := func(ts []*Task) string {
		var out []string
		for _, t := range ts {
			for _, in := range t.Eval {
				out = append(out, in.ID)
			}
		}
		return strings.Join(out, ",")
	}
	if ids(a) != ids(b) {
		t.Error("same seed, different instances")
	}
	if ids(a) == ids(c) {
		t.Error("different seeds, same instances")
	}
	for _, tk := range a {
		if len(tk.Eval) != 25 {
			t.Errorf("task %s: %d instances, want 25", tk.Spec.Name, len(tk.Eval))
		}
	}
	// Shots do not depend on the run's seed, so prompts stay cacheable.
	if a[0].Prompt(&a[0].Eval[0]).Shots[0] != c[0].Prompt(&c[0].Eval[0]).Shots[0] {
		t.Error("few-shot examples changed with the seed")
	}
	full := build(7, 0)
	if len(full[0].Eval) != full[0].Pool {
		t.Errorf("no cap: %d of %d", len(full[0].Eval), full[0].Pool)
	}
}

func TestScenarioCapIsRoundRobinOverItsTasks(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		lines = append(lines, `{"id":"`+id+`","input":"q`+id+`","references":[{"text":"x"}]}`)
	}
	writeFile(t, dir, "i.jsonl", strings.Join(lines, "\n")+"\n")
	p := writeFile(t, dir, "s.toml", `name = "s"
[[tasks]]
name = "one"
scenario = "S"
instances = "i.jsonl"
adapter = "generation"
metrics = ["exact_match"]
[[tasks]]
name = "two"
scenario = "S"
instances = "i.jsonl"
adapter = "generation"
metrics = ["exact_match"]
max_instances = 1
[[tasks]]
name = "other"
instances = "i.jsonl"
adapter = "generation"
metrics = ["exact_match"]
`)
	s, err := LoadSuite(p)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Build(s, Options{Seed: 3, MaxInstances: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := []int{len(tasks[0].Eval), len(tasks[1].Eval), len(tasks[2].Eval)}
	if got[0] != 3 || got[1] != 1 || got[2] != 4 {
		t.Errorf("instances per task = %v, want [3 1 4] (scenario S capped at 4, task two at 1)", got)
	}
}

func TestPerturbationsFollowTheirOriginal(t *testing.T) {
	RegisterPerturbation("test_upper", func(in Instance, seed int64) (Instance, bool) {
		in.Input = strings.ToUpper(in.Input)
		return in, true
	})
	dir := t.TempDir()
	writeFile(t, dir, "i.jsonl", mcJSONL)
	p := writeFile(t, dir, "t.toml", "name='p'\ninstances='i.jsonl'\nadapter='multiple_choice_joint'\nmetrics=['exact_match']\nperturbations=['test_upper']\n")
	s, err := LoadSuite(p)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Build(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := tasks[0].Eval
	if len(ev) != 4 || ev[1].ID != "q1/test_upper" || ev[1].Source != "q1" || ev[1].Perturbation != "test_upper" || ev[1].Input != "WHAT IS 2+2?" {
		t.Fatalf("perturbed instances: %+v", ev)
	}
	s.Tasks[0].Perturbations = []string{"nope"}
	if _, err := Build(s, Options{}); err == nil || !strings.Contains(err.Error(), `unknown perturbation "nope"`) {
		t.Fatalf("unknown perturbation: %v", err)
	}
}

func TestBundledSuitesParse(t *testing.T) {
	names := BundledNames()
	if len(names) < 2 {
		t.Fatalf("bundled suites: %v", names)
	}
	for _, n := range names {
		if _, err := LoadSuite(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := LoadSuite("nosuch"); err == nil || !strings.Contains(err.Error(), "sample") {
		t.Errorf("unknown suite: %v", err)
	}
}

func TestSampleSuiteIsGeneratedAndAnswerable(t *testing.T) {
	s, _ := LoadSuite("sample")
	tasks, err := Build(s, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !tasks[1].Spec.Secret || tasks[0].Spec.Secret {
		t.Error("ordering must be the secret task, arithmetic public")
	}
	for _, tk := range tasks {
		seen := map[string]bool{}
		for _, in := range tk.Eval {
			if seen[in.Input] {
				t.Errorf("%s: duplicate input %q", tk.Spec.Name, in.Input)
			}
			seen[in.Input] = true
		}
	}
	// Every ordering puzzle has exactly one right answer, named in its facts.
	for _, in := range tasks[1].Eval {
		n := 0
		for _, r := range in.References {
			if r.Correct {
				n++
			}
			if !strings.Contains(in.Input, r.Text) {
				t.Errorf("%s: choice %q not in the puzzle", in.ID, r.Text)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d correct choices", in.ID, n)
		}
	}
}

func TestCutAtStop(t *testing.T) {
	for _, c := range []struct {
		in   string
		stop []string
		want string
	}{
		{" B\nQuestion: x", []string{"\n"}, " B"},
		{" 42\n\nQ: more", []string{"\n\n"}, " 42"},
		{"a##b\nc", []string{"\n", "##"}, "a"},
		{"plain", nil, "plain"},
	} {
		if got := CutAtStop(c.in, c.stop); got != c.want {
			t.Errorf("CutAtStop(%q, %q) = %q, want %q", c.in, c.stop, got, c.want)
		}
	}
}

// A dataset's format hook sees the data folder and subset, and what it
// sets wins over the spec's fields, in few-shot examples and question alike.
func TestFormatHookOverridesTheSpec(t *testing.T) {
	RegisterLoader("test_hooked", func(string) ([]Instance, []Instance, error) {
		return []Instance{{ID: "t1", Input: "1+1", References: []Reference{{Text: "2"}}}},
			[]Instance{{ID: "e1", Input: "2+3", References: []Reference{{Text: "5"}}}}, nil
	})
	var gotDir string
	RegisterFormat("test_hooked", func(dir, subset string, f *Format) error {
		gotDir = dir
		if subset != "" {
			return os.ErrNotExist
		}
		f.Instructions, f.InputPrefix, f.OutputPrefix, f.Stop = "Add.", "\n", " = ", []string{"\n"}
		return nil
	})
	s, err := ParseSuite([]byte("name='h'\ndataset='test_hooked'\nadapter='generation'\ninput_prefix='Q: '\nshots=1\nmetrics=['exact_match']\n"), "h.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := Build(s, Options{DataDir: "DATA"})
	if err != nil {
		t.Fatal(err)
	}
	tk := tasks[0]
	if got, want := tk.Prompt(&tk.Eval[0]).Text(), "Add.\n\n\n1+1\n = 2\n\n\n2+3\n ="; got != want || gotDir != "DATA" {
		t.Errorf("prompt %q, want %q (hook saw data %q)", got, want, gotDir)
	}
	if len(tk.Format.Stop) != 1 || tk.Format.Stop[0] != "\n" {
		t.Errorf("stop %q", tk.Format.Stop)
	}
	s.Tasks[0].Subset = "x"
	RegisterSubsetLoader("test_hooked_sub", func(string, string) ([]Instance, []Instance, error) {
		return nil, []Instance{{ID: "e", References: []Reference{{Text: "a"}}}}, nil
	})
	RegisterFormat("test_hooked_sub", func(string, string, *Format) error { return os.ErrNotExist })
	s.Tasks[0].Dataset, s.Tasks[0].Shots = "test_hooked_sub", 0
	if _, err := Build(s, Options{}); err == nil || !strings.Contains(err.Error(), `task "h": dataset "test_hooked_sub": format:`) {
		t.Errorf("hook error: %v", err)
	}
}
