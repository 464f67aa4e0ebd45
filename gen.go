// Command podium builds the competition site from content/ and results/,
// and prints leaderboards.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"podium/ranking"
	"podium/result"
	"podium/site"
)

// command is one subcommand: it parses its own flags.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"leaderboard", "print a track's ranked board", leaderboard},
	{"build", "build the static site into public/", site.BuildCommand},
	{"serve", "serve the site locally, rebuilding on change", site.ServeCommand},
	{"check", "validate content and results and check every link", site.CheckCommand},
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "podium %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "podium: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: podium COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'podium COMMAND --help' for a command's flags.")
}

// newFlags makes a subcommand's flag set that reports errors, not exits.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("podium "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// required fails when any named flag was left empty.
func required(fs *flag.FlagSet, names ...string) error {
	var missing []string
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func leaderboard(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("leaderboard", stderr)
	root := fs.String("root", ".", "project `DIR` holding results/")
	round := fs.String("round", "", "round `ID`")
	track := fs.String("track", "", "track `ID`")
	format := fs.String("format", "table", "output `FORMAT`: table, json or csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := required(fs, "round", "track"); err != nil {
		return err
	}
	r, err := result.LoadRound(*root, *round)
	if err != nil {
		return err
	}
	if !r.HasTrack(*track) {
		return fmt.Errorf("%s: unknown track %q", r.Path, *track)
	}
	b, err := ranking.Rank(r, *track, r.Results[*track])
	if err != nil {
		return err
	}
	return b.Write(stdout, *format)
}
