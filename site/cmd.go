package site

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// The podium subcommands this package implements. Each parses its own
// flags and returns flag.ErrHelp after printing --help.

func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("podium "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: podium %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// BuildCommand is `podium build [--root DIR] [--out DIR] [--base-url URL]`.
func BuildCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("build", "build [--root DIR] [--out DIR] [--base-url URL]\n\nBuilds the static site from DIR/content and DIR/results into --out.", stderr)
	root := fs.String("root", ".", "project root holding content/ and results/")
	out := fs.String("out", "", "output folder (default ROOT/public)")
	base := fs.String("base-url", "", "URL the site is published at, e.g. https://org.github.io/repo/ (overrides content/site.toml)")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		*out = filepath.Join(*root, "public")
	}
	log := stderr
	if *quiet {
		log = io.Discard
	}
	start := time.Now()
	s, err := Build(Options{Root: *root, Out: *out, BaseURL: *base, Log: log})
	if err != nil {
		return err
	}
	for _, w := range s.Warnings {
		fmt.Fprintln(log, "warning:", w)
	}
	if !*quiet {
		fmt.Fprintf(stdout, "built %s into %s in %s\n", s.Summary(), *out, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// CheckCommand is `podium check [--root DIR] [--base-url URL]`.
func CheckCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "check [--root DIR] [--base-url URL]\n\nValidates content and results, builds the site in memory and checks every\ninternal link; each problem is printed with its file and line.", stderr)
	root := fs.String("root", ".", "project root holding content/ and results/")
	base := fs.String("base-url", "", "URL the site is published at (overrides content/site.toml)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	problems, warnings := Check(Options{Root: *root, BaseURL: *base})
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems", len(problems))
	}
	fmt.Fprintln(stdout, "ok: content, results and links")
	return nil
}

// ServeCommand is `podium serve [--root DIR] [--addr HOST:PORT]`.
func ServeCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--root DIR] [--addr HOST:PORT]\n\nBuilds the site in memory, serves it and rebuilds it when content/, results/\nor themes/ change; open pages reload themselves.", stderr)
	root := fs.String("root", ".", "project root holding content/ and results/")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	base := fs.String("base-url", "", "base URL, e.g. /repo/ to preview a project site's paths")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return Serve(ServeOptions{Options: Options{Root: *root, BaseURL: *base, Log: stderr}, Addr: *addr, Stdout: stdout})
}
