//go:build cgo

package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"

	"podium/scorer/audit"
	"podium/scorer/gpu"
	"podium/scorer/gpu/gputest"
)

// setup gives a config auditing device 0 of a mock host with the given GPUs.
func setup(t *testing.T, cfgs ...gpus.Config) (audit.Config, *gputest.MockHost) {
	t.Helper()
	m := gputest.NewMockHost(cfgs...)
	m.Devices[0].Set(250, 90, 20000)
	devs, err := gpu.Devices(m.Host())
	if err != nil {
		t.Fatal(err)
	}
	return audit.Config{
		Round: "2023", Track: "a100", Submission: "team-x",
		TrackDef:   gpu.Tracks2023()[1],
		OutDir:     t.TempDir(),
		Limit:      10 * time.Second,
		Grace:      300 * time.Millisecond,
		Interval:   20 * time.Millisecond,
		Checkpoint: 50 * time.Millisecond,
		Device:     devs[0],
		Others:     devs[1:],
		Driver:     "550.54.15",
	}, m
}

func run(t *testing.T, c audit.Config) (*audit.Audit, string) {
	t.Helper()
	a, path, err := audit.Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := audit.Read(path)
	if err != nil {
		t.Fatalf("the audit written does not read back: %v", err)
	}
	if back.Verdict != a.Verdict || back.Attempt != a.Attempt {
		t.Fatalf("written %+v, returned %+v", back, a)
	}
	return a, path
}

func TestPass(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB, gpus.A100_SXM4_40GB)
	c.Command = []string{"sh", "-c", `echo "on $CUDA_VISIBLE_DEVICES"; echo warn >&2; sleep 0.2`}
	a, path := run(t, c)
	if a.Verdict != audit.Pass || len(a.Reasons) != 0 {
		t.Fatalf("verdict %s %v", a.Verdict, a.Reasons)
	}
	if filepath.Base(path) != "team-x.audit.toml" || a.Attempt != 1 {
		t.Errorf("path %s attempt %d", path, a.Attempt)
	}
	out, _ := os.ReadFile(filepath.Join(c.OutDir, a.Logs.Stdout))
	if strings.TrimSpace(string(out)) != "on "+a.Device.UUID {
		t.Errorf("stdout log %q: the command must see only the audited GPU", out)
	}
	errLog, _ := os.ReadFile(filepath.Join(c.OutDir, a.Logs.Stderr))
	if string(errLog) != "warn\n" {
		t.Errorf("stderr log %q", errLog)
	}
	if a.Exit.Code != 0 || !a.Exit.Started || a.Exit.TimedOut || a.ElapsedSeconds < 0.2 || a.LimitSeconds != 10 {
		t.Errorf("exit %+v elapsed %v", a.Exit, a.ElapsedSeconds)
	}
	if !a.Device.Eligible || a.Device.MemoryGiB != 40 || a.Usage.PeakMemoryMiB != 20000 ||
		a.Usage.EnergySource != gpu.EnergyCounter || a.Usage.EnergyJoules <= 0 || a.Usage.MeanUtilization != 90 {
		t.Errorf("device %+v usage %+v", a.Device, a.Usage)
	}
	if a.Start == "" || a.End == "" || a.End < a.Start {
		t.Errorf("start %q end %q", a.Start, a.End)
	}
	if notes := strings.Join(a.Notes, "|"); !strings.Contains(notes, "accounting mode was off") ||
		!strings.Contains(notes, "none of the command's processes was seen on the audited GPU") || a.Accounting.SeenOnDevice {
		t.Errorf("notes %v", a.Notes)
	}
}

func TestFailures(t *testing.T) {
	cases := []struct {
		name    string
		cfg     gpus.Config
		command string
		want    string
	}{
		{"exit status", gpus.A100_SXM4_40GB, "exit 3", "exited with status 3"},
		{"crash", gpus.A100_SXM4_40GB, "kill -SEGV $$", "killed by SIGSEGV"},
		{"ineligible GPU", gpus.A100_SXM4_80GB, "true", "not eligible for track a100"},
	}
	for _, tc := range cases {
		c, _ := setup(t, tc.cfg)
		c.Command = []string{"sh", "-c", tc.command}
		a, _ := run(t, c)
		if a.Verdict != audit.Fail || len(a.Reasons) != 1 || !strings.Contains(a.Reasons[0], tc.want) {
			t.Errorf("%s: %s %q, want a failure saying %q", tc.name, a.Verdict, a.Reasons, tc.want)
		}
	}
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	c.Command = []string{"/no/such/trainer"}
	a, _ := run(t, c)
	if a.Verdict != audit.Fail || a.Exit.Started || !strings.Contains(a.Reasons[0], "could not start") {
		t.Errorf("missing command: %s %q", a.Verdict, a.Reasons)
	}
}

func TestLimitTERM(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	c.Limit = 200 * time.Millisecond
	c.Grace = 5 * time.Second
	c.Command = []string{"sleep", "30"}
	begin := time.Now()
	a, _ := run(t, c)
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("took %s: SIGTERM should have ended sleep at once", took)
	}
	if !a.Exit.TimedOut || a.Exit.Stopped != "SIGTERM" || a.Exit.Signal != "SIGTERM" || a.Verdict != audit.Fail ||
		!strings.Contains(a.Reasons[0], "ran past the 200ms limit") {
		t.Errorf("exit %+v verdict %s %q", a.Exit, a.Verdict, a.Reasons)
	}
}

func TestLimitKILL(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	c.Limit = 200 * time.Millisecond
	c.Grace = 300 * time.Millisecond
	// Ignores SIGTERM, and so does its child (ignored signals are inherited).
	c.Command = []string{"sh", "-c", `trap "" TERM; sleep 30; echo survived`}
	begin := time.Now()
	a, _ := run(t, c)
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	if !a.Exit.TimedOut || a.Exit.Stopped != "SIGKILL" || a.Exit.Signal != "SIGKILL" {
		t.Errorf("exit %+v", a.Exit)
	}
	if a.ElapsedSeconds < 0.5 || a.ElapsedSeconds > 5 {
		t.Errorf("elapsed %v, want about limit + grace", a.ElapsedSeconds)
	}
}

func TestLeftoversStopped(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	pidFile := filepath.Join(t.TempDir(), "bg.pid")
	c.Command = []string{"sh", "-c", `sleep 30 & echo $! > ` + pidFile}
	a, _ := run(t, c)
	if a.Verdict != audit.Pass || !strings.Contains(strings.Join(a.Notes, "|"), "left running were stopped") {
		t.Errorf("%s %q %q", a.Verdict, a.Reasons, a.Notes)
	}
}

func TestOtherDeviceUse(t *testing.T) {
	c, m := setup(t, gpus.A100_SXM4_40GB, gpus.A100_SXM4_40GB, gpus.A100_SXM4_40GB)
	m.Devices[2].Accounting(true)
	audit.OnStart(&c, func(pid int) { m.Devices[0].Run(uint32(pid)); m.Devices[2].Run(uint32(pid)) })
	c.Command = []string{"sleep", "0.3"}
	a, _ := run(t, c)
	if a.Verdict != audit.Fail || len(a.Accounting.OtherDevices) == 0 ||
		!strings.Contains(a.Reasons[0], "another GPU was used") || !strings.Contains(a.Reasons[0], "device 2") {
		t.Fatalf("%s %q %+v", a.Verdict, a.Reasons, a.Accounting)
	}
	if !a.Accounting.SeenOnDevice || strings.Contains(strings.Join(a.Notes, "|"), "none of the command's processes") {
		t.Errorf("the command ran on the audited GPU: %+v %q", a.Accounting, a.Notes)
	}
	if len(a.Accounting.Enabled) != 1 || a.Accounting.Enabled[0] != 2 {
		t.Errorf("accounting enabled on %v, want [2]", a.Accounting.Enabled)
	}
}

func TestAttemptsNeverOverwrite(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	c.Command = []string{"sh", "-c", "exit 1"}
	first, p1 := run(t, c)
	before, _ := os.ReadFile(p1)
	c.Command = []string{"true"}
	second, p2 := run(t, c)
	after, _ := os.ReadFile(p1)
	if string(before) != string(after) {
		t.Error("a second attempt changed the first audit")
	}
	if first.Attempt != 1 || second.Attempt != 2 || filepath.Base(p2) != "team-x.attempt-2.audit.toml" ||
		second.Logs.Stdout != "team-x.attempt-2.audit.stdout.log" {
		t.Errorf("attempts %d %d, %s %+v", first.Attempt, second.Attempt, p2, second.Logs)
	}
	if first.Verdict != audit.Fail || second.Verdict != audit.Pass {
		t.Errorf("verdicts %s %s", first.Verdict, second.Verdict)
	}
}

func TestCheckpointAndInterrupt(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	c.Command = []string{"sleep", "30"}
	ctx, cancel := context.WithCancelCause(context.Background())
	type out struct {
		a    *audit.Audit
		path string
		err  error
	}
	res := make(chan out, 1)
	go func() {
		a, p, err := audit.Run(ctx, c)
		res <- out{a, p, err}
	}()
	// While it runs, the audit on disk says so, and has figures so far.
	path := audit.Path(c.OutDir, c.Submission, 1)
	var mid *audit.Audit
	for i := 0; i < 200; i++ {
		time.Sleep(20 * time.Millisecond)
		if a, err := audit.Read(path); err == nil && a.Usage.Samples > 2 {
			mid = a
			break
		}
	}
	if mid == nil || mid.Verdict != audit.Incomplete || mid.ElapsedSeconds <= 0 {
		t.Fatalf("checkpoint %+v", mid)
	}
	cancel(errors.New("operator pressed ^C"))
	o := <-res
	if o.err != nil {
		t.Fatal(o.err)
	}
	if o.a.Verdict != audit.Fail || !strings.Contains(strings.Join(o.a.Reasons, "|"), "interrupted") ||
		!strings.Contains(strings.Join(o.a.Notes, "|"), "operator pressed ^C") || o.a.Exit.Signal != "SIGTERM" {
		t.Errorf("%s %q %q %+v", o.a.Verdict, o.a.Reasons, o.a.Notes, o.a.Exit)
	}
}

func TestBadConfig(t *testing.T) {
	c, _ := setup(t, gpus.A100_SXM4_40GB)
	if _, _, err := audit.Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("no command: %v", err)
	}
	c.Command = []string{"true"}
	c.Submission = "../escape"
	if _, _, err := audit.Run(context.Background(), c); err == nil {
		t.Error("a bad submission ID was accepted")
	}
}
