package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"podium/result"
	"podium/scorer/audit"
)

// verifyCmd is `scorer verify`: compare a reproduction with the submitted
// results and record the reproduction status in the submission's results.
func verifyCmd(args []string) error {
	fs := flag.NewFlagSet("scorer verify", flag.ContinueOnError)
	round := fs.String("round", "", "round `ID`")
	track := fs.String("track", "", "track `ID`")
	submission := fs.String("submission", "", "submission `ID`")
	reproduced := fs.String("reproduced", "", "the reproduction's results TOML (from scorer run on the retrained model)")
	tolerance := fs.String("tolerance", "", "allowed difference per metric: absolute (0.02) or relative (5%)")
	root := fs.String("root", ".", "project `DIR`")
	auditPath := fs.String("audit", "", "audit TOML of the retraining (default: the submission's latest audit attempt)")
	noAudit := fs.Bool("no-audit", false, "judge the results alone; no audit is required")
	pending := fs.Bool("pending", false, "record the reproduction as pending (no --reproduced needed)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: scorer verify --round R --track T --submission ID --reproduced FILE --tolerance X [--root DIR] [--audit FILE | --no-audit]")
		fmt.Fprintln(fs.Output(), "       scorer verify --round R --track T --submission ID --pending")
		fmt.Fprintln(fs.Output(), "\nCompares the reproduction with the submitted results scenario by scenario and records")
		fmt.Fprintln(fs.Output(), "[reproduction] status = reproduced, failed (with reasons) or pending in DIR/results/R/T/ID.toml.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	for _, id := range []struct{ name, v string }{{"round", *round}, {"track", *track}, {"submission", *submission}} {
		if !result.ValidID(id.v) {
			return usageError{fmt.Errorf("--%s %q: give an ID of letters, digits, '.', '_' and '-'", id.name, id.v)}
		}
	}
	if !*pending && (*reproduced == "" || *tolerance == "") {
		return usageError{errors.New("--reproduced and --tolerance are required (or --pending)")}
	}
	r, err := result.ReadRound(filepath.Join(result.Dir(*root, *round), result.RoundFile))
	if err != nil {
		return err
	}
	path := result.Path(*root, *round, *track, *submission)
	sub, err := result.ReadSubmission(path, r)
	if err != nil {
		return err
	}

	var rp *result.Reproduction
	if *pending {
		rp = &result.Reproduction{Status: result.Pending}
	} else {
		tol, err := audit.ParseTolerance(*tolerance)
		if err != nil {
			return usageError{err}
		}
		rep, err := audit.ReadReproduced(*reproduced)
		if err != nil {
			return err
		}
		disagree := audit.Compare(sub, rep, tol)
		var a *audit.Audit
		ap := *auditPath
		switch {
		case ap != "":
			if a, err = audit.Read(ap); err != nil {
				return err
			}
		case !*noAudit:
			if a, ap, err = audit.Latest(filepath.Dir(path), *submission); err != nil {
				return err
			}
		}
		rel := ""
		if ap != "" {
			if rel, err = filepath.Rel(*root, ap); err != nil {
				rel = ap
			}
			rel = filepath.ToSlash(rel)
		}
		rp = audit.Decide(disagree, a, rel, !*noAudit)
	}
	sub.Reproduction = rp
	if err := result.WriteFile(path, sub); err != nil {
		return err
	}
	fmt.Printf("%s: reproduction %s\n", *submission, rp.Status)
	for _, why := range rp.Reasons {
		fmt.Printf("  - %s\n", why)
	}
	fmt.Fprintln(os.Stderr, "wrote", path)
	return nil
}
