//go:build !cgo

package gpu

import "fmt"

// Open cannot load NVML in a scorer built without cgo.
func Open() (Host, error) {
	return nil, fmt.Errorf("%w: this scorer was built without cgo (CGO_ENABLED=0) and cannot load NVML; rebuild it with cgo", ErrNoDriver)
}
