package runner

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// NewProgress shows progress on w: a bar with rate and ETA when w is a
// terminal, plain lines (every tenth of the work) otherwise.
func NewProgress(w io.Writer, label string) Progress {
	if f, ok := w.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return &barProgress{w: w, label: label}
	}
	return &lineProgress{w: w, label: label}
}

type barProgress struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar
}

func (p *barProgress) Start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(p.label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("inst"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	)
}
func (p *barProgress) Add(n int) { p.bar.Add(n) }
func (p *barProgress) Finish()   { p.bar.Finish() }

type lineProgress struct {
	w        io.Writer
	label    string
	mu       sync.Mutex
	total, n int
	next     int
	start    time.Time
}

func (p *lineProgress) Start(total int) {
	p.total, p.start = total, time.Now()
	p.next = p.step()
	fmt.Fprintf(p.w, "%s: %d instances\n", p.label, total)
}

func (p *lineProgress) step() int { return max(1, p.total/10) }

func (p *lineProgress) Add(k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += k
	if p.n < p.next && p.n < p.total {
		return
	}
	for p.next <= p.n {
		p.next += p.step()
	}
	el := time.Since(p.start).Seconds()
	rate := float64(p.n) / max(el, 1e-9)
	eta := time.Duration(float64(p.total-p.n)/max(rate, 1e-9)) * time.Second
	fmt.Fprintf(p.w, "%s: %d/%d (%d%%), %.1f/s, ETA %s\n", p.label, p.n, p.total, 100*p.n/max(p.total, 1), rate, eta.Round(time.Second))
}

func (p *lineProgress) Finish() {}
