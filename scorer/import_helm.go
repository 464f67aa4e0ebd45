package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"podium/result"
	"podium/scorer/helmimport"

	// The 2023 scenarios' dataset loaders and HELM's perturbations register
	// themselves with package task; the bundled neurips2023 suites need them.
	_ "podium/scorer/perturb"
	_ "podium/scorer/scenario"
)

func init() { importers["helm"] = importHELM }

// importHELM imports a HELM benchmark output folder as one submission's
// results: scorer import helm DIR --round R --track T [--root DIR].
func importHELM(args []string) error {
	fs := flag.NewFlagSet("scorer import helm", flag.ContinueOnError)
	round := fs.String("round", "", "round `ID` to import into")
	track := fs.String("track", "", "track `ID` to import into")
	root := fs.String("root", ".", "project `DIR`; results go under DIR/results/")
	id := fs.String("submission", "", "submission `ID` (default: the HELM folder's name)")
	team := fs.String("team", "", "team name (default: the submission ID)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer import helm HELM_OUTPUT_DIR --round ROUND --track TRACK [--root DIR] [--submission ID] [--team NAME]")
		fmt.Fprintln(fs.Output(), "\nReads every run's stats.json (and run_spec.json) under HELM_OUTPUT_DIR and writes")
		fmt.Fprintln(fs.Output(), "DIR/results/ROUND/TRACK/ID.toml with the 2023 challenge's metric names.")
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 || *round == "" || *track == "" {
		fs.Usage()
		return usageError{fmt.Errorf("need one HELM output folder, --round and --track")}
	}
	dir := pos[0]
	if *id == "" {
		*id = strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '-'
		}, filepath.Base(filepath.Clean(dir))))
	}
	if !result.ValidID(*id) || !result.ValidID(*round) || !result.ValidID(*track) {
		return usageError{fmt.Errorf("round %q, track %q and submission %q must be plain IDs (letters, digits, - and _)", *round, *track, *id)}
	}
	if *team == "" {
		*team = *id
	}
	runs, err := helmimport.Read(dir)
	if err != nil {
		return err
	}
	scenarios, skipped, err := helmimport.Convert(runs)
	for _, s := range skipped {
		fmt.Fprintln(os.Stderr, "skipped run (not a 2023 challenge scenario):", s)
	}
	if err != nil {
		return err
	}
	sub := &result.Submission{ID: *id, Team: *team, Track: *track, Scenarios: scenarios,
		Run: &result.Run{Imported: "helm"}}
	p := result.Path(*root, *round, *track, *id)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := result.WriteFile(p, sub); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "imported %d HELM runs (%d scenarios) into %s\n", len(runs)-len(skipped), len(scenarios), p)
	return nil
}
