package scenario

import (
	"fmt"
	"path/filepath"
	"strconv"

	"podium/scorer/task"
)

// loadMMLU reads one subject (the subset, e.g. "anatomy"):
// mmlu/dev/<subject>_dev.csv is the 5-shot pool and
// mmlu/test/<subject>_test.csv the test split. Rows are question, the four
// options A to D and the answer letter, with no header.
func loadMMLU(dir, subject string) (train, test []task.Instance, err error) {
	if subject == "" {
		return nil, nil, fmt.Errorf("mmlu needs a subject as its subset (e.g. \"anatomy\")")
	}
	if train, err = readMMLU(filepath.Join(dir, "mmlu", "dev", subject+"_dev.csv"), "dev"); err != nil {
		return nil, nil, err
	}
	if test, err = readMMLU(filepath.Join(dir, "mmlu", "test", subject+"_test.csv"), "test"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readMMLU(path, split string) ([]task.Instance, error) {
	rows, err := readCSV("mmlu", path, 6)
	if err != nil {
		return nil, err
	}
	out := make([]task.Instance, 0, len(rows))
	for i, r := range rows {
		ans := r[5]
		if len(ans) != 1 || ans[0] < 'A' || ans[0] > 'D' {
			return nil, fmt.Errorf("%s: record %d: answer %q is not a letter A-D", path, i+1, ans)
		}
		refs := make([]task.Reference, 4)
		for k := range refs {
			refs[k] = task.Reference{Text: r[1+k], Correct: int(ans[0]-'A') == k}
		}
		out = append(out, task.Instance{ID: split + strconv.Itoa(i+1), Input: r[0], References: refs})
	}
	return out, nil
}
