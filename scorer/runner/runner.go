// Package runner scores a suite against a submission's server: it builds
// each prompt, fits it to the context window, asks the server (through the
// response cache), cuts and scores the completions, and assembles results.
package runner

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"podium/result"
	"podium/scorer/cache"
	"podium/scorer/client"
	"podium/scorer/metric"
	"podium/scorer/task"
)

// Client is what the runner needs from a server client.
type Client interface {
	Complete(ctx context.Context, req client.Request) (*client.Response, error)
	CountTokens(ctx context.Context, text string) (int, error)
	// ParseCompletion reads a response body kept in the cache.
	ParseCompletion(body []byte, simulated bool, prompt string) (*client.Response, error)
	Identity() string
	Protocol() string
}

// Sampler observes a run, e.g. a GPU's power and memory (issue 6). Start is
// called just before the first request, Stop after the last, with the run's
// figures; Stop may fill the submission's Hardware and Efficiency.
type Sampler interface {
	Start() error
	Stop(st Stats) (*Measured, error)
}

// Measured is what a Sampler adds to the results.
type Measured struct {
	Hardware   *result.Hardware
	Efficiency *result.Efficiency
}

// Stats are a run's figures.
type Stats struct {
	Wall      time.Duration
	Instances int
	Requests  int // completions, cache hits included
	Sent      int // completions sent to the server in this run
	Tokens    int // generated tokens
	Failed    int
}

// Options configure a run.
type Options struct {
	Client      Client
	Cache       *cache.Cache // nil: no cache
	Concurrency int          // default 30
	Context     int          // context window in tokens; default 2048
	Temperature *float64     // overrides the tasks' temperature
	Seed        int64        // sent with each request
	Progress    Progress     // nil: none
	Sampler     Sampler      // nil: none
}

// Progress is told how many instances are done.
type Progress interface {
	Start(total int)
	Add(n int)
	Finish()
}

// Outcome is one scored instance; it is one line of the predictions file.
type Outcome struct {
	Task         string             `json:"task"`
	Scenario     string             `json:"scenario"`
	ID           string             `json:"id"`
	Perturbation string             `json:"perturbation,omitempty"`
	Source       string             `json:"source,omitempty"`
	Prompt       string             `json:"prompt"`
	Shots        int                `json:"shots"` // few-shot examples kept after fitting
	Completion   string             `json:"completion"`
	Raw          string             `json:"raw,omitempty"` // the completion before the stop sequences, when it differs
	References   []task.Reference   `json:"references"`
	Gold         []string           `json:"gold"`
	Scores       map[string]float64 `json:"scores"` // read-only: outcomes with equal scores may share it
	Logprob      float64            `json:"logprob"`
	Tokens       []client.Token     `json:"tokens"`
	Failed       bool               `json:"failed,omitempty"`
	Reason       string             `json:"reason,omitempty"`
	Error        string             `json:"error,omitempty"`

	instance  *task.Instance
	label     string
	generated int // tokens the server generated, past the stop sequences too
}

// Report is a finished run.
type Report struct {
	Tasks     []*task.Task
	Outcomes  []Outcome // task order, then instance order
	Stats     Stats
	Failures  map[string]int // reason -> count
	Simulated bool
	Measured  *Measured
}

// tokenSlack is how many more tokens than bytes a tokenizer may produce
// (BOS/EOS and the like): below it a prompt surely fits without /tokenize.
const tokenSlack = 8

type job struct {
	t  *task.Task
	in *task.Instance
}

type runState struct {
	opt      Options
	identity string // the endpoint's, for cache keys
	sent     atomic.Int64
	requests atomic.Int64
	sim      atomic.Bool
	mu       sync.Mutex
	// flight holds the requests in flight: nil, or a flight once another
	// request waits for the same response.
	flight map[[sha256.Size]byte]*flight
}

type flight struct {
	done chan struct{}
	resp *client.Response
	err  error
}

// scratch is a worker's memory, reused from one instance to the next.
type scratch struct {
	key    []byte                           // what requestKey hashes
	scores []float64                        // an instance's scores, metric by metric
	shared map[sharedKey]map[string]float64 // see score
}

// sharedKey names a task's scores when each is 0 or 1: bit i is metric i's.
type sharedKey struct {
	t    *task.Task
	ones uint64
}

// Run scores every instance of the tasks. It returns an error only when
// the run could not be done (bad metric, canceled); server failures are
// recorded per instance.
func Run(ctx context.Context, tasks []*task.Task, opt Options) (*Report, error) {
	if opt.Client == nil {
		return nil, errors.New("runner: no client")
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 30
	}
	if opt.Context <= 0 {
		opt.Context = 2048
	}
	if err := checkMetrics(tasks); err != nil {
		return nil, err
	}
	n := 0
	for _, t := range tasks {
		n += len(t.Eval)
	}
	jobs := make([]job, 0, n)
	for _, t := range tasks {
		for i := range t.Eval {
			jobs = append(jobs, job{t: t, in: &t.Eval[i]})
		}
	}
	rs := &runState{opt: opt, identity: opt.Client.Identity(), flight: map[[sha256.Size]byte]*flight{}}
	if opt.Cache != nil {
		opt.Cache.Reserve(len(jobs))
	}
	out := make([]Outcome, len(jobs))
	if opt.Progress != nil {
		opt.Progress.Start(len(jobs))
	}
	if opt.Sampler != nil {
		if err := opt.Sampler.Start(); err != nil {
			return nil, fmt.Errorf("sampler: %w", err)
		}
	}
	start := time.Now()
	// Workers take the next job by an atomic index: no feeder goroutine to
	// wake for every request.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(opt.Concurrency, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc scratch
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				out[i] = rs.one(ctx, jobs[i], &sc)
				if opt.Progress != nil {
					opt.Progress.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if opt.Progress != nil {
		opt.Progress.Finish()
	}
	if err := ctx.Err(); err != nil {
		if opt.Sampler != nil {
			opt.Sampler.Stop(Stats{Wall: wall})
		}
		return nil, fmt.Errorf("run interrupted (%w); completed responses are cached: run again to resume", err)
	}
	rep := &Report{Tasks: tasks, Outcomes: out, Failures: map[string]int{}, Simulated: rs.sim.Load()}
	for _, o := range out {
		if o.Failed {
			rep.Stats.Failed++
			rep.Failures[o.Reason]++
		}
		rep.Stats.Tokens += o.generated
	}
	rep.Stats.Wall, rep.Stats.Instances = wall, len(out)
	rep.Stats.Requests, rep.Stats.Sent = int(rs.requests.Load()), int(rs.sent.Load())
	if opt.Sampler != nil {
		m, err := opt.Sampler.Stop(rep.Stats)
		if err != nil {
			return nil, fmt.Errorf("sampler: %w", err)
		}
		rep.Measured = m
	}
	return rep, nil
}

func checkMetrics(tasks []*task.Task) error {
	for _, t := range tasks {
		for _, m := range t.Spec.Metrics {
			if !metric.Known(m) {
				return fmt.Errorf("task %q: unknown metric %q (known: %s)", t.Spec.Name, m, strings.Join(metric.Names(), ", "))
			}
		}
	}
	return nil
}

// one scores one instance.
func (rs *runState) one(ctx context.Context, j job, sc *scratch) Outcome {
	t, in := j.t, j.in
	o := Outcome{
		Task: t.Spec.Name, Scenario: t.Spec.ScenarioName(), ID: in.ID, Perturbation: in.Perturbation, Source: in.Source,
		References: in.References, Gold: t.Format.Gold(in), instance: in, label: t.Spec.Label,
	}
	fail := func(err error) Outcome {
		o.Failed, o.Reason, o.Error = true, client.Reason(err), err.Error()
		o.Scores = zeroScores(t.Spec.Metrics)
		return o
	}
	prompt, shots, err := rs.fit(ctx, t, in)
	o.Prompt, o.Shots = prompt, shots
	if err != nil {
		return fail(err)
	}
	temp := t.Format.Temperature
	if rs.opt.Temperature != nil {
		temp = *rs.opt.Temperature
	}
	req := client.Request{Prompt: prompt, MaxTokens: t.Format.MaxTokens, Temperature: temp, TopK: t.Format.TopK,
		Seed: rs.opt.Seed, Stop: t.Format.Stop}
	resp, err := rs.complete(ctx, req, sc)
	if err != nil {
		return fail(err)
	}
	o.Completion = task.CutAtStop(resp.Text, t.Format.Stop)
	if o.Completion != resp.Text {
		o.Raw = resp.Text
	}
	o.Tokens = tokensWithin(resp.Tokens, len(o.Completion))
	o.generated = len(resp.Tokens)
	for _, tok := range o.Tokens {
		if tok.Logprob != nil {
			o.Logprob += *tok.Logprob
		}
	}
	if len(resp.Tokens) == 0 {
		o.Logprob = resp.Logprob
	}
	o.Scores = sc.score(t, o.Completion, o.Gold)
	return o
}

// score scores a completion on the task's metrics. Outcomes whose scores
// are all 0 or 1, as most are, share one map per task and worker: a map
// each would cost two allocations per instance.
func (sc *scratch) score(t *task.Task, completion string, gold []string) map[string]float64 {
	metrics := t.Spec.Metrics
	share := len(metrics) <= 64
	var ones uint64
	sc.scores = sc.scores[:0]
	for i, m := range metrics {
		var v float64
		if fn, ok := metric.Lookup(m); ok {
			v = fn(completion, gold)
		}
		switch math.Float64bits(v) {
		case 0:
		case math.Float64bits(1):
			ones |= 1 << i
		default:
			share = false
		}
		sc.scores = append(sc.scores, v)
	}
	key := sharedKey{t, ones}
	if s, ok := sc.shared[key]; ok && share {
		return s
	}
	s := make(map[string]float64, len(metrics))
	for i, m := range metrics {
		if _, ok := metric.Lookup(m); ok {
			s[m] = sc.scores[i]
		}
	}
	if share {
		if sc.shared == nil {
			sc.shared = map[sharedKey]map[string]float64{}
		}
		sc.shared[key] = s
	}
	return s
}

func zeroScores(metrics []string) map[string]float64 {
	s := map[string]float64{}
	for _, m := range metrics {
		if _, ok := metric.Lookup(m); ok {
			s[m] = 0
		}
	}
	return s
}

// tokensWithin keeps the tokens that start before byte n of the text.
func tokensWithin(toks []client.Token, n int) []client.Token {
	pos := 0
	for i, t := range toks {
		if pos >= n {
			return toks[:i]
		}
		pos += len(t.Text)
	}
	return toks
}

// requestKey is the cache key of a completion request: cache.Key of the
// request's fields, hashed in one go. It builds them in buf and returns
// it, grown, for the next key.
func requestKey(buf []byte, identity string, req *client.Request) ([sha256.Size]byte, []byte) {
	b := append(buf[:0], identity...)
	b = append(b, 0)
	b = append(b, "complete\x00"...)
	b = binary.AppendUvarint(b, uint64(len(req.Prompt)))
	b = append(b, req.Prompt...)
	b = binary.AppendVarint(b, int64(req.MaxTokens))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(req.Temperature))
	b = binary.AppendVarint(b, int64(req.TopK))
	b = binary.AppendVarint(b, req.Seed)
	for _, s := range req.Stop {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return sha256.Sum256(b), b
}

// The flag byte before a body in the cache: whether the server said it
// is a simulation.
var flagServed, flagSimulated = []byte{0}, []byte{1}

// complete asks through the cache; identical requests in flight at once
// are sent once. The cache keeps the body as received, a flag byte first.
func (rs *runState) complete(ctx context.Context, req client.Request, sc *scratch) (*client.Response, error) {
	rs.requests.Add(1)
	var key [sha256.Size]byte
	key, sc.key = requestKey(sc.key, rs.identity, &req)
	if rs.opt.Cache != nil {
		if v, ok, err := rs.opt.Cache.Get(key[:]); err != nil {
			return nil, err
		} else if ok && len(v) > 0 {
			if r, err := rs.opt.Client.ParseCompletion(v[1:], v[0] == 1, req.Prompt); err == nil {
				if r.Simulated {
					rs.sim.Store(true)
				}
				return r, nil
			}
		}
	}
	rs.mu.Lock()
	if f, ok := rs.flight[key]; ok {
		if f == nil { // the first to wait for it
			f = &flight{done: make(chan struct{})}
			rs.flight[key] = f
		}
		rs.mu.Unlock()
		select {
		case <-f.done:
			return f.resp, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	rs.flight[key] = nil
	rs.mu.Unlock()
	rs.sent.Add(1)
	resp, err := rs.opt.Client.Complete(ctx, req)
	if err == nil {
		if resp.Simulated {
			rs.sim.Store(true)
		}
		if rs.opt.Cache != nil && resp.Body != nil {
			flag := flagServed
			if resp.Simulated {
				flag = flagSimulated
			}
			err = rs.opt.Cache.Put(key[:], flag, resp.Body)
		}
	}
	rs.mu.Lock()
	f := rs.flight[key]
	delete(rs.flight, key)
	rs.mu.Unlock()
	if f != nil {
		f.resp, f.err = resp, err
		close(f.done)
	}
	return resp, err
}

// countTokens asks the server's tokenizer, through the cache.
func (rs *runState) countTokens(ctx context.Context, text string) (int, error) {
	key := cache.Key(rs.identity+" tokenize", []byte(text))
	if rs.opt.Cache != nil {
		if v, ok, err := rs.opt.Cache.Get(key); err == nil && ok {
			var n int
			if json.Unmarshal(v, &n) == nil {
				return n, nil
			}
		}
	}
	n, err := rs.opt.Client.CountTokens(ctx, text)
	if err == nil && rs.opt.Cache != nil {
		v, _ := json.Marshal(n)
		err = rs.opt.Cache.Put(key, nil, v)
	}
	return n, err
}

// ErrTooLong is a prompt that cannot fit even without few-shot examples.
var ErrTooLong = &client.Error{Endpoint: "prompt", Reason: "prompt too long"}

// fit returns the prompt with as many few-shot examples as fit in the
// context window beside the completion's max tokens, dropping examples
// from the left; the question is never cut. It asks the tokenizer only
// when the byte length says the prompt might not fit.
func (rs *runState) fit(ctx context.Context, t *task.Task, in *task.Instance) (string, int, error) {
	p := t.Prompt(in)
	limit := rs.opt.Context - t.Format.MaxTokens
	text := p.Text()
	if len(text)+tokenSlack <= limit {
		return text, len(p.Shots), nil
	}
	// The prompt may not fit: count its tokens, then drop shots from the
	// left, starting from the count the tokens-per-byte ratio predicts and
	// stepping until the fewest drops that fit are known.
	n, err := rs.countTokens(ctx, text)
	noTokenizer := errors.Is(err, client.ErrNoTokenizer)
	if err != nil && !noTokenizer {
		return text, len(p.Shots), err
	}
	if !noTokenizer && n <= limit {
		return text, len(p.Shots), nil
	}
	texts := make([]string, len(p.Shots)+1) // texts[k]: without the first k shots
	texts[0] = text
	at := func(k int) string {
		if texts[k] == "" {
			texts[k] = p.DropShots(k).Text()
		}
		return texts[k]
	}
	known := map[int]bool{}
	fits := func(k int) (bool, error) {
		if ok, seen := known[k]; seen {
			return ok, nil
		}
		s := at(k)
		ok := len(s)+tokenSlack <= limit
		if !ok && !noTokenizer { // without one, bytes bound every tokenizer's count
			m, err := rs.countTokens(ctx, s)
			if err != nil {
				return false, err
			}
			ok = m <= limit
		}
		known[k] = ok
		return ok, nil
	}
	k := 1
	if !noTokenizer {
		ratio := float64(n) / float64(len(text))
		for k < len(p.Shots) && ratio*float64(len(at(k))) > float64(limit) {
			k++
		}
	}
	failed := 0 // every drop below this is known not to fit
	for k <= len(p.Shots) {
		ok, err := fits(k)
		if err != nil {
			return at(k), len(p.Shots) - k, err
		}
		if !ok {
			failed = k + 1
			k++
			continue
		}
		if k <= failed || k == 1 {
			return at(k), len(p.Shots) - k, nil
		}
		k-- // it fits: would one shot more fit too?
	}
	q := p.DropShots(len(p.Shots))
	return q.Text(), 0, &client.Error{Endpoint: "prompt", Reason: "prompt too long",
		Detail: fmt.Sprintf("the question alone does not fit %d tokens with %d for the answer", rs.opt.Context, t.Format.MaxTokens)}
}

// Records turns a report into metric records, grouped by scenario in suite
// order.
func (rep *Report) Records() (scenarios []string, metrics map[string][]string, recs map[string][]metric.Record) {
	metrics, recs = map[string][]string{}, map[string][]metric.Record{}
	for _, t := range rep.Tasks {
		sc := t.Spec.ScenarioName()
		if _, ok := metrics[sc]; !ok {
			scenarios = append(scenarios, sc)
		}
		for _, m := range t.Spec.Metrics {
			if !contains(metrics[sc], m) {
				metrics[sc] = append(metrics[sc], m)
			}
		}
	}
	for _, o := range rep.Outcomes {
		recs[o.Scenario] = append(recs[o.Scenario], metric.Record{
			Instance: *o.instance, Completion: o.Completion, Failed: o.Failed, Scores: o.Scores, Task: o.Task, Label: o.label,
		})
	}
	return scenarios, metrics, recs
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Summary is a short human account of the run.
func (rep *Report) Summary(w io.Writer) {
	fmt.Fprintf(w, "scored %d instances (%d requests, %d sent to the server, %d from the cache) in %s\n",
		rep.Stats.Instances, rep.Stats.Requests, rep.Stats.Sent, rep.Stats.Requests-rep.Stats.Sent, rep.Stats.Wall.Round(time.Millisecond))
	if rep.Stats.Failed == 0 {
		fmt.Fprintln(w, "no failures")
		return
	}
	fmt.Fprintf(w, "%d failed (counted as wrong):\n", rep.Stats.Failed)
	reasons := make([]string, 0, len(rep.Failures))
	for r := range rep.Failures {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if rep.Failures[reasons[i]] != rep.Failures[reasons[j]] {
			return rep.Failures[reasons[i]] > rep.Failures[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "  %6d  %s\n", rep.Failures[r], r)
	}
}
