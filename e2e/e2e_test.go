package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"podium/internal/sharedtest"
	"podium/result"
	_ "podium/scorer/scenario" // registers the dataset loaders
	"podium/scorer/task"
)

const (
	modelFile = "wordnet-tiny-llama-1m-ctx1024-f32.gguf"
	// contextLen is the model's own context (llama.context_length).
	contextLen   = 1024
	maxInstances = 4
	seed         = 1
	round        = "e2e"
	track        = "cpu"
)

// prediction is one line of a predictions file, as far as this test reads it.
type prediction struct {
	Task       string  `json:"task"`
	ID         string  `json:"id"`
	Prompt     string  `json:"prompt"`
	Shots      int     `json:"shots"`
	Completion string  `json:"completion"`
	Raw        string  `json:"raw"`
	Logprob    float64 `json:"logprob"`
	Tokens     []struct {
		Text    string   `json:"text"`
		Logprob *float64 `json:"logprob"`
	} `json:"tokens"`
	Failed bool   `json:"failed"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// logged is one line of the server's prompt log.
type logged struct {
	Endpoint     string `json:"endpoint"`
	Prompt       string `json:"prompt"`
	MaxNewTokens int    `json:"max_new_tokens"`
}

// run is one finished `scorer run`.
type run struct {
	sub   result.Submission
	preds []prediction
	sent  []logged // prompts the server received during the run
	wall  time.Duration
	cpu   time.Duration // the scorer process's user + system time
}

func TestScorerAgainstLlamaCpp(t *testing.T) {
	if os.Getenv("PODIUM_E2E") != "1" {
		t.Skip("end-to-end test: run with PODIUM_E2E=1 (make test-e2e)")
	}
	start := time.Now()
	root := sharedtest.Root(t)
	model := filepath.Join(sharedtest.Dir(t, "models"), modelFile)
	data := sharedtest.Dir(t, "data")
	example := filepath.Join(root, "examples", "submission-llamacpp")
	if _, err := os.Stat(filepath.Join(example, "node_modules", "node-llama-cpp")); err != nil {
		t.Fatalf("%s/node_modules is missing: run `npm ci --omit=optional --ignore-scripts` there first (make test-e2e does)", example)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed (Node 20 or later is needed)")
	}
	bin := buildScorer(t, root)
	t.Logf("scorer built in %.1fs", time.Since(start).Seconds())

	// The prompts the scorer should have sent, to check the fitting.
	suite, err := task.LoadSuite("core")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(suite, task.Options{DataDir: data, Seed: seed, MaxInstances: maxInstances})
	if err != nil {
		t.Fatal(err)
	}

	// Two servers, started together: /v1/completions answers with legacy
	// logprobs on one and in llama.cpp's shape on the other.
	legacy := launchServer(t, example, model, "legacy")
	llamacpp := launchServer(t, example, model, "llamacpp")
	began := time.Now()
	legacy.wait(t)
	llamacpp.wait(t)
	t.Logf("servers ready in %.1fs", time.Since(began).Seconds())

	type pass struct {
		protocol string
		servers  [2]*server // of the first and the second run
	}
	// The second OpenAI run reads llama.cpp's shape: it must give the same
	// completions and logprobs as the legacy one.
	for _, p := range []pass{{"challenge", [2]*server{legacy, legacy}}, {"openai", [2]*server{legacy, llamacpp}}} {
		t.Run(p.protocol, func(t *testing.T) {
			var runs [2]*run
			for i, srv := range p.servers {
				runs[i] = scoreRun(t, bin, srv, p.protocol, data, fmt.Sprintf("llamacpp-%s-%d", p.protocol, i+1))
				checkRun(t, srv, runs[i], tasks)
			}
			checkRepeatable(t, runs[0], runs[1])
			for i, r := range runs {
				secs := r.wall.Seconds()
				t.Logf("figures (%s run %d): %d instances, %d requests (with the health check) in %.2fs: %.1f requests/s, %.0f generated tokens/s; scorer CPU %.3fs = %.1f%% of the run's wall time",
					p.protocol, i+1, r.sub.Run.Instances, len(r.sent), secs, float64(len(r.sent))/secs,
					float64(r.sub.Run.Tokens)/secs, r.cpu.Seconds(), 100*r.cpu.Seconds()/secs)
			}
		})
	}
	t.Logf("figures: whole test %.1fs", time.Since(start).Seconds())
}

// buildScorer builds ./scorer, or takes the binary $PODIUM_SCORER names.
func buildScorer(t *testing.T, root string) string {
	t.Helper()
	if bin := os.Getenv("PODIUM_SCORER"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "scorer")
	cmd := exec.Command("go", "build", "-o", bin, "./scorer")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./scorer: %v\n%s", err, out)
	}
	return bin
}

// server is a running examples/submission-llamacpp.
type server struct {
	url    string
	log    string // its prompt log
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
	urls   chan string
	seen   int // prompt log lines already read
}

// launchServer starts the example server on a free loopback port; wait
// waits until it listens.
func launchServer(t *testing.T, example, model, format string) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{log: filepath.Join(dir, "prompts.jsonl"), stderr: &bytes.Buffer{}, done: make(chan error, 1), urls: make(chan string, 1)}
	s.cmd = exec.Command("node", "server.js", "--model", model, "--port", "0", "--threads", "1",
		"--logprobs-format", format, "--prompt-log", s.log)
	s.cmd.Dir = example
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t) })
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				s.urls <- u
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- s.cmd.Wait() }()
	return s
}

func (s *server) wait(t *testing.T) {
	t.Helper()
	select {
	case s.url = <-s.urls:
	case err := <-s.done:
		s.done <- err
		t.Fatalf("the server exited before listening: %v\n%s", err, s.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not listen within 60s\n%s", s.stderr)
	}
}

func (s *server) stop(t *testing.T) {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("the server did not stop within 10s of SIGTERM\n%s", s.stderr)
	}
}

// received returns the prompts logged since the last call.
func (s *server) received(t *testing.T) []logged {
	t.Helper()
	data, err := os.ReadFile(s.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var out []logged
	for i := s.seen; i < len(lines); i++ {
		var l logged
		if err := json.Unmarshal([]byte(lines[i]), &l); err != nil {
			t.Fatalf("%s:%d: %v", s.log, i+1, err)
		}
		out = append(out, l)
	}
	s.seen = len(lines)
	return out
}

// tokens counts a text's tokens with the server's own tokenizer, BOS
// included, without truncation.
func (s *server) tokens(t *testing.T, text string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"text": text, "truncation": false})
	resp, err := http.Post(s.url+"/tokenize", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Tokens []int `json:"tokens"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/tokenize: status %d, %v", resp.StatusCode, err)
	}
	return len(out.Tokens)
}

// scoreRun runs `scorer run` in a fresh root (so a fresh response cache)
// and reads what it wrote.
func scoreRun(t *testing.T, bin string, srv *server, protocol, data, id string) *run {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--endpoint", srv.url, "--protocol", protocol,
		"--suite", "core", "--data", data, "--max-instances", fmt.Sprint(maxInstances),
		"--context", fmt.Sprint(contextLen), "--seed", fmt.Sprint(seed), "--temperature", "0",
		"--round", round, "--track", track, "--submission", id, "--root", dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	err := cmd.Run()
	r := &run{wall: time.Since(began)}
	if err != nil {
		t.Fatalf("scorer run: %v\n%s\nserver:\n%s", err, out.String(), srv.stderr)
	}
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	path := result.Path(dir, round, track, id)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no results file: %v\n%s", err, out.String())
	}
	if _, err := toml.Decode(string(raw), &r.sub); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if r.sub.Run == nil || r.sub.Run.Protocol != protocol || r.sub.Run.Suite != "core" {
		t.Fatalf("%s: run = %+v, want protocol %s, suite core", path, r.sub.Run, protocol)
	}
	if r.sub.Predictions == "" {
		t.Fatalf("%s names no predictions file", path)
	}
	pred := filepath.Join(filepath.Dir(path), r.sub.Predictions)
	f, err := os.Open(pred)
	if err != nil {
		t.Fatalf("predictions: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		var p prediction
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("%s:%d: %v", pred, n, err)
		}
		r.preds = append(r.preds, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	r.sent = srv.received(t)
	return r
}

func checkRun(t *testing.T, srv *server, r *run, tasks []*task.Task) {
	t.Helper()
	// Results and predictions: every instance, none failed.
	want := 0
	for _, tk := range tasks {
		want += len(tk.Eval)
	}
	if len(r.preds) != want || r.sub.Run.Instances != want {
		t.Errorf("%d predictions, results say %d instances; want %d", len(r.preds), r.sub.Run.Instances, want)
	}
	if len(r.sub.Scenarios) != len(tasks) {
		t.Errorf("results have %d scenarios, want %d", len(r.sub.Scenarios), len(tasks))
	}
	for _, p := range r.preds {
		if p.Failed {
			t.Errorf("%s/%s failed: %s: %s", p.Task, p.ID, p.Reason, p.Error)
		}
	}

	// Every completion with its logprobs.
	for _, p := range r.preds {
		if p.Failed || p.Completion == "" {
			continue
		}
		if len(p.Tokens) == 0 {
			t.Errorf("%s/%s: completion %q recorded without tokens", p.Task, p.ID, p.Completion)
			continue
		}
		var text strings.Builder
		sum := 0.0
		for i, tok := range p.Tokens {
			if tok.Logprob == nil || math.IsNaN(*tok.Logprob) || *tok.Logprob > 0 {
				t.Errorf("%s/%s: token %d (%q) has logprob %v", p.Task, p.ID, i, tok.Text, tok.Logprob)
				continue
			}
			sum += *tok.Logprob
			text.WriteString(tok.Text)
		}
		if !strings.HasPrefix(text.String(), p.Completion) {
			t.Errorf("%s/%s: tokens spell %q, not the completion %q", p.Task, p.ID, text.String(), p.Completion)
		}
		if math.Abs(sum-p.Logprob) > 1e-6 {
			t.Errorf("%s/%s: logprob %v, tokens sum to %v", p.Task, p.ID, p.Logprob, sum)
		}
	}

	// The server got each instance's prompt, and every prompt it got fits
	// the context with its max_new_tokens, by the server's own tokenizer.
	if n := len(instancePrompts(r.sent)); n != len(r.preds) {
		t.Errorf("the server received %d prompts for %d instances", n, len(r.preds))
	}
	recorded := map[string]bool{}
	for _, p := range r.preds {
		recorded[p.Prompt] = true
	}
	for i, l := range r.sent {
		if !recorded[l.Prompt] && l.Prompt != healthPrompt {
			t.Errorf("received prompt %d is in no prediction: %.80q", i, l.Prompt)
		}
		if n := srv.tokens(t, l.Prompt); n+l.MaxNewTokens > contextLen {
			t.Errorf("received prompt %d: %d tokens + %d new > context %d", i, n, l.MaxNewTokens, contextLen)
		}
	}

	// Long prompts lost few-shot examples from the left, as few as needed,
	// and never any of the question.
	byKey := map[string]*task.Instance{}
	taskOf := map[string]*task.Task{}
	for _, tk := range tasks {
		for i := range tk.Eval {
			byKey[tk.Spec.Name+"\x00"+tk.Eval[i].ID] = &tk.Eval[i]
			taskOf[tk.Spec.Name] = tk
		}
	}
	truncated := 0
	for _, p := range r.preds {
		in, tk := byKey[p.Task+"\x00"+p.ID], taskOf[p.Task]
		if in == nil {
			t.Errorf("prediction %s/%s is no instance of the suite", p.Task, p.ID)
			continue
		}
		full := tk.Prompt(in)
		dropped := len(full.Shots) - p.Shots
		if dropped < 0 {
			t.Errorf("%s/%s: %d shots recorded, the task has %d", p.Task, p.ID, p.Shots, len(full.Shots))
			continue
		}
		if want := full.DropShots(dropped).Text(); p.Prompt != want {
			t.Errorf("%s/%s: prompt is not the full prompt less its first %d shots:\n got %.200q\nwant %.200q", p.Task, p.ID, dropped, p.Prompt, want)
		}
		if !strings.HasSuffix(p.Prompt, full.Question) {
			t.Errorf("%s/%s: the question was cut", p.Task, p.ID)
		}
		if dropped > 0 {
			truncated++
			bigger := full.DropShots(dropped - 1).Text()
			if n := srv.tokens(t, bigger); n+tk.Format.MaxTokens <= contextLen {
				t.Errorf("%s/%s: dropped %d shots but %d would do (%d tokens + %d fit %d)", p.Task, p.ID, dropped, dropped-1, n, tk.Format.MaxTokens, contextLen)
			}
		}
	}
	if truncated == 0 {
		t.Errorf("no prompt needed truncating: the test does not exercise the context limit")
	}
	t.Logf("%d of %d prompts lost few-shot examples to fit %d tokens", truncated, len(r.preds), contextLen)
}

// healthPrompt is the organizers' health check, which the scorer may send
// before a run.
const healthPrompt = "The capital of France is "

// instancePrompts leaves out health checks.
func instancePrompts(sent []logged) []logged {
	var out []logged
	for _, l := range sent {
		if l.Prompt != healthPrompt {
			out = append(out, l)
		}
	}
	return out
}

func checkRepeatable(t *testing.T, a, b *run) {
	t.Helper()
	if len(a.preds) != len(b.preds) {
		t.Fatalf("runs have %d and %d predictions", len(a.preds), len(b.preds))
	}
	if len(instancePrompts(b.sent)) != len(b.preds) {
		t.Errorf("the second run sent %d requests for %d instances: it was not scored afresh", len(b.sent), len(b.preds))
	}
	for i := range a.preds {
		p, q := a.preds[i], b.preds[i]
		if p.Task != q.Task || p.ID != q.ID {
			t.Fatalf("prediction %d: %s/%s then %s/%s", i, p.Task, p.ID, q.Task, q.ID)
		}
		if p.Completion != q.Completion || p.Raw != q.Raw {
			t.Errorf("%s/%s at temperature 0: %q then %q", p.Task, p.ID, p.Raw+p.Completion, q.Raw+q.Completion)
		}
		if math.Abs(p.Logprob-q.Logprob) > 1e-9 {
			t.Errorf("%s/%s: logprob %v then %v", p.Task, p.ID, p.Logprob, q.Logprob)
		}
	}
}
