package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"podium/result"
	"podium/scorer/audit"
	"podium/scorer/gpu"
)

// verdictError is an audit whose verdict is not pass (exit status 1).
type verdictError struct{ msg string }

func (e verdictError) Error() string { return e.msg }
func (e verdictError) ExitCode() int { return 1 }

// auditCmd is `scorer audit`: run a training command on one GPU within a
// wall-clock limit and record what happened.
func auditCmd(args []string) error {
	fs := flag.NewFlagSet("scorer audit", flag.ContinueOnError)
	round := fs.String("round", "", "round `ID`")
	track := fs.String("track", "", "track `ID`")
	submission := fs.String("submission", "", "submission `ID`")
	limit := fs.Duration("limit", 24*time.Hour, "wall-clock limit")
	sel := fs.String("gpu", "0", "the `INDEX|UUID` of the GPU to confine the command to")
	root := fs.String("root", ".", "project `DIR`; the audit goes to DIR/results/ROUND/TRACK/ID.audit.toml")
	grace := fs.Duration("grace", 30*time.Second, "time between SIGTERM and SIGKILL at the limit")
	interval := fs.Duration("interval", 5*time.Second, "how often to sample the GPU and check its processes")
	workdir := fs.String("dir", "", "the command's working `DIR` (default: the current one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer audit --round R --track T --submission ID [--limit 24h] [--gpu INDEX|UUID] [--root DIR] -- COMMAND [ARGS...]")
		fmt.Fprintln(fs.Output(), "\nRuns COMMAND on one GPU (CUDA_VISIBLE_DEVICES) within the limit (SIGTERM, then SIGKILL")
		fmt.Fprintln(fs.Output(), "after --grace), samples the GPU, checks no other GPU is used, keeps the logs and writes")
		fmt.Fprintln(fs.Output(), "an audit TOML with a verdict. A new attempt never overwrites an earlier one.")
		fmt.Fprintf(fs.Output(), "Exit status 0: pass; 1: fail; %d: no NVIDIA driver; %d: no such GPU.\n\nFlags:\n", gpu.ExitNoDriver, gpu.ExitNoDevice)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	command := fs.Args()
	if len(command) == 0 {
		return usageError{errors.New("no command: put it after --, e.g. scorer audit ... -- python train.py")}
	}
	for _, id := range []struct{ name, v string }{{"round", *round}, {"track", *track}, {"submission", *submission}} {
		if !result.ValidID(id.v) {
			return usageError{fmt.Errorf("--%s %q: give an ID of letters, digits, '.', '_' and '-'", id.name, id.v)}
		}
	}
	if *limit <= 0 || *grace <= 0 || *interval <= 0 {
		return usageError{errors.New("--limit, --grace and --interval must be positive")}
	}
	t, source, known, err := trackDef(*root, *round, *track)
	if err != nil {
		return err
	}
	if !known {
		return fmt.Errorf("round %s has no definition (%s) and %q is not a bundled 2023 track: cannot tell which GPUs are eligible",
			*round, filepath.Join(result.Dir(*root, *round), result.RoundFile), *track)
	}

	h, err := openGPU()
	if err != nil {
		return gpuError{err}
	}
	defer h.Close()
	sys, err := h.System()
	if err != nil {
		return gpuError{err}
	}
	dev, err := h.Device(*sel)
	if err != nil {
		return gpuError{err}
	}
	all, err := gpu.Devices(h)
	if err != nil {
		return gpuError{err}
	}
	var others []gpu.Device
	for _, d := range all {
		if d.Info().UUID != dev.Info().UUID {
			others = append(others, d)
		}
	}
	fmt.Fprintf(os.Stderr, "audit: eligibility from %s\n", source)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, path, err := audit.Run(ctx, audit.Config{
		Round: *round, Track: *track, Submission: *submission, TrackDef: t,
		Command: command, Dir: *workdir,
		OutDir: filepath.Join(result.Dir(*root, *round), *track),
		Limit:  *limit, Grace: *grace, Interval: *interval,
		Device: dev, Others: others, Driver: sys.Driver,
		Progress: os.Stderr,
	})
	if err != nil {
		return err
	}
	fmt.Printf("verdict: %s\n", a.Verdict)
	for _, r := range a.Reasons {
		fmt.Printf("  - %s\n", r)
	}
	fmt.Printf("elapsed %.0fs of %s; peak memory %.0f MiB; energy %.0f J (%s); audit %s\n",
		a.ElapsedSeconds, a.Limit, a.Usage.PeakMemoryMiB, a.Usage.EnergyJoules, orNone(a.Usage.EnergySource), path)
	if a.Verdict != audit.Pass {
		return verdictError{"verdict " + a.Verdict + ": " + strings.Join(a.Reasons, "; ")}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "not measured"
	}
	return s
}
