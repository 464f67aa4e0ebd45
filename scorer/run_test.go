package main

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"podium/internal/sharedtest"
	"podium/result"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

// scorerCmd runs the command line in-process and returns its exit status
// and standard error.
func scorerCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	code := dispatch(args)
	os.Stderr = old
	w.Close()
	return code, <-done
}

// simulatedServer serves a suite as `scorer simulate` does.
func simulatedServer(t *testing.T, suite, data string, acc float64) string {
	t.Helper()
	s, err := task.LoadSuite(suite)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(s, task.Options{DataDir: data, Seed: 1})
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

func TestRunUnreachableServerWritesNothing(t *testing.T) {
	root := t.TempDir()
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	code, stderr := scorerCmd(t, "run", "--endpoint", url, "--suite", "sample", "--round", "r", "--track", "t",
		"--submission", "s", "--root", root, "--wait", "300ms")
	if code == 0 || !strings.Contains(stderr, "cannot reach the server") || !strings.Contains(stderr, url) {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "results")); !os.IsNotExist(err) {
		t.Error("a results folder was written for an unreachable server")
	}
}

func TestRunWritesResultsAndResumesFromCache(t *testing.T) {
	root := t.TempDir()
	url := simulatedServer(t, "sample", "", 0.5)
	args := []string{"run", "--endpoint", url, "--suite", "sample", "--round", "r1", "--track", "t1",
		"--submission", "team-a", "--root", root, "--max-instances", "20", "--concurrency", "4"}
	code, stderr := scorerCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	path := result.Path(root, "r1", "t1", "team-a")
	sub, err := result.ReadSubmission(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sub.Simulated || sub.Run.Instances != 40 || len(sub.Scenarios) != 2 || sub.Run.Protocol != "challenge" {
		t.Errorf("results %+v, run %+v", sub, sub.Run)
	}
	if _, err := os.Stat(filepath.Join(root, "results/r1/t1/team-a.predictions.jsonl")); err != nil {
		t.Error(err)
	}
	first, _ := os.ReadFile(path)
	code, stderr = scorerCmd(t, args...)
	if code != 0 || !strings.Contains(stderr, "0 sent to the server, 40 from the cache") {
		t.Fatalf("second run: exit %d:\n%s", code, stderr)
	}
	again, _ := os.ReadFile(path)
	if string(first) != string(again) {
		t.Error("the resumed run wrote different results")
	}
}

func TestRunUsage(t *testing.T) {
	if code, stderr := scorerCmd(t, "run", "--suite", "sample"); code != 2 || !strings.Contains(stderr, "--endpoint is required") {
		t.Errorf("missing endpoint: exit %d, %s", code, stderr)
	}
	if code, stderr := scorerCmd(t, "run", "--help"); code != 0 || !strings.Contains(stderr, "--max-instances") {
		t.Errorf("--help: exit %d, %s", code, stderr)
	}
	if code, _ := scorerCmd(t, "run", "--endpoint", "http://x", "--suite", "sample", "--round", "r/1", "--track", "t", "--submission", "s"); code != 2 {
		t.Errorf("bad round ID: exit %d", code)
	}
	if code, stderr := scorerCmd(t, "run", "--endpoint", "http://x", "--suite", "nosuch", "--round", "r", "--track", "t", "--submission", "s"); code != 1 || !strings.Contains(stderr, `no bundled suite "nosuch"`) {
		t.Errorf("unknown suite: exit %d, %s", code, stderr)
	}
	if code, _ := scorerCmd(t, "simulate", "--suite", "sample"); code != 2 {
		t.Errorf("simulate without --accuracy: exit %d", code)
	}
	if code, _ := scorerCmd(t, "import", "nosuch"); code != 2 {
		t.Errorf("unknown import kind: exit %d", code)
	}
}

// The core suite over the real datasets: a perfect simulated submission
// scores 1 on every scenario, so prompts, gold answers and metrics agree.
func TestCoreSuiteOnSharedData(t *testing.T) {
	data := sharedtest.Dir(t, "data")
	root := t.TempDir()
	url := simulatedServer(t, "core", data, 1)
	code, stderr := scorerCmd(t, "run", "--endpoint", url, "--suite", "core", "--data", data, "--round", "r", "--track", "t",
		"--submission", "perfect", "--root", root, "--max-instances", "15", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	sub, err := result.ReadSubmission(result.Path(root, "r", "t", "perfect"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"GSM8K": true, "TruthfulQA": true, "BBQ": true}
	for _, sc := range sub.Scenarios {
		delete(want, sc.Name)
		for _, m := range sc.Metrics {
			if m.Value == nil || *m.Value != 1 {
				t.Errorf("%s: %s = %v (%s), want 1", sc.Name, m.Name, m.Value, m.Error)
			}
		}
	}
	if len(want) > 0 || sub.Run.Instances != 45 {
		t.Errorf("missing scenarios %v; %d instances", want, sub.Run.Instances)
	}
}
