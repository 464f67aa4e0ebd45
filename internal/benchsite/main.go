// Command benchsite measures the site build and prints the figures that
// `make bench` reports:
//
//   - `podium build` of a synthetic round of 2,000 submissions × 2 tracks ×
//     40 metrics: wall time and peak RSS (targets: under 1 s, 300 MB);
//   - one corpus of 1,000 markdown pages built by `podium build` and by
//     `hugo`, and Podium's time ÷ Hugo's (target: ≤ 0.5).
//
// Every figure is taken two ways, for both generators alike: a build into
// a new, empty folder, and a rebuild into the folder the last build wrote
// (both then update it in place: Podium leaves the files that did not
// change as they are, Hugo overwrites every file). Each runs -runs times and the best
// time counts. It needs a built podium binary (-podium) and, for the ratio,
// hugo on PATH.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"podium/internal/synth"
)

func main() {
	podium := flag.String("podium", "bin/podium", "the podium binary")
	runs := flag.Int("runs", 3, "builds per measurement; the best counts")
	subs := flag.Int("submissions", 2000, "submissions per track")
	pages := flag.Int("pages", 1000, "markdown pages in the corpus")
	keep := flag.Bool("keep", false, "keep the temporary folders")
	tmpdir := flag.String("tmp", "bin", "folder for the inputs and outputs; /dev/shm takes the disk out of the figures")
	flag.Parse()
	if err := run(*podium, *tmpdir, *runs, *subs, *pages, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "benchsite:", err)
		os.Exit(1)
	}
}

func run(podium, tmpdir string, runs, subs, pages int, keep bool) error {
	bin, err := filepath.Abs(podium)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s: build it first (make build)", bin)
	}
	// Not the system's temporary folder by default: it may be in memory,
	// and the tests create and delete thousands of files there, which
	// slows creating files nearby on some file systems (see below).
	if err := os.MkdirAll(tmpdir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(tmpdir, "podium-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("folders kept in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	// 1. A synthetic round.
	root := filepath.Join(tmp, "round")
	fmt.Printf("writing a synthetic round: %d submissions × 2 tracks × 40 metrics\n", subs)
	if _, err := synth.Round(root, synth.Spec{Round: "bench", Tracks: 2, Submissions: subs, Scenarios: 10, Metrics: 40, Secret: 2, Missing: 0.01, Seed: 7}); err != nil {
		return err
	}
	podiumBuild := func(src string) func(out string) *exec.Cmd {
		return func(out string) *exec.Cmd {
			return exec.Command(bin, "build", "--quiet", "--root", src, "--out", out)
		}
	}
	cold, warm, err := both(tmp, "round-out", runs, podiumBuild(root))
	if err != nil {
		return err
	}
	fmt.Printf("round build into a new folder: %.3f s, peak RSS %.0f MB\n", cold.best.Seconds(), float64(cold.rss)/1e6)
	fmt.Printf("round rebuild over the last:   %.3f s, peak RSS %.0f MB (targets: under 1 s, 300 MB)\n", warm.best.Seconds(), float64(warm.rss)/1e6)
	// The same build into memory shows what the disk adds: on ext4 without
	// a journal, creating files right after many were deleted costs up to
	// ten times more, for a few minutes (the kernel skips inodes freed in
	// the last minutes while it looks for a free one).
	if shm := "/dev/shm"; tmpdir != shm {
		if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
			mem, err := os.MkdirTemp(shm, "podium-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(mem)
			f, err := measure(runs, func(i int) *exec.Cmd {
				return podiumBuild(root)(filepath.Join(mem, fmt.Sprintf("round-out-%d", i)))
			})
			if err != nil {
				return err
			}
			disk := cold.best - f.best
			fmt.Printf("round build into memory (%s): %.3f s: the disk adds %.3f s\n", shm, f.best.Seconds(), disk.Seconds())
			if disk > max(100*time.Millisecond, f.best/4) {
				fmt.Println("  (more than a quiet disk adds: were many files deleted on this file system in the last minutes? See docs/site.md, Speed.)")
			}
		}
	}

	// 2. One markdown corpus, two generators.
	corpus := filepath.Join(tmp, "corpus")
	if err := synth.Corpus(corpus, pages); err != nil {
		return err
	}
	pc, pw, err := both(tmp, "corpus-podium", runs, podiumBuild(corpus))
	if err != nil {
		return err
	}
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		fmt.Printf("corpus of %d pages, podium: %.3f s new, %.3f s rebuilt\n", pages, pc.best.Seconds(), pw.best.Seconds())
		fmt.Println("hugo not found (apt-get install -y hugo): no ratio")
		return nil
	}
	hc, hw, err := both(tmp, "corpus-hugo", runs, func(out string) *exec.Cmd {
		return exec.Command(hugo, "--quiet", "--source", corpus, "--destination", out)
	})
	if err != nil {
		return err
	}
	fmt.Printf("corpus of %d pages into a new folder: podium %.3f s, hugo %.3f s: podium ÷ hugo = %.2f\n",
		pages, pc.best.Seconds(), hc.best.Seconds(), pc.best.Seconds()/hc.best.Seconds())
	fmt.Printf("corpus of %d pages rebuilt over the last: podium %.3f s, hugo %.3f s: podium ÷ hugo = %.2f (target ≤ 0.5)\n",
		pages, pw.best.Seconds(), hw.best.Seconds(), pw.best.Seconds()/hw.best.Seconds())
	return nil
}

// figure is the best wall time and the largest peak RSS of some builds.
type figure struct {
	best time.Duration
	rss  int64
}

// both measures builds into new folders under tmp (cold), then rebuilds
// into the last of them (warm).
func both(tmp, name string, runs int, cmd func(out string) *exec.Cmd) (cold, warm figure, err error) {
	out := ""
	cold, err = measure(runs, func(i int) *exec.Cmd {
		out = filepath.Join(tmp, fmt.Sprintf("%s-%d", name, i))
		return cmd(out)
	})
	if err != nil {
		return
	}
	warm, err = measure(runs, func(int) *exec.Cmd { return cmd(out) })
	return
}

// measure runs a command runs times and returns the best wall time and the
// largest peak RSS.
func measure(runs int, cmd func(i int) *exec.Cmd) (figure, error) {
	var f figure
	for i := 0; i < runs; i++ {
		c := cmd(i)
		c.Stderr = os.Stderr
		start := time.Now()
		out, err := c.Output()
		d := time.Since(start)
		if err != nil {
			return f, fmt.Errorf("%s: %v\n%s", strings.Join(c.Args, " "), err, out)
		}
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > f.rss {
			f.rss = ru.Maxrss * 1024 // kilobytes on Linux
		}
		if i == 0 || d < f.best {
			f.best = d
		}
	}
	return f, nil
}
