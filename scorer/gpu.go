package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"podium/result"
	"podium/scorer/gpu"
	"podium/scorer/runner"
)

// openGPU opens the host's NVML; tests replace it with a mock host.
var openGPU = gpu.Open

// gpuError carries the exit status for a missing driver or device.
type gpuError struct{ err error }

func (e gpuError) Error() string { return e.err.Error() }
func (e gpuError) Unwrap() error { return e.err }
func (e gpuError) ExitCode() int {
	if errors.Is(e.err, errIneligible) {
		return exitIneligible
	}
	return gpu.ExitCode(e.err)
}

func init() { runExtensions = append(runExtensions, gpuRunFlags) }

// gpuCmd is `scorer gpu`: what NVML sees, and which tracks each device
// qualifies for.
func gpuCmd(args []string) error {
	fs := flag.NewFlagSet("scorer gpu", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	root := fs.String("root", ".", "project `DIR`")
	round := fs.String("round", "", "round `ID` whose tracks to check (default: the bundled 2023 tracks)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer gpu [--json] [--root DIR --round ROUND]")
		fmt.Fprintln(fs.Output(), "\nPrints the NVIDIA driver, CUDA version and each GPU, and the tracks it is eligible for.")
		fmt.Fprintf(fs.Output(), "Exit status %d: no NVIDIA driver; %d: no GPU.\n\nFlags:\n", gpu.ExitNoDriver, gpu.ExitNoDevice)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	tracks, source, err := roundTracks(*root, *round)
	if err != nil {
		return err
	}
	rep, err := probe(tracks, source)
	if err != nil {
		if *asJSON {
			writeJSON(os.Stdout, map[string]any{"error": err.Error(), "exit_status": gpu.ExitCode(err)})
		}
		return gpuError{err}
	}
	if *asJSON {
		return writeJSON(os.Stdout, rep)
	}
	printProbe(os.Stdout, rep)
	return nil
}

// gpuReport is `scorer gpu --json`.
type gpuReport struct {
	gpu.System
	Tracks  string      `json:"tracks"` // where the track definitions came from
	Devices []deviceFit `json:"devices"`
}

type deviceFit struct {
	gpu.Info
	Eligible []string   `json:"eligible"`
	Tracks   []trackFit `json:"tracks"`
}

type trackFit struct {
	Track    string `json:"track"`
	Eligible bool   `json:"eligible"`
	Reason   string `json:"reason,omitempty"`
}

func probe(tracks []result.Track, source string) (*gpuReport, error) {
	h, err := openGPU()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	sys, err := h.System()
	if err != nil {
		return nil, err
	}
	if len(sys.Devices) == 0 {
		return nil, fmt.Errorf("%w: driver %s is loaded but sees no devices", gpu.ErrNoDevice, sys.Driver)
	}
	rep := &gpuReport{System: sys, Tracks: source}
	for _, in := range sys.Devices {
		d := deviceFit{Info: in, Eligible: []string{}}
		for _, t := range tracks {
			ok, why := gpu.Eligible(t, in)
			d.Tracks = append(d.Tracks, trackFit{Track: t.ID, Eligible: ok, Reason: why})
			if ok {
				d.Eligible = append(d.Eligible, t.ID)
			}
		}
		rep.Devices = append(rep.Devices, d)
	}
	return rep, nil
}

func printProbe(w io.Writer, r *gpuReport) {
	fmt.Fprintf(w, "NVIDIA driver %s, CUDA %s, NVML %s\n", r.Driver, r.CUDA, r.NVML)
	fmt.Fprintf(w, "tracks: %s\n", r.Tracks)
	for _, d := range r.Devices {
		fmt.Fprintf(w, "\nGPU %d: %s\n  uuid %s\n  memory %.1f GiB, power limit %s, compute capability %s\n",
			d.Index, d.Name, d.UUID, d.MemoryGiB(), watts(d.PowerLimitW), d.ComputeCapability)
		fmt.Fprintf(w, "  energy counter %s, accounting mode %s\n", yesNo(d.EnergyCounter, "yes", "no"), yesNo(d.Accounting, "on", "off"))
		for _, t := range d.Tracks {
			if t.Eligible {
				fmt.Fprintf(w, "  eligible for track %s\n", t.Track)
			} else {
				fmt.Fprintf(w, "  not eligible: %s\n", t.Reason)
			}
		}
	}
}

func watts(w float64) string {
	if w <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f W", w)
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// roundTracks reads a round's tracks, or gives the bundled 2023 ones when
// no round is named.
func roundTracks(root, round string) ([]result.Track, string, error) {
	if round == "" {
		return gpu.Tracks2023(), "bundled 2023 tracks (RTX 4090; A100 40GB)", nil
	}
	path := filepath.Join(result.Dir(root, round), result.RoundFile)
	r, err := result.ReadRound(path)
	if err != nil {
		return nil, "", err
	}
	return r.Tracks, "round " + round + " (" + path + ")", nil
}

// trackDef finds a track of a round. With no round definition on disk it
// falls back to a bundled 2023 track of the same ID; ok is false when the
// track is known nowhere.
func trackDef(root, round, track string) (t result.Track, source string, ok bool, err error) {
	path := filepath.Join(result.Dir(root, round), result.RoundFile)
	r, err := result.ReadRound(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		for _, t := range gpu.Tracks2023() {
			if t.ID == track {
				return t, "bundled 2023 track " + track + " (no " + path + ")", true, nil
			}
		}
		return result.Track{ID: track}, "", false, nil
	case err != nil:
		return t, "", false, err
	}
	for _, t := range r.Tracks {
		if t.ID == track {
			return t, path, true, nil
		}
	}
	return t, "", false, fmt.Errorf("%s: round %s has no track %q", path, round, track)
}

// gpuRunFlags adds --gpu and --require-eligible to `scorer run`.
func gpuRunFlags(fs *flag.FlagSet) func(cfg *runConfig) error {
	sel := fs.String("gpu", "", "sample the GPU with this `INDEX|UUID` during the run; records [hardware] and [efficiency]")
	require := fs.Bool("require-eligible", false, "refuse to score unless --gpu is eligible for the track")
	interval := fs.Duration("sample-interval", time.Second, "how often to read the GPU")
	return func(cfg *runConfig) error {
		if *sel == "" {
			if *require {
				return usageError{errors.New("--require-eligible needs --gpu")}
			}
			return nil
		}
		h, err := openGPU()
		if err != nil {
			return gpuError{err}
		}
		dev, err := h.Device(*sel)
		if err != nil {
			h.Close()
			return gpuError{err}
		}
		hw, err := hardware(cfg.Root, cfg.Round, cfg.Track, dev.Info())
		if err != nil {
			h.Close()
			return err
		}
		if !hw.Eligible {
			if *require {
				h.Close()
				return gpuError{fmt.Errorf("%w: refusing to score (--require-eligible): %s", errIneligible, hw.Reason)}
			}
			fmt.Fprintf(os.Stderr, "warning: %s\n", hw.Reason)
		}
		fmt.Fprintf(os.Stderr, "sampling GPU %d (%s) every %s\n", hw.Index, hw.Name, *interval)
		cfg.Options.Sampler = &runSampler{host: h, dev: dev, hw: hw, interval: *interval}
		return nil
	}
}

// errIneligible is a GPU not eligible for the track.
var errIneligible = errors.New("GPU not eligible")

// exitIneligible is the exit status of `scorer run --require-eligible` on a
// GPU that is not eligible.
const exitIneligible = 5

// hardware is the [hardware] section for a device and a run's track.
func hardware(root, round, track string, in gpu.Info) (*result.Hardware, error) {
	hw := &result.Hardware{Index: in.Index, UUID: in.UUID, Name: in.Name, MemoryGiB: float64(int(in.MemoryGiB()*10+0.5)) / 10}
	t, source, known, err := trackDef(root, round, track)
	if err != nil {
		return nil, err
	}
	if !known {
		hw.Reason = fmt.Sprintf("round %s has no definition (%s) to say which GPUs track %s allows",
			round, filepath.Join(result.Dir(root, round), result.RoundFile), track)
		return hw, nil
	}
	hw.Eligible, hw.Reason = gpu.Eligible(t, in)
	fmt.Fprintf(os.Stderr, "GPU %d (%s): eligibility from %s: %s\n", in.Index, in.Name, source, yesNo(hw.Eligible, "eligible", "not eligible"))
	return hw, nil
}

// runSampler samples a GPU while `scorer run` scores (runner.Sampler).
type runSampler struct {
	host     gpu.Host
	dev      gpu.Device
	hw       *result.Hardware
	interval time.Duration
	s        *gpu.Sampler
}

func (r *runSampler) Start() error {
	r.s = gpu.StartSampler(r.dev, r.interval, nil)
	return nil
}

func (r *runSampler) Stop(st runner.Stats) (*runner.Measured, error) {
	if r.s == nil {
		return nil, errors.New("gpu sampler stopped before it started")
	}
	sum := r.s.Stop()
	r.host.Close()
	tokens, instances := st.Tokens, st.Instances
	if st.Requests > 0 && st.Sent < st.Requests {
		// Cached answers cost the GPU nothing in this run: count only what
		// was sent (tokens pro rata).
		fmt.Fprintf(os.Stderr, "note: %d of %d answers came from the cache; efficiency covers the %d sent in this run (use --no-cache for a clean measurement)\n",
			st.Requests-st.Sent, st.Requests, st.Sent)
		tokens = int(float64(st.Tokens) * float64(st.Sent) / float64(st.Requests))
		instances = st.Sent
	}
	return &runner.Measured{Hardware: r.hw, Efficiency: gpu.Efficiency(sum, tokens, instances)}, nil
}

var _ runner.Sampler = (*runSampler)(nil)
