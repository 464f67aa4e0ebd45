//go:build cgo

// Package gputest builds gpu.Hosts over go-nvml's mock NVML servers, so tests
// of sampling, eligibility and audits need no GPU. Everything here is a test
// double; the commands use gpu.Open.
package gputest

import (
	"fmt"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	nvmlmock "github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"podium/scorer/gpu"
)

// Device models go-nvml's mocks lack, as real drivers name them.
var (
	RTX4090 = gpus.Config{Name: "NVIDIA GeForce RTX 4090", Architecture: nvml.DEVICE_ARCH_ADA,
		Brand: nvml.BRAND_GEFORCE, MemoryMB: 24564, CudaMajor: 8, CudaMinor: 9, PciDeviceId: 0x268410DE}
	A100PCIe80GB = gpus.Config{Name: "NVIDIA A100 80GB PCIe", Architecture: nvml.DEVICE_ARCH_AMPERE,
		Brand: nvml.BRAND_NVIDIA, MemoryMB: 81920, CudaMajor: 8, CudaMinor: 0, PciDeviceId: 0x20B510DE}
)

// MockHost is a mock NVML server whose devices report power, utilisation,
// memory in use and running processes that a test sets.
type MockHost struct {
	Server  *server.Server
	Devices []*MockDevice
}

// MockDevice is one mock device and the state it reports.
type MockDevice struct {
	*server.Device

	mu            sync.Mutex
	powerW        float64
	util          uint32
	usedMiB       float64
	energyCounter bool
	energyMJ      float64
	last          time.Time
	procs         []uint32
	accounting    bool
	accounted     []int
}

// NewMockHost builds a host with one device per config. Devices draw 100 W
// at 0 % utilisation and have a total-energy counter until told otherwise.
func NewMockHost(configs ...gpus.Config) *MockHost {
	return FromServer(server.NewServerWithGPUs("550.54.15", "12.550.54.15", 12040, configs...))
}

// FromServer completes one of go-nvml's mock servers (dgxa100.New(),
// dgxh100.New(), ...) with what sampling needs, and gives its devices
// fixed UUIDs.
func FromServer(s *server.Server) *MockHost {
	m := &MockHost{Server: s}
	for i, d := range s.Devices {
		sd := d.(*server.Device)
		sd.UUID = fmt.Sprintf("GPU-00000000-0000-0000-0000-%012d", i)
		md := &MockDevice{Device: sd, powerW: 100, energyCounter: true, last: time.Now()}
		md.setFuncs()
		m.Devices = append(m.Devices, md)
	}
	return m
}

// Host opens the mock through the same code path as the real NVML.
func (m *MockHost) Host() gpu.Host {
	h, err := gpu.OpenNVML(m.Server)
	if err != nil {
		panic(err) // the mock's Init always succeeds
	}
	return h
}

// NoDriver is an NVML whose library cannot be found, as on a host without
// the NVIDIA driver.
func NoDriver() nvml.Interface {
	return &nvmlmock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}
}

// Set changes what the device reports from now on.
func (d *MockDevice) Set(powerW float64, util uint32, usedMiB float64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.advance()
	d.powerW, d.util, d.usedMiB = powerW, util, usedMiB
}

// NoEnergyCounter makes the device lack a total-energy counter, as older
// GPUs do.
func (d *MockDevice) NoEnergyCounter() {
	d.mu.Lock()
	d.energyCounter = false
	d.mu.Unlock()
}

// Run shows pid as running on the device; with accounting on, NVML's
// accounting also keeps it after it stops.
func (d *MockDevice) Run(pid uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.procs = append(d.procs, pid)
	if d.accounting {
		d.accounted = append(d.accounted, int(pid))
	}
}

// StopAll removes every running process.
func (d *MockDevice) StopAll() {
	d.mu.Lock()
	d.procs = nil
	d.mu.Unlock()
}

// Accounting turns accounting mode on or off.
func (d *MockDevice) Accounting(on bool) {
	d.mu.Lock()
	d.accounting = on
	d.mu.Unlock()
}

// advance adds the energy drawn since the last change (lock held).
func (d *MockDevice) advance() {
	now := time.Now()
	d.energyMJ += d.powerW * 1000 * now.Sub(d.last).Seconds()
	d.last = now
}

func (d *MockDevice) setFuncs() {
	d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		total := d.Config.MemoryMB << 20
		used := uint64(d.usedMiB * (1 << 20))
		return nvml.Memory{Total: total, Used: used, Free: total - used}, nvml.SUCCESS
	}
	d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 450000, nvml.SUCCESS }
	d.GetPowerManagementLimitFunc = func() (uint32, nvml.Return) { return 450000, nvml.SUCCESS }
	d.GetPowerUsageFunc = func() (uint32, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return uint32(d.powerW * 1000), nvml.SUCCESS
	}
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return nvml.Utilization{Gpu: d.util}, nvml.SUCCESS
	}
	d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.energyCounter {
			return 0, nvml.ERROR_NOT_SUPPORTED
		}
		d.advance()
		return uint64(d.energyMJ), nvml.SUCCESS
	}
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		out := make([]nvml.ProcessInfo, len(d.procs))
		for i, p := range d.procs {
			out[i] = nvml.ProcessInfo{Pid: p, UsedGpuMemory: 1 << 30}
		}
		return out, nvml.SUCCESS
	}
	d.GetAccountingModeFunc = func() (nvml.EnableState, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.accounting {
			return nvml.FEATURE_ENABLED, nvml.SUCCESS
		}
		return nvml.FEATURE_DISABLED, nvml.SUCCESS
	}
	d.GetAccountingPidsFunc = func() ([]int, nvml.Return) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return append([]int(nil), d.accounted...), nvml.SUCCESS
	}
}
