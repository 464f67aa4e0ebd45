// Package audit runs a participant's training command the way the 2023
// reproduction did: on one GPU, within a wall-clock limit, sampled
// throughout, and records what happened in an audit TOML beside the
// submission's results.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

	"podium/result"
	"podium/scorer/gpu"
)

// Verdicts.
const (
	Pass       = "pass"
	Fail       = "fail"
	Incomplete = "incomplete" // still running, or the audit itself was killed
)

// Audit is the audit TOML.
type Audit struct {
	Round      string   `toml:"round"`
	Track      string   `toml:"track"`
	Submission string   `toml:"submission"`
	Attempt    int      `toml:"attempt"`
	Command    []string `toml:"command"`
	Dir        string   `toml:"dir,omitempty"` // the command's working folder

	Start          string  `toml:"start"`         // RFC 3339, UTC
	End            string  `toml:"end,omitempty"` // RFC 3339, UTC
	ElapsedSeconds float64 `toml:"elapsed_seconds"`
	LimitSeconds   float64 `toml:"limit_seconds"`
	Limit          string  `toml:"limit"` // as given, e.g. "24h0m0s"

	Verdict string   `toml:"verdict"`
	Reasons []string `toml:"reasons,omitempty"`
	Notes   []string `toml:"notes,omitempty"`

	Exit       Exit        `toml:"exit"`
	Device     Device      `toml:"device"`
	Usage      gpu.Summary `toml:"usage"`
	Accounting Accounting  `toml:"accounting"`
	Logs       Logs        `toml:"logs"`
}

// Exit is how the command ended.
type Exit struct {
	Started  bool   `toml:"started"`
	Code     int    `toml:"code"`             // -1 when killed by a signal
	Signal   string `toml:"signal,omitempty"` // the signal that ended it
	TimedOut bool   `toml:"timed_out"`
	Stopped  string `toml:"stopped,omitempty"` // what the audit sent: "SIGTERM" or "SIGKILL"
	Error    string `toml:"error,omitempty"`   // why it could not start
}

// Device is the GPU the command was confined to.
type Device struct {
	Index             int     `toml:"index"`
	UUID              string  `toml:"uuid"`
	Name              string  `toml:"name"`
	MemoryGiB         float64 `toml:"memory_gib"`
	ComputeCapability string  `toml:"compute_capability,omitempty"`
	Driver            string  `toml:"driver,omitempty"`
	Eligible          bool    `toml:"eligible"`
	Reason            string  `toml:"reason,omitempty"`
}

// Accounting is what the per-process check saw.
type Accounting struct {
	// Enabled lists the devices (by index) whose NVML accounting mode was on.
	Enabled []int `toml:"enabled"`
	// Processes counts the command's processes seen.
	Processes int `toml:"processes"`
	// SeenOnDevice says whether any of them was seen on the audited GPU.
	SeenOnDevice bool `toml:"seen_on_device"`
	// OtherDevices lists uses of any device but the audited one.
	OtherDevices []string `toml:"other_devices,omitempty"`
}

// Logs name the command's output files, beside the audit.
type Logs struct {
	Stdout string `toml:"stdout"`
	Stderr string `toml:"stderr"`
}

// Config is one audit.
type Config struct {
	Round, Track, Submission string
	TrackDef                 result.Track // the round's track, for eligibility
	Command                  []string
	Dir                      string        // the command's working folder; "" for the current one
	Env                      []string      // extra environment
	OutDir                   string        // where the audit and logs go
	Limit                    time.Duration // wall-clock limit
	Grace                    time.Duration // SIGTERM to SIGKILL; default 30s
	Interval                 time.Duration // sampling; default 5s
	Checkpoint               time.Duration // rewrite the audit while running; default 1m
	Device                   gpu.Device    // the audited GPU
	Others                   []gpu.Device  // every other GPU of the host
	Driver                   string
	Progress                 io.Writer // status lines; nil for none

	started func(pid int) // tests: told the command's PID
}

// Run claims the next attempt number, runs the command and writes the
// audit. It returns the audit and its path. An error means no audit could be
// recorded (bad config, unwritable folder); a command that fails, crashes
// or overruns is a failed verdict, not an error. Cancelling ctx stops the
// command as the limit would and records a failed verdict.
func Run(ctx context.Context, c Config) (*Audit, string, error) {
	if err := c.check(); err != nil {
		return nil, "", err
	}
	if c.Grace <= 0 {
		c.Grace = 30 * time.Second
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.Checkpoint <= 0 {
		c.Checkpoint = time.Minute
	}
	if err := os.MkdirAll(c.OutDir, 0o755); err != nil {
		return nil, "", err
	}
	n, path, err := claim(c.OutDir, c.Submission)
	if err != nil {
		return nil, "", err
	}
	base := strings.TrimSuffix(filepath.Base(path), ".toml")
	a := &Audit{
		Round: c.Round, Track: c.Track, Submission: c.Submission, Attempt: n,
		Command: c.Command, Dir: c.Dir,
		LimitSeconds: c.Limit.Seconds(), Limit: c.Limit.String(),
		Verdict: Incomplete,
		Reasons: []string{"the audit has not finished: it is running, or it was itself stopped"},
		Logs:    Logs{Stdout: base + ".stdout.log", Stderr: base + ".stderr.log"},
	}
	in := c.Device.Info()
	ok, why := gpu.Eligible(c.TrackDef, in)
	a.Device = Device{Index: in.Index, UUID: in.UUID, Name: in.Name, MemoryGiB: round1(in.MemoryGiB()),
		ComputeCapability: in.ComputeCapability, Driver: c.Driver, Eligible: ok, Reason: why}

	stdout, err := createNew(filepath.Join(c.OutDir, a.Logs.Stdout))
	if err != nil {
		os.Remove(path) // still empty: give the attempt number back
		return nil, "", err
	}
	defer stdout.Close()
	stderr, err := createNew(filepath.Join(c.OutDir, a.Logs.Stderr))
	if err != nil {
		os.Remove(path)
		return nil, "", err
	}
	defer stderr.Close()

	r := &run{c: c, a: a, path: path, tree: nil}
	begin := time.Now()
	a.Start = begin.UTC().Format(time.RFC3339)
	if err := r.save(); err != nil {
		return nil, "", err
	}

	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Dir = c.Dir
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Env = append(cmd.Env,
		"CUDA_DEVICE_ORDER=PCI_BUS_ID",
		"CUDA_VISIBLE_DEVICES="+in.UUID,
		"PODIUM_GPU_UUID="+in.UUID,
	)
	// Its own process group, so the limit stops everything it started; and
	// killed if the audit itself dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}

	r.sampler = gpu.StartSampler(c.Device, c.Interval, nil)
	if err := cmd.Start(); err != nil {
		a.Usage = r.sampler.Stop().Rounded()
		a.Exit = Exit{Code: -1, Error: err.Error()}
		a.End = time.Now().UTC().Format(time.RFC3339)
		r.finish()
		return a, path, r.save()
	}
	r.update(func(a *Audit) { a.Exit.Started = true })
	pgid := cmd.Process.Pid
	r.tree = gpu.NewTree(pgid)
	if c.started != nil {
		c.started(pgid)
	}
	r.logf("audit: attempt %d started %v (limit %s, device %d %s); logs in %s", n, c.Command, c.Limit, in.Index, in.Name, c.OutDir)

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopWatch := make(chan struct{})
	var watching sync.WaitGroup
	watching.Add(1)
	go func() { defer watching.Done(); r.watch(begin, stopWatch) }()

	limit := time.NewTimer(c.Limit)
	defer limit.Stop()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-limit.C:
		r.update(func(a *Audit) { a.Exit.TimedOut = true })
		r.logf("audit: limit %s reached; sending SIGTERM", c.Limit)
		waitErr = r.stop(pgid, done)
	case <-ctx.Done():
		r.update(func(a *Audit) {
			a.Notes = append(a.Notes, "the audit was interrupted ("+context.Cause(ctx).Error()+") and stopped the command")
		})
		r.interrupted = true
		r.logf("audit: interrupted; stopping the command")
		waitErr = r.stop(pgid, done)
	}
	elapsed := time.Since(begin)
	end := time.Now().UTC().Format(time.RFC3339)
	// Whatever the command left running in its group goes too.
	if groupAlive(pgid) {
		r.update(func(a *Audit) { a.Notes = append(a.Notes, "processes the command left running were stopped") })
		r.stopGroup(pgid)
	}
	close(stopWatch)
	watching.Wait()
	a.Usage = r.sampler.Stop().Rounded()
	r.checkOthers()

	r.mu.Lock()
	a.End = end
	a.ElapsedSeconds = round2(elapsed.Seconds())
	setExit(&a.Exit, cmd.ProcessState, waitErr)
	r.finish()
	r.mu.Unlock()
	r.logf("audit: %s after %s; exit %s; written to %s", a.Verdict, elapsed.Round(time.Second), exitText(a.Exit), path)
	return a, path, r.save()
}

func (c *Config) check() error {
	switch {
	case len(c.Command) == 0 || c.Command[0] == "":
		return errors.New("audit: no command given (put it after --)")
	case c.Limit <= 0:
		return errors.New("audit: --limit must be positive, e.g. 24h")
	case !result.ValidID(c.Round), !result.ValidID(c.Track), !result.ValidID(c.Submission):
		return fmt.Errorf("audit: round %q, track %q and submission %q must be valid IDs", c.Round, c.Track, c.Submission)
	case c.Device == nil:
		return errors.New("audit: no GPU to audit")
	case c.OutDir == "":
		return errors.New("audit: no output folder")
	}
	return nil
}

type run struct {
	c           Config
	a           *Audit
	path        string
	tree        *gpu.Tree
	sampler     *gpu.Sampler
	interrupted bool

	mu    sync.Mutex // guards a while the watcher runs
	seen  map[string]bool
	saved sync.Mutex // one save at a time
}

// watch follows the command's processes, checks the other devices and
// rewrites the audit now and then, until stop closes.
func (r *run) watch(begin time.Time, stop chan struct{}) {
	tick := time.NewTicker(r.c.Interval)
	defer tick.Stop()
	last := time.Now()
	for {
		r.tree.Refresh()
		r.checkOthers()
		if time.Since(last) >= r.c.Checkpoint {
			last = time.Now()
			sum := r.sampler.Summary()
			r.mu.Lock()
			r.a.Usage = sum.Rounded()
			r.a.ElapsedSeconds = round2(time.Since(begin).Seconds())
			r.mu.Unlock()
			if err := r.save(); err != nil {
				r.logf("audit: checkpoint: %v", err)
			}
			r.logf("audit: %s of %s; GPU %.0f%% busy, peak %.0f MiB, %.0f J so far",
				time.Since(begin).Round(time.Second), r.c.Limit, sum.MeanUtilization, sum.PeakMemoryMiB, sum.EnergyJoules)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// checkOthers records any use of another device by the command's processes.
func (r *run) checkOthers() {
	if r.tree == nil {
		return
	}
	all := append([]gpu.Device{r.c.Device}, r.c.Others...)
	uses, acct, err := gpu.Uses(r.c.Others, r.tree)
	mine, own, _ := gpu.Uses(all[:1], r.tree)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	for _, u := range uses {
		s := u.String()
		if !r.seen[s] {
			r.seen[s] = true
			r.a.Accounting.OtherDevices = append(r.a.Accounting.OtherDevices, s)
		}
	}
	sort.Strings(r.a.Accounting.OtherDevices)
	r.a.Accounting.SeenOnDevice = r.a.Accounting.SeenOnDevice || len(mine) > 0
	r.a.Accounting.Enabled = r.a.Accounting.Enabled[:0]
	for _, d := range all {
		if acct[d.Info().UUID] || own[d.Info().UUID] {
			r.a.Accounting.Enabled = append(r.a.Accounting.Enabled, d.Info().Index)
		}
	}
	sort.Ints(r.a.Accounting.Enabled)
	r.a.Accounting.Processes = len(r.tree.PIDs())
	if err != nil && !r.seen["err:"+err.Error()] {
		r.seen["err:"+err.Error()] = true
		r.a.Notes = append(r.a.Notes, "accounting check: "+err.Error())
	}
}

// stop ends the command: SIGTERM to its group, then SIGKILL after the grace
// period. It returns the command's wait error.
func (r *run) stop(pgid int, done chan error) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	r.update(func(a *Audit) { a.Exit.Stopped = "SIGTERM" })
	select {
	case err := <-done:
		return err
	case <-time.After(r.c.Grace):
	}
	r.logf("audit: still running %s after SIGTERM; sending SIGKILL", r.c.Grace)
	syscall.Kill(-pgid, syscall.SIGKILL)
	r.update(func(a *Audit) { a.Exit.Stopped = "SIGKILL" })
	return <-done
}

// stopGroup ends what is left of a group whose leader has exited.
func (r *run) stopGroup(pgid int) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(r.c.Grace)
	for groupAlive(pgid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if groupAlive(pgid) {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

// finish sets the verdict and its reasons (a is locked or not shared).
func (r *run) finish() {
	a := r.a
	var why []string
	if !a.Device.Eligible {
		why = append(why, a.Device.Reason)
	}
	switch {
	case !a.Exit.Started:
		why = append(why, "the command could not start: "+a.Exit.Error)
	case a.Exit.TimedOut:
		why = append(why, fmt.Sprintf("the command ran past the %s limit (stopped with %s)", a.Limit, a.Exit.Stopped))
	case r.interrupted:
		why = append(why, "the audit was interrupted before the command finished")
	case a.Exit.Signal != "":
		why = append(why, "the command was killed by "+a.Exit.Signal)
	case a.Exit.Code != 0:
		why = append(why, fmt.Sprintf("the command exited with status %d", a.Exit.Code))
	}
	for _, u := range a.Accounting.OtherDevices {
		why = append(why, "another GPU was used: "+u)
	}
	if a.Exit.Started && a.Usage.Samples == 0 {
		why = append(why, "the GPU could not be sampled")
	}
	if a.Exit.Started && !a.Accounting.SeenOnDevice {
		a.Notes = append(a.Notes, "none of the command's processes was seen on the audited GPU")
	}
	if len(a.Accounting.Enabled) == 0 {
		a.Notes = append(a.Notes, "NVML accounting mode was off (enable it with nvidia-smi -am 1): only processes running at a sample were checked")
	}
	a.Reasons = why
	a.Verdict = Pass
	if len(why) > 0 {
		a.Verdict = Fail
	}
}

func (r *run) save() error {
	r.saved.Lock()
	defer r.saved.Unlock()
	r.mu.Lock()
	cp := *r.a
	cp.Reasons = append([]string(nil), r.a.Reasons...)
	cp.Notes = append([]string(nil), r.a.Notes...)
	cp.Accounting.OtherDevices = append([]string(nil), r.a.Accounting.OtherDevices...)
	cp.Accounting.Enabled = append([]int{}, r.a.Accounting.Enabled...)
	r.mu.Unlock()
	return result.WriteFile(r.path, &cp)
}

// update changes the audit while the watcher may be saving it.
func (r *run) update(f func(a *Audit)) {
	r.mu.Lock()
	f(r.a)
	r.mu.Unlock()
}

func (r *run) logf(format string, args ...any) {
	if r.c.Progress != nil {
		fmt.Fprintf(r.c.Progress, format+"\n", args...)
	}
}

func setExit(e *Exit, ps *os.ProcessState, waitErr error) {
	if ps == nil {
		e.Code = -1
		if waitErr != nil {
			e.Error = waitErr.Error()
		}
		return
	}
	e.Code = ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Signal = signalName(ws.Signal())
	}
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGTERM: "SIGTERM", syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV",
		syscall.SIGABRT: "SIGABRT", syscall.SIGINT: "SIGINT", syscall.SIGBUS: "SIGBUS",
		syscall.SIGHUP: "SIGHUP", syscall.SIGFPE: "SIGFPE", syscall.SIGILL: "SIGILL", syscall.SIGPIPE: "SIGPIPE",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}

func exitText(e Exit) string {
	switch {
	case !e.Started:
		return "not started"
	case e.Signal != "":
		return e.Signal
	default:
		return strconv.Itoa(e.Code)
	}
}

// Path names attempt n's audit: <id>.audit.toml for the first,
// <id>.attempt-N.audit.toml after.
func Path(dir, id string, n int) string {
	if n <= 1 {
		return filepath.Join(dir, id+".audit.toml")
	}
	return filepath.Join(dir, fmt.Sprintf("%s.attempt-%d.audit.toml", id, n))
}

// claim takes the first attempt number whose audit does not exist yet, by
// creating that file; an audit already written is never touched.
func claim(dir, id string) (int, string, error) {
	for n := 1; n < 10000; n++ {
		p := Path(dir, id, n)
		if exists(strings.TrimSuffix(p, ".toml")+".stdout.log") || exists(strings.TrimSuffix(p, ".toml")+".stderr.log") {
			continue // logs of an attempt whose audit is gone: keep them
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return 0, "", err
		}
		return n, p, f.Close()
	}
	return 0, "", fmt.Errorf("audit: too many attempts in %s", dir)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func createNew(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("audit: %s already exists; refusing to overwrite a log", path)
	}
	return f, err
}

// Read reads an audit TOML.
func Read(path string) (*Audit, error) {
	var a Audit
	md, err := toml.DecodeFile(path, &a)
	if err != nil {
		return nil, err
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, u[0])
	}
	return &a, nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
