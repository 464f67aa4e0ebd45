package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"podium/scorer/neurips2023"
)

// importNeurips2023 imports one of the 2023 organizers' ranking files.
func importNeurips2023(args []string) error {
	fs := flag.NewFlagSet("scorer import neurips2023", flag.ContinueOnError)
	kind := fs.String("kind", "", "the file's round: "+strings.Join(neurips2023.Kinds, ", ")+" (sets the round's stages and tie rule)")
	round := fs.String("round", "", "round `ID` to import into")
	track := fs.String("track", "", "track `ID` to import into")
	root := fs.String("root", ".", "project `DIR`; results go under DIR/results/")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer import neurips2023 --kind final|hidden|open --round ROUND --track TRACK --root DIR FILE")
		fmt.Fprintln(fs.Output(), "\nWrites DIR/results/ROUND/round.toml (if absent) and one results file per submission.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *kind == "" || *round == "" || *track == "" {
		fs.Usage()
		return fmt.Errorf("need --kind, --round, --track and one FILE")
	}
	written, err := neurips2023.Import(fs.Arg(0), *kind, *round, *track, *root)
	for _, p := range written {
		fmt.Fprintln(os.Stderr, "wrote", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "imported %d files from %s\n", len(written), fs.Arg(0))
	return nil
}
