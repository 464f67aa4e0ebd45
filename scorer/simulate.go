package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"podium/scorer/client"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

func simulateCmd(args []string) error {
	fs := flag.NewFlagSet("scorer simulate", flag.ContinueOnError)
	suiteName := fs.String("suite", "", "bundled suite `NAME`, or the path of a suite or task TOML file, to answer")
	data := fs.String("data", "", "`DIR` of public datasets (as for scorer run)")
	accuracy := fs.Float64("accuracy", 0, "probability `P` of answering an instance correctly (decided per instance, seeded; required)")
	listen := fs.String("listen", "127.0.0.1:8080", "`ADDR` to listen on (port 0 picks a free one)")
	protocol := fs.String("protocol", client.Challenge, "protocol to serve: challenge or openai")
	seed := fs.Int64("seed", 1, "seed deciding which instances are right; use the run's --seed so perturbed prompts are known")
	contextLen := fs.Int("context", 0, "context window in tokens; longer requests fail with 400 (0 = unlimited)")
	latency := fs.Duration("latency", 0, "delay added to every completion")
	budget := fs.Int("budget", 0, "total instance `N` of a generated 2023 suite, as for scorer run (the simulation knows every instance either way)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer simulate --suite NAME [--data DIR] --accuracy P --listen ADDR [--protocol challenge|openai] [--budget N]")
		fmt.Fprintln(fs.Output(), "\nServes a SIMULATED submission: it answers each instance of the suite correctly with probability P,")
		fmt.Fprintln(fs.Output(), "echoes prompts and pads answers like the real 2023 servers. Results scored against it are marked simulated.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *suiteName == "" || !set["accuracy"] || *accuracy < 0 || *accuracy > 1 {
		return usageError{fmt.Errorf("--suite and --accuracy (0 to 1) are required (see scorer simulate --help)")}
	}
	full, err := loadSuite(suiteFlags{name: *suiteName, budget: *budget})
	if err != nil {
		return err
	}
	part, err := availableTasks(full, *data, os.Stderr)
	if err != nil {
		return err
	}
	suite := part.Avail
	for i := range suite.Tasks {
		suite.Tasks[i].MaxInstances = 0 // know every instance, whatever the run samples
	}
	tasks, err := task.Build(suite, task.Options{DataDir: *data, Seed: *seed})
	if err != nil {
		return err
	}
	srv, err := simulate.New(tasks, simulate.Options{Accuracy: *accuracy, Seed: *seed, Protocol: *protocol, Context: *contextLen, Latency: *latency})
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	fmt.Fprintf(os.Stderr, "SIMULATED submission (accuracy %g, %s protocol) answering suite %q\n", *accuracy, *protocol, suite.Name)
	fmt.Printf("listening on http://%s\n", ln.Addr())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
