package runner

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"podium/scorer/cache"
	"podium/scorer/client"
	"podium/scorer/task"
)

// syntheticTasks is one generation task of n short instances.
func syntheticTasks(b testing.TB, n int) []*task.Task {
	b.Helper()
	dir := b.TempDir()
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `{"id":"i%05d","input":"What is %d plus %d?","references":[{"text":"%d"}]}`+"\n", i, i, i, 2*i)
	}
	os.WriteFile(filepath.Join(dir, "i.jsonl"), []byte(sb.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "t.toml"), []byte("name='bench'\ninstances='i.jsonl'\nadapter='generation'\nmetrics=['exact_match']\nmax_tokens=5\n"), 0o644)
	s, err := task.LoadSuite(filepath.Join(dir, "t.toml"))
	if err != nil {
		b.Fatal(err)
	}
	tasks, err := task.Build(s, task.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return tasks
}

const instantBody = `{"text": " A\n\nmore", "tokens": [{"text": " A", "logprob": -0.1, "top_logprob": {" A": -0.1}}, {"text": "\n\nmore", "logprob": -2, "top_logprob": {"\n\nmore": -2}}], "logprob": -2.1, "request_time": 0.0}`

// fakeCapacity answers after a fixed latency, serving at most capacity
// requests at once; the others queue, as on a GPU server. held adds up how
// long requests really held a slot: timers overshoot, more so on a busy
// machine, so the latency delivered is a little over the one asked for.
func fakeCapacity(latency time.Duration, capacity int, held *atomic.Int64) http.Handler {
	slots := make(chan struct{}, capacity)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		slots <- struct{}{}
		start := time.Now()
		time.Sleep(latency)
		held.Add(int64(time.Since(start)))
		<-slots
		w.Write([]byte(instantBody))
	})
}

// BenchmarkThroughput: 2,000 instances against a fake server with 50 ms
// latency and capacity 32, at concurrency 32. Target: at most 1.03 × the
// ideal N × latency ÷ capacity.
func BenchmarkThroughput(b *testing.B) {
	const n, capacity = 2000, 32
	const latency = 50 * time.Millisecond
	tasks := syntheticTasks(b, n)
	var held atomic.Int64
	srv := httptest.NewServer(fakeCapacity(latency, capacity, &held))
	defer srv.Close()
	ideal := time.Duration(n) * latency / capacity
	var worst, worstDelivered float64
	for b.Loop() {
		held.Store(0)
		store, err := cache.Open(filepath.Join(b.TempDir(), "c.bolt"))
		if err != nil {
			b.Fatal(err)
		}
		c, _ := client.New(srv.URL, client.Options{Concurrency: capacity})
		start := time.Now()
		rep, err := Run(context.Background(), tasks, Options{Client: c, Cache: store, Concurrency: capacity})
		el := time.Since(start)
		store.Close()
		if err != nil || rep.Stats.Failed > 0 {
			b.Fatalf("%v, %d failed", err, rep.Stats.Failed)
		}
		worst = max(worst, el.Seconds()/ideal.Seconds())
		// The same against the latency the fake really delivered.
		worstDelivered = max(worstDelivered, el.Seconds()/(float64(held.Load())/1e9/capacity))
	}
	b.ReportMetric(worst, "x_ideal_time")
	b.ReportMetric(worstDelivered, "x_delivered_time")
	b.ReportMetric(worst/1.03, "ratio_to_target")
	b.ReportMetric(timerFloor(latency, (n+capacity-1)/capacity)/ideal.Seconds(), "x_ideal_timer_floor")
}

// timerFloor is how long rounds back-to-back sleeps of d take on this
// machine: the best any scorer can do against the fake server.
func timerFloor(d time.Duration, rounds int) float64 {
	start := time.Now()
	for range rounds {
		time.Sleep(d)
	}
	return time.Since(start).Seconds()
}

// BenchmarkCallsPerInstance: HTTP calls per instance on the sample suite
// when prompts fit, the health check included. Target: at most 1.05.
func BenchmarkCallsPerInstance(b *testing.B) {
	tasks := sampleTasks(b, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(instantBody))
	}))
	defer srv.Close()
	var ratio float64
	for b.Loop() {
		c, _ := client.New(srv.URL, client.Options{})
		if err := c.WaitHealthy(context.Background(), time.Second); err != nil {
			b.Fatal(err)
		}
		rep, err := Run(context.Background(), tasks, Options{Client: c})
		if err != nil {
			b.Fatal(err)
		}
		ratio = float64(c.Calls()) / float64(rep.Stats.Instances)
	}
	b.ReportMetric(ratio, "calls/instance")
	b.ReportMetric(ratio/1.05, "ratio_to_target")
}

// TestHelperInstantServer is the instant server of BenchmarkCPUPerRequest,
// run in its own process so that its CPU time is not the scorer's.
func TestHelperInstantServer(t *testing.T) {
	if os.Getenv("PODIUM_INSTANT_SERVER") == "" {
		t.Skip("run by BenchmarkCPUPerRequest")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(ln.Addr())
	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
	body := []byte(instantBody)
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(body)
	}))
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCPUPerRequest: the scorer's CPU time per request against an
// instant server in another process, cache included. Target: at most 30 µs.
func BenchmarkCPUPerRequest(b *testing.B) {
	const n = 4000
	tasks := syntheticTasks(b, n)
	srvProc := exec.Command(os.Args[0], "-test.run=^TestHelperInstantServer$", "-test.count=1")
	srvProc.Env = append(os.Environ(), "PODIUM_INSTANT_SERVER=1")
	stdin, _ := srvProc.StdinPipe()
	stdout, _ := srvProc.StdoutPipe()
	if err := srvProc.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); srvProc.Wait() }()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + strings.TrimSpace(addr)
	var best, floor float64
	for b.Loop() {
		// The client alone: the same requests, sent straight.
		c0, _ := client.New(url, client.Options{})
		before := cpuTime()
		var wg sync.WaitGroup
		for w := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += 30 {
					in := &tasks[0].Eval[i]
					if _, err := c0.Complete(context.Background(), client.Request{Prompt: tasks[0].Prompt(in).Text(), MaxTokens: 5, TopK: 1}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		c0.Close()
		if us := float64((cpuTime() - before).Microseconds()) / n; floor == 0 || us < floor {
			floor = us
		}

		store, err := cache.Open(filepath.Join(b.TempDir(), "c.bolt"))
		if err != nil {
			b.Fatal(err)
		}
		c, _ := client.New(url, client.Options{})
		before = cpuTime()
		rep, err := Run(context.Background(), tasks, Options{Client: c, Cache: benchCache(store), Concurrency: 30})
		store.Close()
		used := cpuTime() - before
		if err != nil || rep.Stats.Failed > 0 || rep.Stats.Sent != n {
			b.Fatalf("%v, stats %+v", err, rep.Stats)
		}
		us := float64(used.Microseconds()) / n
		if best == 0 || us < best {
			best = us
		}
	}
	b.ReportMetric(best, "cpu_us/request")
	b.ReportMetric(best/30, "ratio_to_target")
	b.ReportMetric(floor, "client_only_us/request")
}

func benchCache(c *cache.Cache) *cache.Cache {
	if os.Getenv("PODIUM_BENCH_NOCACHE") != "" {
		return nil
	}
	return c
}
