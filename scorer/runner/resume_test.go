package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"podium/scorer/cache"
	"podium/scorer/client"
	"podium/scorer/simulate"
)

// fakeStalling answers like the simulation, counting the answers per
// prompt. Until released it admits only `after` requests: later ones stall
// unanswered until their client goes away.
type fakeStalling struct {
	h        http.Handler
	after    int
	stop     chan struct{}
	released bool
	mu       sync.Mutex
	answered map[string]int
	admitted int
	total    int
}

func (f *fakeStalling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct{ Prompt string }
	json.Unmarshal(body, &req)
	if req.Prompt != client.HealthPrompt {
		f.mu.Lock()
		stall := !f.released && f.admitted >= f.after
		if !stall {
			f.admitted++
		}
		f.mu.Unlock()
		if stall {
			select {
			case <-f.stop:
			case <-r.Context().Done():
			}
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.h.ServeHTTP(w, r)
	f.mu.Lock()
	f.answered[req.Prompt]++
	f.total++
	f.mu.Unlock()
}

func (f *fakeStalling) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// TestHelperResumeChild is the scorer process the kill test kills.
func TestHelperResumeChild(t *testing.T) {
	url := os.Getenv("PODIUM_RESUME_URL")
	if url == "" {
		t.Skip("run by TestKillAndResume")
	}
	store, err := cache.Open(os.Getenv("PODIUM_RESUME_CACHE"))
	if err != nil {
		t.Fatal(err)
	}
	Run(context.Background(), sampleTasks(t, 100), Options{Client: newClient(t, url, client.Challenge), Cache: store, Concurrency: 8})
	t.Fatal("the child was meant to be killed before it finished")
}

func TestKillAndResume(t *testing.T) {
	tasks := sampleTasks(t, 100)
	sim, _ := simulate.New(tasks, simulate.Options{Accuracy: 0.5, Seed: 1})
	fake := &fakeStalling{h: sim.Handler(), after: 77, stop: make(chan struct{}), answered: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer close(fake.stop)
	cachePath := filepath.Join(t.TempDir(), "run.bolt")

	child := exec.Command(os.Args[0], "-test.run=^TestHelperResumeChild$", "-test.count=1")
	child.Env = append(os.Environ(), "PODIUM_RESUME_URL="+srv.URL, "PODIUM_RESUME_CACHE="+cachePath)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for fake.count() < fake.after {
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the child answered only %d requests", fake.count())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the answers reach the child and its cache
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	fake.mu.Lock()
	fake.released = true
	fake.mu.Unlock()

	store, err := cache.Open(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.URL, client.Challenge)
	rep, err := Run(context.Background(), tasks, Options{Client: c, Cache: store, Concurrency: 8})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Sent != 200-fake.after {
		t.Errorf("resumed run sent %d requests, want %d", rep.Stats.Sent, 200-fake.after)
	}
	for p, n := range fake.answered {
		if n > 1 {
			t.Errorf("answered %d times: %.60q", n, p)
		}
	}
	if len(fake.answered) != 200 {
		t.Errorf("%d distinct prompts answered, want 200", len(fake.answered))
	}
	// The result is the one an uninterrupted run gives.
	fresh, err := Run(context.Background(), tasks, Options{Client: newClient(t, simServer(t, tasks, 0.5, client.Challenge).URL, client.Challenge)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh.Predictions(), rep.Predictions()) {
		t.Error("resumed run's predictions differ from an uninterrupted run's")
	}
}
