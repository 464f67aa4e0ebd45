package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"podium/scorer/client"
	"podium/scorer/simulate"
)

// fakeHostileMix misbehaves on most prompts, a different way for each
// (chosen by the prompt's hash), and answers the rest like the simulation.
func fakeHostileMix(t *testing.T, h http.Handler) *httptest.Server {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ Prompt string }
		json.Unmarshal(body, &req)
		f := fnv.New32a()
		f.Write([]byte(req.Prompt))
		switch f.Sum32() % 7 {
		case 0: // hang
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		case 1:
			http.Error(w, "Internal Server Error", 500)
		case 2:
			w.Write([]byte("<html>garbage"))
		case 3: // 8 MB, over the 1 MB cap
			w.Header().Set("Content-Length", strconv.Itoa(8<<20))
			w.Write(bytes.Repeat([]byte("x"), 8<<20))
		case 4:
			w.Write([]byte(`{"text": " 1", "tokens": [{"text": " 1", "logprob": NaN}], "logprob": NaN}`))
		case 5: // drips slower than the timeout allows
			for range 100 {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		default:
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv
}

func TestHostileServerDoesNotStopTheRun(t *testing.T) {
	tasks := sampleTasks(t, 40)
	sim, _ := simulate.New(tasks, simulate.Options{Accuracy: 1, Seed: 1})
	srv := fakeHostileMix(t, sim.Handler())
	c, err := client.New(srv.URL, client.Options{Timeout: time.Second, Retries: -1, MaxBody: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	rep, err := Run(context.Background(), tasks, Options{Client: c, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("the run took %s", el)
	}
	for _, reason := range []string{"timeout", "http 500", "invalid json", "body too large", "nan logprob"} {
		if rep.Failures[reason] == 0 {
			t.Errorf("no failure counted as %q: %v", reason, rep.Failures)
		}
	}
	ok := 0
	for _, o := range rep.Outcomes {
		if !o.Failed {
			ok++
			if o.Scores["exact_match"] != 1 {
				t.Errorf("%s: a good answer scored %v", o.ID, o.Scores)
			}
		} else if !strings.Contains(o.Error, o.Reason) {
			t.Errorf("%s: error %q does not carry its reason %q", o.ID, o.Error, o.Reason)
		}
	}
	if ok == 0 || ok+rep.Stats.Failed != len(rep.Outcomes) {
		t.Errorf("%d good, %d failed of %d", ok, rep.Stats.Failed, len(rep.Outcomes))
	}
}
