//go:build cgo

package gpu_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"

	"podium/result"
	"podium/scorer/gpu"
	"podium/scorer/gpu/gputest"
)

func TestProbeDGXA100(t *testing.T) {
	h := gputest.FromServer(dgxa100.New()).Host()
	defer h.Close()
	sys, err := h.System()
	if err != nil {
		t.Fatal(err)
	}
	if sys.Driver != "550.54.15" || sys.CUDA != "12.4" {
		t.Errorf("driver %q CUDA %q, want 550.54.15 and 12.4", sys.Driver, sys.CUDA)
	}
	if len(sys.Devices) != 8 {
		t.Fatalf("%d devices, want 8", len(sys.Devices))
	}
	d := sys.Devices[3]
	if d.Index != 3 || !strings.Contains(d.Name, "A100-SXM4-40GB") || d.MemoryGiB() != 40 ||
		d.ComputeCapability != "8.0" || d.PowerLimitW != 450 || !d.EnergyCounter || d.Accounting {
		t.Errorf("device 3 = %+v", d)
	}
	if !strings.HasPrefix(d.UUID, "GPU-") {
		t.Errorf("UUID %q", d.UUID)
	}
}

func TestDeviceSelection(t *testing.T) {
	m := gputest.FromServer(dgxh100.New())
	h := m.Host()
	d, err := h.Device("2")
	if err != nil || d.Info().Index != 2 {
		t.Fatalf("by index: %v %+v", err, d)
	}
	u := m.Devices[5].UUID
	d, err = h.Device(u)
	if err != nil || d.Info().Index != 5 || d.Info().UUID != u {
		t.Fatalf("by UUID: %v %+v", err, d)
	}
	if _, err := h.Device("8"); !errors.Is(err, gpu.ErrNoDevice) || gpu.ExitCode(err) != gpu.ExitNoDevice {
		t.Errorf("index 8 of 8: %v", err)
	}
	if _, err := h.Device("GPU-nope"); !errors.Is(err, gpu.ErrNoDevice) {
		t.Errorf("unknown UUID: %v", err)
	}
	if _, err := h.Device("first"); err == nil || !strings.Contains(err.Error(), "index") {
		t.Errorf("bad selector: %v", err)
	}
}

func TestNoDriver(t *testing.T) {
	_, err := gpu.OpenNVML(gputest.NoDriver())
	if !errors.Is(err, gpu.ErrNoDriver) || gpu.ExitCode(err) != gpu.ExitNoDriver {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "no NVIDIA driver") {
		t.Errorf("message %q", err)
	}
}

// TestOpenSystem runs the real path: on a host without the driver it must
// fail cleanly with ErrNoDriver, never crash.
func TestOpenSystem(t *testing.T) {
	h, err := gpu.Open()
	if err == nil {
		defer h.Close()
		sys, err := h.System()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("NVML present: driver %s, %d devices", sys.Driver, len(sys.Devices))
		return
	}
	if !errors.Is(err, gpu.ErrNoDriver) {
		t.Fatalf("no driver gave %v, want ErrNoDriver", err)
	}
}

func TestEligibility2023(t *testing.T) {
	cases := []struct {
		cfg  gpus.Config
		want string // eligible track, "" for none
	}{
		{gpus.A100_SXM4_40GB, "a100"},
		{gpus.A100_PCIE_40GB, "a100"},
		{gpus.A100_SXM4_80GB, ""},
		{gputest.A100PCIe80GB, ""},
		{gpus.H100_SXM5_80GB, ""},
		{gpus.H200_SXM5_141GB, ""},
		{gpus.B200_SXM5_180GB, ""},
		{gpus.A30_PCIE_24GB, ""},
		{gputest.RTX4090, "4090"},
		{gpus.Config{Name: "NVIDIA RTX A1000", MemoryMB: 8192}, ""},
		{gpus.Config{Name: "NVIDIA GeForce RTX 4080", MemoryMB: 16376}, ""},
	}
	for _, c := range cases {
		d := gputest.NewMockHost(c.cfg).Host()
		dev, err := d.Device("0")
		if err != nil {
			t.Fatal(err)
		}
		got := gpu.EligibleTracks(gpu.Tracks2023(), dev.Info())
		want := []string{}
		if c.want != "" {
			want = []string{c.want}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: eligible for %v, want %v", c.cfg.Name, got, want)
		}
	}
}

func TestSamplerOnMock(t *testing.T) {
	for _, counter := range []bool{true, false} {
		m := gputest.NewMockHost(gpus.A100_SXM4_40GB)
		if !counter {
			m.Devices[0].NoEnergyCounter()
		}
		m.Devices[0].Set(200, 80, 3000)
		d, err := m.Host().Device("0")
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		s := gpu.StartSampler(d, 5*time.Millisecond, func(gpu.Sample) { seen++ })
		time.Sleep(60 * time.Millisecond)
		m.Devices[0].Set(200, 80, 5000)
		time.Sleep(40 * time.Millisecond)
		sum := s.Stop()
		s.Stop() // twice is fine
		want := gpu.EnergyPower
		if counter {
			want = gpu.EnergyCounter
		}
		if sum.EnergySource != want || sum.Samples < 3 || sum.Samples != seen {
			t.Fatalf("counter=%v: %+v (seen %d)", counter, sum, seen)
		}
		if !near(sum.MeanPowerW, 200, 30) || sum.PeakMemoryMiB != 5000 || sum.MeanUtilization != 80 {
			t.Errorf("counter=%v: %+v", counter, sum)
		}
	}
}

func TestTreeAndUses(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
	tree := gpu.NewTree(cmd.Process.Pid)
	var kids []uint32
	for i := 0; i < 100 && len(kids) < 2; i++ {
		time.Sleep(10 * time.Millisecond)
		tree.Refresh()
		kids = kids[:0]
		for _, p := range tree.PIDs() {
			if int(p) != cmd.Process.Pid {
				kids = append(kids, p)
			}
		}
	}
	if len(kids) != 2 {
		t.Fatalf("tree found children %v, want the two sleeps", kids)
	}
	if tree.Has(uint32(os.Getpid())) {
		t.Error("the test process is not in the command's tree")
	}

	m := gputest.NewMockHost(gpus.Multiple(3, gpus.A100_SXM4_40GB)...)
	m.Devices[0].Run(kids[0])             // the chosen device: fine
	m.Devices[1].Run(uint32(os.Getpid())) // someone else's process: not ours
	m.Devices[2].Accounting(true)         // accounting keeps ended processes
	m.Devices[2].Run(kids[1])
	m.Devices[2].StopAll()
	devs, err := gpu.Devices(m.Host())
	if err != nil {
		t.Fatal(err)
	}
	uses, acct, err := gpu.Uses(devs[1:], tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) != 1 || uses[0].PID != kids[1] || uses[0].Device.Index != 2 || uses[0].How != "accounted" {
		t.Fatalf("uses %v", uses)
	}
	if acct[m.Devices[1].UUID] || !acct[m.Devices[2].UUID] {
		t.Errorf("accounting %v", acct)
	}
	if !strings.Contains(uses[0].String(), "used device 2") {
		t.Errorf("%s", uses[0])
	}
}

func TestEligibleH200Mock(t *testing.T) {
	// H200 tracks of a later round work the same way.
	h := gputest.FromServer(dgxh200.New()).Host()
	d, _ := h.Device("0")
	if ok, _ := gpu.Eligible(result.Track{ID: "h200", GPUs: []result.GPU{{Name: "H200", MinMemoryGiB: 140}}}, d.Info()); !ok {
		t.Errorf("H200 track refused %+v", d.Info())
	}
}
