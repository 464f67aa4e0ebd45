// Command benchsite measures the site build and prints the figures that
// `make bench` reports:
//
//   - `podium build` of a synthetic round of 2,000 submissions × 2 tracks ×
//     40 metrics: wall time and peak RSS (targets: under 1 s, 300 MB);
//   - one corpus of 1,000 markdown pages built by `podium build` and by
//     `hugo`, and Podium's time ÷ Hugo's (target: ≤ 0.5).
//
// Each build runs -runs times and the best time counts. It needs a built
// podium binary (-podium) and, for the ratio, hugo on PATH.
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
	tmpdir := flag.String("tmp", "", "folder for the inputs and outputs (default: the system's; /dev/shm takes the disk out of the figures)")
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
	best, rss, err := measure(runs, func(i int) *exec.Cmd {
		return exec.Command(bin, "build", "--quiet", "--root", root, "--out", filepath.Join(tmp, "round-out"))
	})
	if err != nil {
		return err
	}
	fmt.Printf("round build: %.3f s (target < 1 s), peak RSS %.0f MB (target < 300 MB)\n", best.Seconds(), float64(rss)/1e6)

	// 2. One markdown corpus, two generators.
	corpus := filepath.Join(tmp, "corpus")
	if err := synth.Corpus(corpus, pages); err != nil {
		return err
	}
	pt, _, err := measure(runs, func(i int) *exec.Cmd {
		return exec.Command(bin, "build", "--quiet", "--root", corpus, "--out", filepath.Join(tmp, "corpus-podium"))
	})
	if err != nil {
		return err
	}
	fmt.Printf("corpus of %d pages, podium: %.3f s\n", pages, pt.Seconds())
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		fmt.Println("hugo not found (apt-get install -y hugo): no ratio")
		return nil
	}
	ht, _, err := measure(runs, func(i int) *exec.Cmd {
		c := exec.Command(hugo, "--quiet", "--source", corpus, "--destination", filepath.Join(tmp, fmt.Sprintf("corpus-hugo-%d", i)))
		return c
	})
	if err != nil {
		return err
	}
	fmt.Printf("corpus of %d pages, hugo:   %.3f s\n", pages, ht.Seconds())
	fmt.Printf("podium ÷ hugo = %.2f (target ≤ 0.5)\n", pt.Seconds()/ht.Seconds())
	return nil
}

// measure runs a command runs times and returns the best wall time and the
// largest peak RSS.
func measure(runs int, cmd func(i int) *exec.Cmd) (time.Duration, int64, error) {
	var best time.Duration
	var rss int64
	for i := 0; i < runs; i++ {
		c := cmd(i)
		c.Stderr = os.Stderr
		start := time.Now()
		out, err := c.Output()
		d := time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(c.Args, " "), err, out)
		}
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > rss {
			rss = ru.Maxrss * 1024 // kilobytes on Linux
		}
		if i == 0 || d < best {
			best = d
		}
	}
	return best, rss, nil
}
