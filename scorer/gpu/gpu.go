// Package gpu is Podium's view of NVIDIA devices: what they are (probe),
// which track they may serve (eligibility), what they did during a run
// (sampling) and which processes used them (accounting).
//
// The commands reach NVML through Open, which loads libnvidia-ml.so.1 at run
// time; a host without the driver gives ErrNoDriver, never a crash. Tests
// build the same Host over go-nvml's mock servers (see package gputest).
package gpu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Exit statuses the commands use when the hardware is missing.
const (
	ExitNoDriver = 3 // no NVIDIA driver or NVML library
	ExitNoDevice = 4 // the driver is there but no (matching) device
)

// ErrNoDriver means NVML could not be loaded or initialised.
var ErrNoDriver = errors.New("no NVIDIA driver: NVML (libnvidia-ml.so.1) could not be loaded or initialised")

// ErrNoDevice means NVML works but there is no such device.
var ErrNoDevice = errors.New("no NVIDIA GPU found")

// ExitCode maps an error from this package to a command's exit status:
// ExitNoDriver, ExitNoDevice, or 1 for anything else.
func ExitCode(err error) int {
	switch {
	case errors.Is(err, ErrNoDriver):
		return ExitNoDriver
	case errors.Is(err, ErrNoDevice):
		return ExitNoDevice
	default:
		return 1
	}
}

// Host is the machine's set of devices.
type Host interface {
	// System reports the driver and every device.
	System() (System, error)
	// Device finds one device by index ("0") or UUID ("GPU-...").
	Device(sel string) (Device, error)
	// Close releases NVML.
	Close() error
}

// Device is one GPU.
type Device interface {
	Info() Info
	// Read takes one sample of the device's counters.
	Read() (Reading, error)
	// Processes lists the processes using the device now.
	Processes() ([]Process, error)
	// Accounted lists the processes NVML's accounting has recorded on the
	// device, ended ones included. ok is false when accounting mode is off.
	Accounted() (pids []uint32, ok bool, err error)
}

// System is what a probe sees.
type System struct {
	Driver  string `json:"driver"`
	CUDA    string `json:"cuda"` // the driver's CUDA version, e.g. "12.4"
	NVML    string `json:"nvml"`
	Devices []Info `json:"devices"`
}

// Info describes one device.
type Info struct {
	Index             int     `json:"index"`
	UUID              string  `json:"uuid"`
	Name              string  `json:"name"`
	MemoryMiB         float64 `json:"memory_mib"`
	PowerLimitW       float64 `json:"power_limit_w,omitempty"` // 0 when unknown
	ComputeCapability string  `json:"compute_capability"`      // e.g. "8.0"
	EnergyCounter     bool    `json:"energy_counter"`          // has a total-energy counter
	Accounting        bool    `json:"accounting"`              // accounting mode is on
}

// MemoryGiB is the device's memory in GiB.
func (i Info) MemoryGiB() float64 { return i.MemoryMiB / 1024 }

// Reading is one sample of a device's counters.
type Reading struct {
	MemoryUsedMiB float64
	Utilization   float64 // percent of time a kernel ran
	PowerW        float64 // instantaneous draw; <0 when unknown
	EnergyMJ      uint64  // total-energy counter in millijoules
	HasEnergy     bool    // EnergyMJ is valid
}

// Process is one process on a device.
type Process struct {
	PID           uint32
	UsedMemoryMiB float64
}

// cudaVersion turns NVML's 12040 into "12.4".
func cudaVersion(v int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// isIndex reports whether sel selects a device by index.
func isIndex(sel string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(sel))
	return n, err == nil && n >= 0
}
