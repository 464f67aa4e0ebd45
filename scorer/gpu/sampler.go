package gpu

import (
	"math"
	"sync"
	"time"

	"podium/result"
)

// Sample is a Reading taken At a time since sampling began.
type Sample struct {
	At time.Duration
	Reading
}

// Summary is what a run's samples add up to.
type Summary struct {
	Seconds         float64 `toml:"seconds" json:"seconds"`
	Samples         int     `toml:"samples" json:"samples"`
	PeakMemoryMiB   float64 `toml:"peak_memory_mib" json:"peak_memory_mib"`
	MeanUtilization float64 `toml:"mean_utilization" json:"mean_utilization"` // percent
	EnergyJoules    float64 `toml:"energy_joules" json:"energy_joules"`
	EnergySource    string  `toml:"energy_source" json:"energy_source"` // EnergyCounter, EnergyPower or ""
	MeanPowerW      float64 `toml:"mean_power_w" json:"mean_power_w"`
	Errors          int     `toml:"errors,omitzero" json:"errors,omitempty"` // failed reads
}

// Rounded gives the summary with figures rounded for a report.
func (s Summary) Rounded() Summary {
	s.Seconds = round(s.Seconds, 2)
	s.PeakMemoryMiB = round(s.PeakMemoryMiB, 1)
	s.MeanUtilization = round(s.MeanUtilization, 1)
	s.EnergyJoules = round(s.EnergyJoules, 1)
	s.MeanPowerW = round(s.MeanPowerW, 1)
	return s
}

// Where a Summary's energy came from.
const (
	EnergyCounter = "counter"       // the device's total-energy counter
	EnergyPower   = "power-samples" // power readings integrated over time
)

// Summarize adds up samples in time order. Energy is the difference of the
// total-energy counter between the first and last samples when both have
// it and it did not go backwards; otherwise the power readings integrated
// by the trapezoid rule (a reading with unknown power is skipped).
// Utilization is the mean of the known readings.
func Summarize(samples []Sample) Summary {
	var s Summary
	s.Samples = len(samples)
	if len(samples) == 0 {
		return s
	}
	first, last := samples[0], samples[len(samples)-1]
	s.Seconds = (last.At - first.At).Seconds()
	var utilSum float64
	var utilN int
	for _, x := range samples {
		s.PeakMemoryMiB = math.Max(s.PeakMemoryMiB, x.MemoryUsedMiB)
		if x.Utilization >= 0 {
			utilSum += x.Utilization
			utilN++
		}
	}
	if utilN > 0 {
		s.MeanUtilization = utilSum / float64(utilN)
	}
	if first.HasEnergy && last.HasEnergy && last.EnergyMJ >= first.EnergyMJ && len(samples) > 1 {
		s.EnergyJoules = float64(last.EnergyMJ-first.EnergyMJ) / 1000
		s.EnergySource = EnergyCounter
	} else if j, ok := integratePower(samples); ok {
		s.EnergyJoules = j
		s.EnergySource = EnergyPower
	}
	if s.Seconds > 0 && s.EnergySource != "" {
		s.MeanPowerW = s.EnergyJoules / s.Seconds
	}
	return s
}

// integratePower integrates power over time by the trapezoid rule between
// consecutive samples whose power is known.
func integratePower(samples []Sample) (float64, bool) {
	var joules float64
	var prev *Sample
	ok := false
	for i := range samples {
		x := &samples[i]
		if x.PowerW < 0 {
			continue
		}
		if prev != nil {
			dt := (x.At - prev.At).Seconds()
			joules += dt * (x.PowerW + prev.PowerW) / 2
			ok = true
		}
		prev = x
	}
	return joules, ok
}

// Efficiency turns a run's summary into the results' [efficiency] section,
// given the tokens the server generated and the instances it answered.
func Efficiency(s Summary, tokens, instances int) *result.Efficiency {
	e := &result.Efficiency{
		PeakMemoryMiB:   round(s.PeakMemoryMiB, 1),
		MeanUtilization: round(s.MeanUtilization, 1),
		EnergyJoules:    round(s.EnergyJoules, 1),
		EnergySource:    s.EnergySource,
		Seconds:         round(s.Seconds, 2),
	}
	if s.Seconds > 0 {
		e.TokensPerSecond = round(float64(tokens)/s.Seconds, 2)
	}
	if instances > 0 && s.EnergySource != "" {
		e.JoulesPerInstance = round(s.EnergyJoules/float64(instances), 3)
	}
	return e
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// Sampler reads a device at a fixed interval in the background.
type Sampler struct {
	dev      Device
	interval time.Duration
	start    time.Time
	stop     chan struct{}
	done     chan struct{}
	onSample func(Sample)
	once     sync.Once

	mu      sync.Mutex
	samples []Sample
	errs    int
}

// StartSampler reads dev at once and then every interval until Stop.
// onSample, when not nil, sees each sample as it is taken (for progress or
// checks); it runs on the sampler's goroutine.
func StartSampler(dev Device, interval time.Duration, onSample func(Sample)) *Sampler {
	if interval <= 0 {
		interval = time.Second
	}
	s := &Sampler{dev: dev, interval: interval, start: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{}), onSample: onSample}
	s.read()
	go s.loop()
	return s
}

func (s *Sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.read() // a last reading closes the interval
			return
		case <-t.C:
			s.read()
		}
	}
}

func (s *Sampler) read() {
	r, err := s.dev.Read()
	at := time.Since(s.start)
	s.mu.Lock()
	if err != nil {
		s.errs++
		s.mu.Unlock()
		return
	}
	x := Sample{At: at, Reading: r}
	s.samples = append(s.samples, x)
	s.mu.Unlock()
	if s.onSample != nil {
		s.onSample(x)
	}
}

// Summary adds up the samples taken so far.
func (s *Sampler) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summarize(s.samples)
	sum.Errors = s.errs
	return sum
}

// Stop takes a last reading, ends sampling and returns the summary. It is
// safe to call more than once.
func (s *Sampler) Stop() Summary {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return s.Summary()
}
