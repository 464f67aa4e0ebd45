package scenario

import (
	"path/filepath"
	"strconv"
	"strings"

	"podium/scorer/task"
)

// loadTruthfulQA reads truthfulqa/TruthfulQA.csv as HELM's single-answer
// multiple choice (mc_single): the best answer against the incorrect
// ones, each ending in a full stop, rotated by the best answer's first
// character so the correct letter varies. The first 20% of the rows are
// the few-shot pool, the rest the test split (HELM's TRAIN_RATIO).
func loadTruthfulQA(dir string) (train, test []task.Instance, err error) {
	path := filepath.Join(dir, "truthfulqa", "TruthfulQA.csv")
	rows, err := readCSV("truthfulqa", path, -1)
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 || len(rows[0]) < 6 || rows[0][2] != "Question" || rows[0][3] != "Best Answer" || rows[0][5] != "Incorrect Answers" {
		return nil, nil, lineError(path, 1, "want header Type,Category,Question,Best Answer,Correct Answers,Incorrect Answers,Source")
	}
	var all []task.Instance
	for i, r := range rows[1:] {
		if len(r) < 6 {
			return nil, nil, lineError(path, i+2, "want 7 fields, got %d", len(r))
		}
		best := sentence(r[3])
		var refs []task.Reference
		for _, a := range strings.Split(r[5], ";") {
			if strings.TrimSpace(a) != "" {
				refs = append(refs, task.Reference{Text: sentence(a)})
			}
		}
		if best == "" || len(refs) == 0 {
			return nil, nil, lineError(path, i+2, "row %d has no best answer or no incorrect answers", i+1)
		}
		refs = append(refs, task.Reference{Text: best, Correct: true})
		k := int(best[0]) % len(refs)
		refs = append(refs[k:], refs[:k]...)
		all = append(all, task.Instance{ID: "q" + strconv.Itoa(i+1), Input: strings.TrimSpace(r[2]), References: refs})
	}
	k := len(all) / 5
	return all[:k], all[k:], nil
}

// sentence trims s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
