package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"podium/result"
	"podium/scorer/cache"
	"podium/scorer/client"
	"podium/scorer/runner"
	"podium/scorer/task"
)

// runConfig is `scorer run`'s parsed command line, handed to extensions.
type runConfig struct {
	Root, Round, Track, Submission string
	Endpoint, Protocol             string
	Options                        *runner.Options // set Sampler here
}

// runExtensions add flags and hooks to `scorer run` from other files (GPU
// sampling, eligibility): each gets the flag set before parsing and returns
// a function that is called after parsing, before the server is contacted;
// it may set cfg.Options.Sampler, or return an error to refuse the run.
var runExtensions []func(fs *flag.FlagSet) func(cfg *runConfig) error

func runCmd(args []string) error {
	fs := flag.NewFlagSet("scorer run", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "the submission server's base `URL`, e.g. http://localhost:8080")
	protocol := fs.String("protocol", client.Challenge, "server protocol: challenge (/process) or openai (/v1/completions)")
	suiteName := fs.String("suite", "", "bundled suite `NAME` ("+strings.Join(task.BundledNames(), ", ")+"), or the path of a suite or task TOML file")
	data := fs.String("data", "", "`DIR` of public datasets, one folder per dataset (as ../shared/data)")
	round := fs.String("round", "", "round `ID`")
	track := fs.String("track", "", "track `ID`")
	submission := fs.String("submission", "", "submission `ID` (results go to DIR/results/ROUND/TRACK/ID.toml)")
	root := fs.String("root", ".", "project `DIR`")
	concurrency := fs.Int("concurrency", 30, "requests in flight at once")
	maxInstances := fs.Int("max-instances", 0, "cap on the instances of each scenario (0 = the suite's budget)")
	seed := fs.Int64("seed", 1, "seed for instance sampling and perturbations; sent with every request")
	contextLen := fs.Int("context", 2048, "context window in `TOKENS`: prompt plus max tokens must fit")
	team := fs.String("team", "", "team name (default: kept from an existing results file, else the submission ID)")
	baseModel := fs.String("base-model", "", "the submission's base model `NAME` (default: kept from an existing results file)")
	budget := fs.Int("budget", 0, "total instance `N` for a generated 2023 suite (neurips2023-*), shared out as the organizers did (0 = the 2023 budget)")
	model := fs.String("model", "", "model name for --protocol openai (default: the first of /v1/models)")
	timeout := fs.Duration("timeout", 120*time.Second, "per-request timeout, body included")
	retries := fs.Int("retries", 2, "retries of a failed request (with jittered back-off)")
	wait := fs.Duration("wait", 60*time.Second, "how long to wait for the server's health check to pass")
	maxBody := fs.Int64("max-body", 4<<20, "cap on a response body in `BYTES`")
	cachePath := fs.String("cache", "", "response cache `FILE` (default DIR/.cache/scorer/ROUND/TRACK/ID.bolt)")
	noCache := fs.Bool("no-cache", false, "neither read nor write the response cache")
	var temperature *float64
	fs.Func("temperature", "sampling temperature for every task (default: each task's, usually 0)", func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			return fmt.Errorf("want a number >= 0")
		}
		temperature = &v
		return nil
	})
	var hooks []func(*runConfig) error
	for _, ext := range runExtensions {
		hooks = append(hooks, ext(fs))
	}
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer run --endpoint URL [--protocol challenge|openai] --suite NAME|FILE [--data DIR] --round ROUND --track TRACK --submission ID [--root DIR] [--concurrency N] [--max-instances N] [--seed S] [--budget N] [--base-model NAME]")
		fmt.Fprintln(fs.Output(), "\nScores the server on the suite; writes DIR/results/ROUND/TRACK/ID.toml and ID"+runner.PredictionsSuffix+" beside it.")
		fmt.Fprintln(fs.Output(), "Tasks whose dataset files are missing under --data are dropped with a warning; the metrics they feed are recorded as missing.")
		fmt.Fprintln(fs.Output(), "When DIR/results/ROUND/round.toml exists, the track and the suite's scenarios are checked against it first.")
		fmt.Fprintln(fs.Output(), "A killed run resumes from its response cache when started again.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	for _, req := range []struct{ name, v string }{{"endpoint", *endpoint}, {"suite", *suiteName}, {"round", *round}, {"track", *track}, {"submission", *submission}} {
		if req.v == "" {
			return usageError{fmt.Errorf("--%s is required (see scorer run --help)", req.name)}
		}
	}
	for _, id := range []struct{ name, v string }{{"round", *round}, {"track", *track}, {"submission", *submission}} {
		if !result.ValidID(id.v) {
			return usageError{fmt.Errorf("--%s %q: use letters, digits, '.', '_' and '-'", id.name, id.v)}
		}
	}
	if *concurrency < 1 || *maxInstances < 0 || *contextLen < 1 {
		return usageError{fmt.Errorf("--concurrency and --context must be positive, --max-instances not negative")}
	}
	suite, err := loadSuite(suiteFlags{name: *suiteName, budget: *budget})
	if err != nil {
		return err
	}
	if err := checkRound(*root, *round, *track, suite, os.Stderr); err != nil {
		return err
	}
	part, err := availableTasks(suite, *data, os.Stderr)
	if err != nil {
		return err
	}
	tasks, err := task.Build(part.Avail, task.Options{DataDir: *data, Seed: *seed, MaxInstances: *maxInstances})
	if err != nil {
		return err
	}
	c, err := client.New(*endpoint, client.Options{Protocol: *protocol, Model: *model, Timeout: *timeout,
		Retries: retriesOpt(*retries), MaxBody: *maxBody, Concurrency: *concurrency})
	if err != nil {
		return usageError{err}
	}
	defer c.Close()
	opt := runner.Options{Client: c, Concurrency: *concurrency, Context: *contextLen, Temperature: temperature, Seed: *seed,
		Progress: runner.NewProgress(os.Stderr, "scoring "+*submission)}
	cfg := &runConfig{Root: *root, Round: *round, Track: *track, Submission: *submission, Endpoint: *endpoint, Protocol: *protocol, Options: &opt}
	for _, h := range hooks {
		if h == nil {
			continue
		}
		if err := h(cfg); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "checking %s (%s protocol)...\n", *endpoint, *protocol)
	if err := c.WaitHealthy(ctx, *wait); err != nil {
		return fmt.Errorf("cannot reach the server, no results written: %w", err)
	}
	if !*noCache {
		path := *cachePath
		if path == "" {
			path = filepath.Join(*root, ".cache", "scorer", *round, *track, *submission+".bolt")
		}
		store, err := cache.Open(path)
		if err != nil {
			return err
		}
		defer store.Close()
		opt.Cache = store
	}
	rep, err := runner.Run(ctx, tasks, opt)
	if err != nil {
		return err
	}
	if opt.Cache != nil {
		if err := opt.Cache.Close(); err != nil {
			return err
		}
	}
	meta := runner.Meta{Root: *root, Round: *round, Track: *track, Submission: *submission, Team: *team,
		BaseModel: *baseModel, Suite: suite.Name, Seed: *seed}
	// Dropped tasks' metrics are recorded as missing, never left out.
	path, err := rep.Write(meta, c.Protocol(), func(sub *result.Submission) { part.markMissing(sub, *maxInstances) })
	if err != nil {
		return err
	}
	rep.Summary(os.Stderr)
	if sub, err := result.ReadSubmission(path, nil); err == nil {
		for _, sc := range sub.Scenarios {
			for _, m := range sc.Metrics {
				if m.Value != nil {
					fmt.Fprintf(os.Stderr, "  %-40s %.4f\n", m.Name, *m.Value)
				} else {
					fmt.Fprintf(os.Stderr, "  %-40s missing (%s)\n", m.Name, m.Error)
				}
			}
		}
	}
	fmt.Fprintln(os.Stderr, "wrote", path)
	return nil
}

func retriesOpt(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
