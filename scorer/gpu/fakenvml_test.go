//go:build cgo

package gpu_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"podium/scorer/gpu"
)

// fakeNVML builds testdata/fakenvml.c, a FAKE libnvidia-ml.so.1, so the real
// NVML path (go-nvml's dlopen and cgo calls) runs without a GPU.
func fakeNVML(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build the fake NVML library")
	}
	lib := filepath.Join(t.TempDir(), "libnvidia-ml.so.1")
	out, err := exec.Command(cc, "-shared", "-fPIC", "-o", lib, filepath.Join("testdata", "fakenvml.c")).CombinedOutput()
	if err != nil {
		t.Fatalf("building the fake NVML: %v\n%s", err, out)
	}
	return lib
}

func TestRealPathOnFakeLibrary(t *testing.T) {
	lib := fakeNVML(t)
	t.Setenv("FAKE_NVML_GPUS", "NVIDIA A100-SXM4-40GB:40960,NVIDIA H200:143771,NVIDIA GeForce RTX 4090:24564")
	h, err := gpu.OpenNVML(nvml.New(nvml.WithLibraryPath(lib)))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	sys, err := h.System()
	if err != nil {
		t.Fatal(err)
	}
	if sys.Driver != "550.00.fake" || sys.CUDA != "12.4" || len(sys.Devices) != 3 {
		t.Fatalf("%+v", sys)
	}
	var got []string
	for _, d := range sys.Devices {
		got = append(got, d.Name+"="+strings.Join(gpu.EligibleTracks(gpu.Tracks2023(), d), " "))
	}
	if want := "NVIDIA A100-SXM4-40GB=a100 NVIDIA H200= NVIDIA GeForce RTX 4090=4090"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
	d, err := h.Device(sys.Devices[2].UUID)
	if err != nil || d.Info().Index != 2 || d.Info().PowerLimitW != 400 || d.Info().ComputeCapability != "8.0" {
		t.Fatalf("%v %+v", err, d)
	}
	s := gpu.StartSampler(d, 10*time.Millisecond, nil)
	time.Sleep(100 * time.Millisecond)
	sum := s.Stop()
	if sum.EnergySource != gpu.EnergyCounter || !near(sum.MeanPowerW, 150, 15) || sum.PeakMemoryMiB != 1024 || sum.MeanUtilization != 50 {
		t.Errorf("%+v", sum)
	}
	ps, err := d.Processes()
	if err != nil || len(ps) != 0 {
		t.Errorf("processes %v %v", ps, err)
	}
	if _, on, err := d.Accounted(); on || err != nil {
		t.Errorf("accounting %v %v", on, err)
	}
}

func TestMissingLibrary(t *testing.T) {
	_, err := gpu.OpenNVML(nvml.New(nvml.WithLibraryPath(filepath.Join(t.TempDir(), "libnvidia-ml.so.1"))))
	if gpu.ExitCode(err) != gpu.ExitNoDriver {
		t.Fatalf("got %v", err)
	}
}
