package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"podium/result"
	"podium/scorer/cache"
	"podium/scorer/client"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

func sampleTasks(t testing.TB, max int) []*task.Task {
	t.Helper()
	s, err := task.LoadSuite("sample")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(s, task.Options{Seed: 1, MaxInstances: max})
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func simServer(t testing.TB, tasks []*task.Task, acc float64, protocol string) *httptest.Server {
	t.Helper()
	sim, err := simulate.New(tasks, simulate.Options{Accuracy: acc, Seed: 1, Protocol: protocol})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t testing.TB, url, protocol string) *client.HTTP {
	t.Helper()
	c, err := client.New(url, client.Options{Protocol: protocol, Timeout: 2 * time.Second, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func metricValue(t *testing.T, sub *result.Submission, name string) float64 {
	t.Helper()
	for _, sc := range sub.Scenarios {
		for _, m := range sc.Metrics {
			if m.Name == name {
				if m.Value == nil {
					t.Fatalf("%s missing: %s", name, m.Error)
				}
				return *m.Value
			}
		}
	}
	t.Fatalf("no metric %q in %+v", name, sub.Scenarios)
	return 0
}

func TestPerfectAndHopelessSimulatedSubmissions(t *testing.T) {
	tasks := sampleTasks(t, 40)
	for _, protocol := range []string{client.Challenge, client.OpenAI} {
		for _, acc := range []float64{1, 0} {
			t.Run(fmt.Sprintf("%s/%v", protocol, acc), func(t *testing.T) {
				srv := simServer(t, tasks, acc, protocol)
				c := newClient(t, srv.URL, protocol)
				rep, err := Run(context.Background(), tasks, Options{Client: c, Concurrency: 8})
				if err != nil {
					t.Fatal(err)
				}
				sub, err := rep.Submission(Meta{Root: t.TempDir(), Round: "r", Track: "t", Submission: "s"}, protocol)
				if err != nil {
					t.Fatal(err)
				}
				if !sub.Simulated {
					t.Error("results against the simulation are not marked simulated")
				}
				for _, name := range []string{"Arithmetic - EM", "Ordering - EM"} {
					if v := metricValue(t, sub, name); v != acc {
						t.Errorf("%s = %v, want %v", name, v, acc)
					}
				}
				if rep.Stats.Failed != 0 || rep.Stats.Instances != 80 || c.Calls() != 80 {
					t.Errorf("stats %+v, %d calls", rep.Stats, c.Calls())
				}
				for _, o := range rep.Outcomes {
					if o.Raw == "" || strings.Contains(o.Completion, "\n") {
						t.Fatalf("%s: the padding past the stop sequence must be cut: %q / raw %q", o.ID, o.Completion, o.Raw)
					}
					if len(o.Tokens) == 0 || o.Tokens[0].Logprob == nil {
						t.Fatalf("%s: no logprobs recorded", o.ID)
					}
				}
			})
		}
	}
}

// fakeFlaky answers like the simulation but fails some prompts: those
// whose hash is odd get a 500, and those containing "Ada" garbage.
func fakeFlaky(t *testing.T, tasks []*task.Task) (*httptest.Server, *atomic.Int64) {
	sim, _ := simulate.New(tasks, simulate.Options{Accuracy: 1, Seed: 1})
	h := sim.Handler()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req struct{ Prompt string }
		json.Unmarshal(body, &req)
		f := fnv.New32a()
		f.Write([]byte(req.Prompt))
		q := req.Prompt[strings.LastIndex(req.Prompt, "Question:"):]
		switch {
		case req.Prompt != client.HealthPrompt && f.Sum32()%2 == 1:
			http.Error(w, "boom", 500)
		case strings.Contains(q, "Ada"):
			w.Write([]byte("{not json"))
		default:
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestFailuresCountAsWrongWithReasons(t *testing.T) {
	tasks := sampleTasks(t, 60)
	srv, _ := fakeFlaky(t, tasks)
	c := newClient(t, srv.URL, client.Challenge)
	rep, err := Run(context.Background(), tasks, Options{Client: c, Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures["http 500"] == 0 || rep.Failures["invalid json"] == 0 {
		t.Fatalf("failures %v", rep.Failures)
	}
	sum := 0
	for _, n := range rep.Failures {
		sum += n
	}
	if sum != rep.Stats.Failed {
		t.Errorf("failures %v do not add up to %d", rep.Failures, rep.Stats.Failed)
	}
	sub, err := rep.Submission(Meta{Root: t.TempDir(), Round: "r", Track: "t", Submission: "s"}, client.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]int{}
	n := map[string]int{}
	for _, o := range rep.Outcomes {
		n[o.Scenario]++
		if o.Failed {
			if o.Reason == "" || o.Error == "" || o.Scores["exact_match"] != 0 {
				t.Errorf("failed outcome %+v", o)
			}
		} else {
			ok[o.Scenario]++
		}
	}
	for _, sc := range []string{"Arithmetic", "Ordering"} {
		want := float64(ok[sc]) / float64(n[sc])
		if got := metricValue(t, sub, sc+" - EM"); got != want {
			t.Errorf("%s EM = %v, want %v (failures count as wrong)", sc, got, want)
		}
	}
	if sub.Run.Failed != rep.Stats.Failed || sub.Run.Failures["http 500"] != rep.Failures["http 500"] {
		t.Errorf("run section %+v", sub.Run)
	}
	var b bytes.Buffer
	rep.Summary(&b)
	if !strings.Contains(b.String(), "http 500") || !strings.Contains(b.String(), "counted as wrong") {
		t.Errorf("summary:\n%s", b.String())
	}
}

// fakeWordTokenizer serves /tokenize counting one token per byte-pair of
// words, and records every prompt it is sent.
type fakeWordTokenizer struct {
	mu        sync.Mutex
	prompts   []string
	tokenizes atomic.Int64
	calls     atomic.Int64
}

func (f *fakeWordTokenizer) count(s string) int { return len(strings.Fields(s)) * 2 }

func (f *fakeWordTokenizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	var req struct{ Prompt, Text string }
	json.NewDecoder(r.Body).Decode(&req)
	switch r.URL.Path {
	case "/tokenize":
		f.tokenizes.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"tokens": make([]int, f.count(req.Text))})
	case "/process":
		f.mu.Lock()
		f.prompts = append(f.prompts, req.Prompt)
		f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"text": " A", "tokens": []any{}, "logprob": 0})
	}
}

func TestPromptsAreFittedToTheContextFromTheLeftOfTheShots(t *testing.T) {
	tasks := sampleTasks(t, 10)
	fake := &fakeWordTokenizer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := newClient(t, srv.URL, client.Challenge)
	// Arithmetic prompts run ~130 words (260 fake tokens) with 3 shots;
	// smaller windows keep fewer shots.
	for _, window := range []int{120, 160, 200, 240} {
		fake.tokenizes.Store(0)
		rep, err := Run(context.Background(), tasks[:1], Options{Client: c, Concurrency: 4, Context: window})
		if err != nil {
			t.Fatal(err)
		}
		full := tasks[0].Prompt(&tasks[0].Eval[0])
		for i, o := range rep.Outcomes {
			in := &tasks[0].Eval[i]
			p := tasks[0].Prompt(in)
			if !strings.HasSuffix(o.Prompt, p.Question) {
				t.Fatalf("%s: the question was cut: %q", o.ID, o.Prompt)
			}
			if o.Failed {
				if o.Reason != "prompt too long" || fake.count(p.Question)+tasks[0].Format.MaxTokens <= window {
					t.Errorf("window %d, %s: failed: %s", window, o.ID, o.Error)
				}
				continue
			}
			if o.Shots >= len(full.Shots) && fake.count(full.Text())+tasks[0].Format.MaxTokens > window {
				t.Errorf("window %d, %s: kept %d shots", window, o.ID, o.Shots)
			}
			if want := p.DropShots(len(p.Shots) - o.Shots).Text(); o.Prompt != want {
				t.Errorf("window %d, %s: shots were not dropped from the left", window, o.ID)
			}
			if n := fake.count(o.Prompt); n+tasks[0].Format.MaxTokens > window {
				t.Errorf("window %d, %s: %d tokens + %d do not fit", window, o.ID, n, tasks[0].Format.MaxTokens)
			}
			if o.Shots < len(p.Shots) {
				more := p.DropShots(len(p.Shots) - o.Shots - 1).Text()
				if fake.count(more)+tasks[0].Format.MaxTokens <= window {
					t.Errorf("window %d, %s: kept %d shots, but %d fit", window, o.ID, o.Shots, o.Shots+1)
				}
			}
		}
		if n := fake.tokenizes.Load(); n == 0 || n > 3*int64(len(rep.Outcomes)) {
			t.Errorf("window %d: %d tokenize calls for %d instances", window, n, len(rep.Outcomes))
		}
	}
	// A window too small for the question alone fails the instance.
	rep, err := Run(context.Background(), tasks[:1], Options{Client: c, Concurrency: 4, Context: 30})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failures["prompt too long"] != len(rep.Outcomes) {
		t.Errorf("failures %v", rep.Failures)
	}
}

func TestPromptsThatFitCostOneCallEach(t *testing.T) {
	tasks := sampleTasks(t, 50)
	fake := &fakeWordTokenizer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := newClient(t, srv.URL, client.Challenge)
	rep, err := Run(context.Background(), tasks, Options{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if c.Calls() != int64(len(rep.Outcomes)) || fake.tokenizes.Load() != 0 {
		t.Errorf("%d calls (%d tokenize) for %d instances", c.Calls(), fake.tokenizes.Load(), len(rep.Outcomes))
	}
}

func TestCacheResendsNothing(t *testing.T) {
	tasks := sampleTasks(t, 30)
	srv := simServer(t, tasks, 0.5, client.Challenge)
	path := filepath.Join(t.TempDir(), "c.bolt")
	run := func() (*Report, int64) {
		store, err := cache.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		c := newClient(t, srv.URL, client.Challenge)
		rep, err := Run(context.Background(), tasks, Options{Client: c, Cache: store})
		if err != nil {
			t.Fatal(err)
		}
		return rep, c.Calls()
	}
	a, callsA := run()
	b, callsB := run()
	if callsA != 60 || callsB != 0 {
		t.Errorf("calls %d then %d, want 60 then 0", callsA, callsB)
	}
	if !bytes.Equal(a.Predictions(), b.Predictions()) {
		t.Error("cached run gave different predictions")
	}
	if a.Stats.Requests != b.Stats.Requests || b.Stats.Sent != 0 {
		t.Errorf("stats %+v then %+v", a.Stats, b.Stats)
	}
}

func TestWriteIsDeterministicAndReadable(t *testing.T) {
	tasks := sampleTasks(t, 20)
	srv := simServer(t, tasks, 0.6, client.Challenge)
	root := t.TempDir()
	m := Meta{Root: root, Round: "r1", Track: "t1", Submission: "team-x", Suite: "sample", Seed: 1}
	var first []byte
	for i := range 2 {
		rep, err := Run(context.Background(), tasks, Options{Client: newClient(t, srv.URL, client.Challenge), Concurrency: 7 + i})
		if err != nil {
			t.Fatal(err)
		}
		path, err := rep.Write(m, client.Challenge)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		pred, _ := os.ReadFile(filepath.Join(root, "results/r1/t1/team-x"+PredictionsSuffix))
		data = append(data, pred...)
		if i == 0 {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Error("two runs wrote different bytes")
		}
		sub, err := result.ReadSubmission(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Team != "team-x" || sub.Predictions != "team-x"+PredictionsSuffix || sub.Run.Instances != 40 || sub.Run.Suite != "sample" {
			t.Errorf("submission %+v run %+v", sub, sub.Run)
		}
	}
	outs, err := ReadPredictions(filepath.Join(root, "results/r1/t1/team-x"+PredictionsSuffix))
	if err != nil || len(outs) != 40 || outs[0].Prompt == "" || len(outs[0].References) == 0 || outs[0].Scores == nil {
		t.Fatalf("predictions: %d, %v", len(outs), err)
	}
	// Leftover temp files would be picked up by the generator.
	entries, _ := os.ReadDir(filepath.Join(root, "results/r1/t1"))
	if len(entries) != 2 {
		t.Errorf("results folder holds %d entries, want 2", len(entries))
	}
	// A team set by the organizers survives a re-run.
	path := result.Path(root, "r1", "t1", "team-x")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(data, []byte(`team = "team-x"`), []byte(`team = "The X Team"`), 1), 0o644)
	rep, _ := Run(context.Background(), tasks, Options{Client: newClient(t, srv.URL, client.Challenge)})
	rep.Write(m, client.Challenge)
	if sub, _ := result.ReadSubmission(path, nil); sub.Team != "The X Team" {
		t.Errorf("team %q after a re-run", sub.Team)
	}
}

func TestIdenticalRequestsInFlightAreSentOnce(t *testing.T) {
	tasks := sampleTasks(t, 10)
	dup := *tasks[0]
	dup.Spec.Name = "arithmetic-again"
	srv := simServer(t, tasks, 1, client.Challenge)
	c := newClient(t, srv.URL, client.Challenge)
	store, err := cache.Open(filepath.Join(t.TempDir(), "c.bolt"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rep, err := Run(context.Background(), []*task.Task{tasks[0], &dup}, Options{Client: c, Cache: store, Concurrency: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Outcomes) != 20 || c.Calls() != 10 {
		t.Fatalf("%d outcomes, %d calls; want 20 outcomes from 10 calls", len(rep.Outcomes), c.Calls())
	}
}

func TestCanceledRunReturnsAnError(t *testing.T) {
	tasks := sampleTasks(t, 30)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Run(ctx, tasks, Options{Client: newClient(t, srv.URL, client.Challenge)}); err == nil || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("got %v", err)
	}
}
