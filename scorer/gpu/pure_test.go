package gpu_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"podium/result"
	"podium/scorer/gpu"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Real NVML names and sizes, as drivers report them.
func TestEligibilityByName(t *testing.T) {
	cases := []struct {
		name string
		mib  float64
		want string
	}{
		{"NVIDIA A100-SXM4-40GB", 40960, "a100"},
		{"NVIDIA A100-PCIE-40GB", 40960, "a100"},
		{"NVIDIA A100-SXM4-80GB", 81920, ""},
		{"NVIDIA A100 80GB PCIe", 81920, ""},
		{"NVIDIA H100 80GB HBM3", 81559, ""},
		{"NVIDIA H100 PCIe", 81559, ""},
		{"NVIDIA H200", 143771, ""},
		{"NVIDIA GeForce RTX 4090", 24564, "4090"},
		{"NVIDIA GeForce RTX 4080", 16376, ""},
		{"NVIDIA RTX A1000", 8192, ""},
	}
	for _, c := range cases {
		got := strings.Join(gpu.EligibleTracks(gpu.Tracks2023(), gpu.Info{Name: c.name, MemoryMiB: c.mib}), ",")
		if got != c.want {
			t.Errorf("%s (%g MiB): eligible for %q, want %q", c.name, c.mib, got, c.want)
		}
	}
}

func TestSummarizeCounter(t *testing.T) {
	s := gpu.Summarize([]gpu.Sample{
		{At: 0, Reading: gpu.Reading{MemoryUsedMiB: 100, Utilization: 10, PowerW: 50, EnergyMJ: 1_000_000, HasEnergy: true}},
		{At: 2 * time.Second, Reading: gpu.Reading{MemoryUsedMiB: 900, Utilization: 90, PowerW: 300, EnergyMJ: 1_400_000, HasEnergy: true}},
		{At: 4 * time.Second, Reading: gpu.Reading{MemoryUsedMiB: 500, Utilization: -1, PowerW: 300, EnergyMJ: 1_900_000, HasEnergy: true}},
	})
	if s.EnergySource != gpu.EnergyCounter || !near(s.EnergyJoules, 900, 1e-9) {
		t.Errorf("energy %v from %q, want 900 J from the counter", s.EnergyJoules, s.EnergySource)
	}
	if s.PeakMemoryMiB != 900 || s.MeanUtilization != 50 || s.Seconds != 4 || !near(s.MeanPowerW, 225, 1e-9) {
		t.Errorf("summary %+v", s)
	}
}

func TestSummarizePowerIntegration(t *testing.T) {
	// No counter: trapezoids 1 s × (100+200)/2 + 2 s × (200+400)/2 = 750 J;
	// the reading with unknown power is skipped.
	s := gpu.Summarize([]gpu.Sample{
		{At: 0, Reading: gpu.Reading{PowerW: 100, Utilization: -1}},
		{At: time.Second, Reading: gpu.Reading{PowerW: 200, Utilization: -1}},
		{At: 2 * time.Second, Reading: gpu.Reading{PowerW: -1, Utilization: -1}},
		{At: 3 * time.Second, Reading: gpu.Reading{PowerW: 400, Utilization: -1}},
	})
	if s.EnergySource != gpu.EnergyPower || !near(s.EnergyJoules, 750, 1e-9) || s.MeanUtilization != 0 {
		t.Errorf("summary %+v, want 750 J from power samples", s)
	}
	// A counter that goes backwards (driver reload) is not trusted.
	s = gpu.Summarize([]gpu.Sample{
		{At: 0, Reading: gpu.Reading{PowerW: 100, EnergyMJ: 5000, HasEnergy: true}},
		{At: 10 * time.Second, Reading: gpu.Reading{PowerW: 100, EnergyMJ: 10, HasEnergy: true}},
	})
	if s.EnergySource != gpu.EnergyPower || s.EnergyJoules != 1000 {
		t.Errorf("reset counter: %+v", s)
	}
	if s := gpu.Summarize(nil); s.EnergySource != "" || s.Samples != 0 {
		t.Errorf("no samples: %+v", s)
	}
}

func TestEfficiency(t *testing.T) {
	e := gpu.Efficiency(gpu.Summary{Seconds: 20, EnergyJoules: 3000, EnergySource: gpu.EnergyCounter, PeakMemoryMiB: 12345.67, MeanUtilization: 71.25}, 5000, 300)
	if e.TokensPerSecond != 250 || e.JoulesPerInstance != 10 || e.EnergyJoules != 3000 || e.PeakMemoryMiB != 12345.7 || e.EnergySource != "counter" {
		t.Errorf("%+v", e)
	}
	e = gpu.Efficiency(gpu.Summary{Seconds: 0}, 10, 0)
	if e.TokensPerSecond != 0 || e.JoulesPerInstance != 0 {
		t.Errorf("empty run: %+v", e)
	}
}

func TestEligibleReasons(t *testing.T) {
	a100 := gpu.Tracks2023()[1]
	ok, why := gpu.Eligible(a100, gpu.Info{Name: "NVIDIA A100-SXM4-80GB", MemoryMiB: 81920})
	if ok || !strings.Contains(why, "at most 44 GiB") || !strings.Contains(why, "track a100") {
		t.Errorf("A100 80GB: %v %q", ok, why)
	}
	ok, why = gpu.Eligible(a100, gpu.Info{Name: "NVIDIA H200", MemoryMiB: 143771})
	if ok || !strings.Contains(why, `the name does not match "A100"`) {
		t.Errorf("H200: %v %q", ok, why)
	}
	// A round with its own rule: any H100, and nothing about memory.
	open := result.Track{ID: "h", GPUs: []result.GPU{{Name: "h100"}}}
	if ok, _ := gpu.Eligible(open, gpu.Info{Name: "NVIDIA H100 80GB HBM3", MemoryMiB: 81559}); !ok {
		t.Error("H100 track refused an H100")
	}
	if ok, _ := gpu.Eligible(result.Track{ID: "any"}, gpu.Info{Name: "anything"}); !ok {
		t.Error("a track with no GPUs listed accepts any device")
	}
}
