package scenario

import (
	"fmt"
	"path/filepath"
	"strconv"

	"podium/scorer/task"
)

// loadCorr2Cause reads corr2cause/test.csv and corr2cause/train.csv, the
// public release's CSVs (Jin et al. 2023, "Can Large Language Models Infer
// Causation from Correlation?"), whose header names an "input" and a
// "label" column (0 or 1) among others. The reference is the label, "0"
// or "1".
func loadCorr2Cause(dir string) (train, test []task.Instance, err error) {
	if train, err = readCorr2Cause(filepath.Join(dir, "corr2cause", "train.csv")); err != nil {
		return nil, nil, err
	}
	if test, err = readCorr2Cause(filepath.Join(dir, "corr2cause", "test.csv")); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readCorr2Cause(path string) ([]task.Instance, error) {
	rows, err := readCSV("corr2cause", path, -1)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	in, lab := -1, -1
	for i, h := range rows[0] {
		switch h {
		case "input":
			in = i
		case "label":
			lab = i
		}
	}
	if in < 0 || lab < 0 {
		return nil, lineError(path, 1, "want a header with \"input\" and \"label\" columns")
	}
	out := make([]task.Instance, 0, len(rows)-1)
	for i, r := range rows[1:] {
		if len(r) <= max(in, lab) {
			return nil, fmt.Errorf("%s: record %d: too few fields", path, i+2)
		}
		if r[lab] != "0" && r[lab] != "1" {
			return nil, fmt.Errorf("%s: record %d: label %q is not 0 or 1", path, i+2, r[lab])
		}
		out = append(out, task.Instance{ID: "r" + strconv.Itoa(i+1), Input: r[in], References: []task.Reference{{Text: r[lab], Correct: true}}})
	}
	return out, nil
}
