//go:build cgo

package gpu

import (
	"fmt"
	"math"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Open loads the system's NVML (libnvidia-ml.so.1) and initialises it. With
// no driver it returns an error wrapping ErrNoDriver.
func Open() (Host, error) { return OpenNVML(nvml.New()) }

// OpenNVML initialises lib, the system's NVML or one of go-nvml's mocks.
func OpenNVML(lib nvml.Interface) (Host, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: %s", ErrNoDriver, retString(ret))
	}
	return &nvmlHost{lib: lib}, nil
}

type nvmlHost struct{ lib nvml.Interface }

func (h *nvmlHost) Close() error {
	if ret := h.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("nvml shutdown: %s", retString(ret))
	}
	return nil
}

func (h *nvmlHost) System() (System, error) {
	var s System
	var ret nvml.Return
	if s.Driver, ret = h.lib.SystemGetDriverVersion(); ret != nvml.SUCCESS {
		return s, fmt.Errorf("nvml: driver version: %s", retString(ret))
	}
	if v, ret := h.lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		s.CUDA = cudaVersion(v)
	}
	if v, ret := h.lib.SystemGetNVMLVersion(); ret == nvml.SUCCESS {
		s.NVML = v
	}
	n, ret := h.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return s, fmt.Errorf("nvml: device count: %s", retString(ret))
	}
	s.Devices = []Info{}
	for i := 0; i < n; i++ {
		d, err := h.byIndex(i)
		if err != nil {
			return s, err
		}
		s.Devices = append(s.Devices, d.info)
	}
	return s, nil
}

func (h *nvmlHost) Device(sel string) (Device, error) {
	sel = strings.TrimSpace(sel)
	if i, ok := isIndex(sel); ok {
		n, ret := h.lib.DeviceGetCount()
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvml: device count: %s", retString(ret))
		}
		if i >= n {
			return nil, fmt.Errorf("%w: no device with index %d (this host has %d)", ErrNoDevice, i, n)
		}
		return h.byIndex(i)
	}
	if !strings.HasPrefix(sel, "GPU-") && !strings.HasPrefix(sel, "MIG-") {
		return nil, fmt.Errorf("--gpu %q: give an index (0, 1, ...) or a UUID (GPU-...)", sel)
	}
	dev, ret := h.lib.DeviceGetHandleByUUID(sel)
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: no device with UUID %s: %s", ErrNoDevice, sel, retString(ret))
	}
	return newNVMLDevice(dev, -1)
}

func (h *nvmlHost) byIndex(i int) (*nvmlDevice, error) {
	dev, ret := h.lib.DeviceGetHandleByIndex(i)
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvml: device %d: %s", i, retString(ret))
	}
	return newNVMLDevice(dev, i)
}

type nvmlDevice struct {
	dev  nvml.Device
	info Info
}

// newNVMLDevice reads a device's description; index is -1 when unknown.
func newNVMLDevice(dev nvml.Device, index int) (*nvmlDevice, error) {
	var in Info
	var ret nvml.Return
	if i, ret := dev.GetIndex(); ret == nvml.SUCCESS {
		index = i
	}
	in.Index = index
	where := fmt.Sprintf("nvml: device %d", index)
	if in.Name, ret = dev.GetName(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%s: name: %s", where, retString(ret))
	}
	if in.UUID, ret = dev.GetUUID(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%s: UUID: %s", where, retString(ret))
	}
	mem, ret := dev.GetMemoryInfo()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%s: memory: %s", where, retString(ret))
	}
	in.MemoryMiB = mib(mem.Total)
	if mw, ret := dev.GetEnforcedPowerLimit(); ret == nvml.SUCCESS {
		in.PowerLimitW = float64(mw) / 1000
	} else if mw, ret := dev.GetPowerManagementLimit(); ret == nvml.SUCCESS {
		in.PowerLimitW = float64(mw) / 1000
	}
	if major, minor, ret := dev.GetCudaComputeCapability(); ret == nvml.SUCCESS {
		in.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
	}
	_, ret = dev.GetTotalEnergyConsumption()
	in.EnergyCounter = ret == nvml.SUCCESS
	mode, ret := dev.GetAccountingMode()
	in.Accounting = ret == nvml.SUCCESS && mode == nvml.FEATURE_ENABLED
	return &nvmlDevice{dev: dev, info: in}, nil
}

func (d *nvmlDevice) Info() Info { return d.info }

func (d *nvmlDevice) Read() (Reading, error) {
	r := Reading{Utilization: -1, PowerW: -1}
	mem, ret := d.dev.GetMemoryInfo()
	if ret != nvml.SUCCESS {
		return r, fmt.Errorf("nvml: device %d: memory: %s", d.info.Index, retString(ret))
	}
	r.MemoryUsedMiB = mib(mem.Used)
	if u, ret := d.dev.GetUtilizationRates(); ret == nvml.SUCCESS {
		r.Utilization = float64(u.Gpu)
	}
	if mw, ret := d.dev.GetPowerUsage(); ret == nvml.SUCCESS {
		r.PowerW = float64(mw) / 1000
	}
	if mj, ret := d.dev.GetTotalEnergyConsumption(); ret == nvml.SUCCESS {
		r.EnergyMJ, r.HasEnergy = mj, true
	}
	return r, nil
}

func (d *nvmlDevice) Processes() ([]Process, error) {
	ps, ret := d.dev.GetComputeRunningProcesses()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvml: device %d: running processes: %s", d.info.Index, retString(ret))
	}
	out := make([]Process, 0, len(ps))
	for _, p := range ps {
		used := 0.0
		if p.UsedGpuMemory != math.MaxUint64 { // NVML_VALUE_NOT_AVAILABLE
			used = mib(p.UsedGpuMemory)
		}
		out = append(out, Process{PID: p.Pid, UsedMemoryMiB: used})
	}
	return out, nil
}

func (d *nvmlDevice) Accounted() ([]uint32, bool, error) {
	mode, ret := d.dev.GetAccountingMode()
	if ret == nvml.ERROR_NOT_SUPPORTED || (ret == nvml.SUCCESS && mode != nvml.FEATURE_ENABLED) {
		return nil, false, nil
	}
	if ret != nvml.SUCCESS {
		return nil, false, fmt.Errorf("nvml: device %d: accounting mode: %s", d.info.Index, retString(ret))
	}
	pids, ret := d.dev.GetAccountingPids()
	if ret != nvml.SUCCESS {
		return nil, true, fmt.Errorf("nvml: device %d: accounting pids: %s", d.info.Index, retString(ret))
	}
	out := make([]uint32, len(pids))
	for i, p := range pids {
		out[i] = uint32(p)
	}
	return out, true, nil
}

func mib(bytes uint64) float64 { return float64(bytes) / (1 << 20) }

// retString names an NVML status without needing the library loaded.
func retString(r nvml.Return) string {
	return fmt.Sprintf("%s (NVML status %d)", r.Error(), int32(r))
}
