//go:build cgo

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"

	"podium/result"
	"podium/scorer/audit"
	"podium/scorer/gpu"
	"podium/scorer/gpu/gputest"
	"podium/scorer/runner"
	"podium/scorer/simulate"
	"podium/scorer/task"
)

// capture runs dispatch(args) and returns its exit status and output.
func capture(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	os.Stdout, os.Stderr = outW, errW
	outC, errC := make(chan string), make(chan string)
	go func() { b, _ := io.ReadAll(outR); outC <- string(b) }()
	go func() { b, _ := io.ReadAll(errR); errC <- string(b) }()
	code := dispatch(args)
	outW.Close()
	errW.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-outC, <-errC
}

// withMockGPUs makes the commands see a mock host instead of NVML.
func withMockGPUs(t *testing.T, m *gputest.MockHost) {
	t.Helper()
	old := openGPU
	openGPU = func() (gpu.Host, error) { return m.Host(), nil }
	t.Cleanup(func() { openGPU = old })
}

// TestGPUNoDriver is the real NVML path: on a machine without the NVIDIA
// driver `scorer gpu` says so plainly and exits with its own status.
func TestGPUNoDriver(t *testing.T) {
	if h, err := gpu.Open(); err == nil {
		h.Close()
		t.Skip("this machine has an NVIDIA driver")
	}
	code, out, errOut := capture(t, "gpu")
	if code != gpu.ExitNoDriver || out != "" || !strings.Contains(errOut, "scorer gpu: no NVIDIA driver") || strings.Contains(errOut, "panic") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = capture(t, "gpu", "--json")
	var v struct {
		Error      string `json:"error"`
		ExitStatus int    `json:"exit_status"`
	}
	if code != gpu.ExitNoDriver || json.Unmarshal([]byte(out), &v) != nil || v.ExitStatus != gpu.ExitNoDriver || v.Error == "" {
		t.Errorf("--json: exit %d, %q", code, out)
	}
	code, _, errOut = capture(t, "audit", "--round", "2023", "--track", "a100", "--submission", "x", "--", "true")
	if code != gpu.ExitNoDriver || !strings.Contains(errOut, "no NVIDIA driver") {
		t.Errorf("audit: exit %d, %q", code, errOut)
	}
}

func TestGPUProbeMock(t *testing.T) {
	withMockGPUs(t, gputest.NewMockHost(gpus.A100_SXM4_40GB, gpus.A100_SXM4_80GB, gputest.RTX4090, gpus.H100_SXM5_80GB))
	code, out, errOut := capture(t, "gpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"NVIDIA driver 550.54.15, CUDA 12.4",
		"GPU 0: Mock NVIDIA A100-SXM4-40GB",
		"memory 40.0 GiB, power limit 450 W, compute capability 8.0",
		"eligible for track a100",
		"NVIDIA A100-SXM4-80GB (80.0 GiB) is not eligible for track a100",
		"GPU 2: NVIDIA GeForce RTX 4090",
		"eligible for track 4090",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = capture(t, "gpu", "--json")
	var rep struct {
		Driver  string `json:"driver"`
		Devices []struct {
			Name     string   `json:"name"`
			Eligible []string `json:"eligible"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	got := []string{}
	for _, d := range rep.Devices {
		got = append(got, strings.Join(d.Eligible, "+"))
	}
	if strings.Join(got, ",") != "a100,,4090," {
		t.Errorf("eligible per device %q, want a100, none, 4090, none", got)
	}
	// Same input, same bytes.
	_, again, _ := capture(t, "gpu", "--json")
	if again != out {
		t.Error("scorer gpu --json is not deterministic")
	}
}

func TestGPUNoDevice(t *testing.T) {
	withMockGPUs(t, gputest.NewMockHost())
	code, _, errOut := capture(t, "gpu")
	if code != gpu.ExitNoDevice || !strings.Contains(errOut, "sees no devices") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

const roundTOML = `title = "Test round"
rule = "mean"
aggregation = "arithmetic"

[[tracks]]
id = "h100"
name = "One H100"
gpus = [{name = "H100", min_memory_gib = 70, max_memory_gib = 90}]

[[scenarios]]
name = "gsm"
metrics = [{name = "exact_match"}]

[[scenarios]]
name = "bbq"
metrics = [{name = "exact_match"}, {name = "bias"}]

[[stages]]
name = "all"
weight = 1
scenarios = ["gsm", "bbq"]
`

func writeRound(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	p := filepath.Join(root, "results", "r1", "round.toml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(roundTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestGPURoundTracks(t *testing.T) {
	root := writeRound(t)
	withMockGPUs(t, gputest.NewMockHost(gpus.H100_SXM5_80GB, gpus.H200_SXM5_141GB))
	code, out, errOut := capture(t, "gpu", "--root", root, "--round", "r1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Devices []struct {
			Eligible []string `json:"eligible"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Devices) != 2 ||
		strings.Join(rep.Devices[0].Eligible, ",") != "h100" || len(rep.Devices[1].Eligible) != 0 {
		t.Errorf("%v: %s", err, out)
	}
}

func TestRunHook(t *testing.T) {
	m := gputest.NewMockHost(gpus.A100_SXM4_40GB, gpus.A100_SXM4_80GB)
	m.Devices[0].Set(300, 75, 12000)
	withMockGPUs(t, m)
	hook := func(args ...string) (*runConfig, error) {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		after := gpuRunFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		cfg := &runConfig{Root: t.TempDir(), Round: "2023", Track: "a100", Submission: "s", Options: &runner.Options{}}
		return cfg, after(cfg)
	}
	// Not eligible, and required: refused with its own exit status.
	_, err := hook("--gpu", "1", "--require-eligible")
	var ec exitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != exitIneligible || !strings.Contains(err.Error(), "not eligible for track a100") {
		t.Fatalf("ineligible: %v", err)
	}
	if _, err := hook("--require-eligible"); err == nil {
		t.Error("--require-eligible without --gpu was accepted")
	}
	cfg, err := hook("--gpu", m.Devices[0].UUID, "--require-eligible", "--sample-interval", "5ms")
	if err != nil || cfg.Options.Sampler == nil {
		t.Fatalf("eligible: %v", err)
	}
	s := cfg.Options.Sampler
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ { // let a few samples in
		m.Devices[0].Set(300, 75, 12000)
	}
	meas, err := s.Stop(runner.Stats{Instances: 10, Requests: 10, Sent: 10, Tokens: 500})
	if err != nil {
		t.Fatal(err)
	}
	hw, eff := meas.Hardware, meas.Efficiency
	if !hw.Eligible || hw.Index != 0 || hw.MemoryGiB != 40 || hw.UUID != m.Devices[0].UUID {
		t.Errorf("hardware %+v", hw)
	}
	if eff.PeakMemoryMiB != 12000 || eff.MeanUtilization != 75 || eff.EnergySource != gpu.EnergyCounter {
		t.Errorf("efficiency %+v", eff)
	}
}

func TestAuditCmdMock(t *testing.T) {
	withMockGPUs(t, gputest.NewMockHost(gpus.A100_PCIE_40GB, gpus.A100_PCIE_40GB))
	root := t.TempDir()
	args := []string{"audit", "--root", root, "--round", "2023", "--track", "a100", "--submission", "team-a",
		"--limit", "5s", "--interval", "20ms", "--gpu", "1", "--", "sh", "-c", "echo trained"}
	code, out, errOut := capture(t, args...)
	if code != 0 || !strings.Contains(out, "verdict: pass") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	a, err := audit.Read(filepath.Join(root, "results", "2023", "a100", "team-a.audit.toml"))
	if err != nil || a.Device.Index != 1 || a.Verdict != audit.Pass {
		t.Fatalf("%v %+v", err, a)
	}
	// A second attempt that fails is numbered and exits 1.
	args[len(args)-1] = "exit 7"
	code, out, _ = capture(t, args...)
	if code != 1 || !strings.Contains(out, "exited with status 7") {
		t.Errorf("exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(root, "results", "2023", "a100", "team-a.attempt-2.audit.toml")); err != nil {
		t.Error(err)
	}
	code, _, errOut = capture(t, "audit", "--round", "2023", "--track", "a100", "--submission", "x")
	if code != 2 || !strings.Contains(errOut, "no command") {
		t.Errorf("no command: exit %d %q", code, errOut)
	}
}

const submissionTOML = `id = "team-a"
team = "Team A"
track = "h100"

[[scenarios]]
name = "gsm"
metrics = [{name = "exact_match", value = 0.40}]

[[scenarios]]
name = "bbq"
metrics = [{name = "exact_match", value = 0.70}, {name = "bias", value = 0.10, lower_is_better = true}]
`

const reproducedTOML = `id = "team-a"
team = "Team A"
track = "h100"

[[scenarios]]
name = "gsm"
metrics = [{name = "exact_match", value = 0.39}]

[[scenarios]]
name = "bbq"
metrics = [{name = "exact_match", value = 0.72}, {name = "bias", value = 0.11, lower_is_better = true}]
`

func TestVerifyCmd(t *testing.T) {
	root := writeRound(t)
	dir := filepath.Join(root, "results", "r1", "h100")
	os.MkdirAll(dir, 0o755)
	subPath := filepath.Join(dir, "team-a.toml")
	os.WriteFile(subPath, []byte(submissionTOML), 0o644)
	rep := filepath.Join(t.TempDir(), "repro.toml")
	os.WriteFile(rep, []byte(reproducedTOML), 0o644)
	status := func() *result.Reproduction {
		r, err := result.ReadRound(filepath.Join(root, "results", "r1", "round.toml"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := result.ReadSubmission(subPath, r)
		if err != nil {
			t.Fatal(err)
		}
		return s.Reproduction
	}
	base := []string{"verify", "--root", root, "--round", "r1", "--track", "h100", "--submission", "team-a", "--reproduced", rep}

	// No audit yet: pending.
	code, out, errOut := capture(t, append(base, "--tolerance", "0.03")...)
	if rp := status(); code != 0 || rp.Status != result.Pending || !strings.Contains(rp.Reasons[0], "no audit") {
		t.Fatalf("exit %d %s %s: %+v", code, out, errOut, rp)
	}
	// Within 0.03 and no audit required: reproduced.
	capture(t, append(base, "--tolerance", "0.03", "--no-audit")...)
	if rp := status(); rp.Status != result.Reproduced || len(rp.Reasons) != 0 {
		t.Fatalf("%+v", rp)
	}
	// Relative 5%: bbq bias is 10% off.
	code, out, _ = capture(t, append(base, "--tolerance", "5%", "--no-audit")...)
	rp := status()
	if code != 0 || rp.Status != result.Failed || len(rp.Reasons) != 1 || !strings.Contains(rp.Reasons[0], "scenario bbq, metric bias") ||
		!strings.Contains(out, "reproduction failed") {
		t.Fatalf("%s %+v", out, rp)
	}
	// With a passing audit beside the results.
	a := audit.Audit{Round: "r1", Track: "h100", Submission: "team-a", Attempt: 1, Verdict: audit.Pass}
	if err := result.WriteFile(audit.Path(dir, "team-a", 1), &a); err != nil {
		t.Fatal(err)
	}
	capture(t, append(base, "--tolerance", "0.03")...)
	if rp := status(); rp.Status != result.Reproduced || rp.Audit != "results/r1/h100/team-a.audit.toml" {
		t.Fatalf("%+v", rp)
	}
	// A later failed attempt decides.
	a.Attempt, a.Verdict, a.Reasons = 2, audit.Fail, []string{"the command ran past the 24h0m0s limit (stopped with SIGTERM)"}
	result.WriteFile(audit.Path(dir, "team-a", 2), &a)
	capture(t, append(base, "--tolerance", "0.03")...)
	if rp := status(); rp.Status != result.Failed || !strings.Contains(rp.Reasons[0], "audit attempt 2: the command ran past") {
		t.Fatalf("%+v", rp)
	}
	// Pending by hand.
	capture(t, "verify", "--root", root, "--round", "r1", "--track", "h100", "--submission", "team-a", "--pending")
	if rp := status(); rp.Status != result.Pending {
		t.Fatalf("%+v", rp)
	}
	code, _, errOut = capture(t, append(base, "--tolerance", "lots")...)
	if code != 2 || !strings.Contains(errOut, "--tolerance") {
		t.Errorf("bad tolerance: exit %d %q", code, errOut)
	}
}

// TestRunMeasured scores a simulated submission with `scorer run --gpu` on a
// mock A100 40GB and checks the [hardware] and [efficiency] it records.
func TestRunMeasured(t *testing.T) {
	m := gputest.NewMockHost(gpus.A100_SXM4_40GB, gpus.H100_SXM5_80GB)
	m.Devices[0].Set(220, 64, 9000)
	withMockGPUs(t, m)
	suite, err := task.LoadSuite("sample")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := task.Build(suite, task.Options{Seed: 1, MaxInstances: 10})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simulate.New(tasks, simulate.Options{Accuracy: 0.5, Seed: 1, Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	root := t.TempDir()
	args := []string{"run", "--endpoint", srv.URL, "--suite", "sample", "--round", "2023", "--track", "a100",
		"--submission", "sim", "--root", root, "--max-instances", "10", "--concurrency", "2", "--no-cache",
		"--gpu", "0", "--require-eligible", "--sample-interval", "10ms"}
	code, _, errOut := capture(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	sub, err := result.ReadSubmission(filepath.Join(root, "results", "2023", "a100", "sim.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hw, eff := sub.Hardware, sub.Efficiency
	if hw == nil || eff == nil {
		t.Fatalf("no [hardware] or [efficiency] in %+v", sub)
	}
	if !hw.Eligible || hw.Name != "Mock NVIDIA A100-SXM4-40GB" || hw.UUID != m.Devices[0].UUID {
		t.Errorf("hardware %+v", hw)
	}
	if eff.PeakMemoryMiB != 9000 || eff.MeanUtilization != 64 || eff.EnergySource != gpu.EnergyCounter ||
		eff.Seconds <= 0 || eff.TokensPerSecond <= 0 || eff.JoulesPerInstance <= 0 ||
		eff.EnergyJoules < 0.8*220*eff.Seconds || eff.EnergyJoules > 1.2*220*eff.Seconds {
		t.Errorf("efficiency %+v", eff)
	}
	// The H100 is refused before the server is asked anything.
	args[len(args)-4] = "1" // --gpu 1
	code, _, errOut = capture(t, args...)
	if code != exitIneligible || !strings.Contains(errOut, "not eligible for track a100") {
		t.Errorf("H100: exit %d: %s", code, errOut)
	}
}
