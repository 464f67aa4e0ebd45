package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"podium/scorer/task"
)

// loadCNNDM reads cnndm/{train,test}.csv in the layout of the public
// CNN/DailyMail 3.0.0 release's CSV export: a header with "id", "article"
// and "highlights" (the reference summary, one highlight a line).
func loadCNNDM(dir string) (train, test []task.Instance, err error) {
	if train, err = readCNNDM(filepath.Join(dir, "cnndm", "train.csv")); err != nil {
		return nil, nil, err
	}
	if test, err = readCNNDM(filepath.Join(dir, "cnndm", "test.csv")); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readCNNDM(path string) ([]task.Instance, error) {
	rows, err := readCSV("cnndm", path, -1)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	id, okID := col["id"]
	art, okA := col["article"]
	hl, okH := col["highlights"]
	if !okID || !okA || !okH {
		return nil, lineError(path, 1, "want a header with \"id\", \"article\" and \"highlights\"")
	}
	out := make([]task.Instance, 0, len(rows)-1)
	for i, r := range rows[1:] {
		if len(r) <= max(id, art, hl) {
			return nil, fmt.Errorf("%s: record %d: too few fields", path, i+2)
		}
		summary := strings.Join(strings.Fields(strings.ReplaceAll(r[hl], "\n", " ")), " ")
		out = append(out, task.Instance{ID: r[id], Input: strings.TrimSpace(r[art]), References: []task.Reference{{Text: summary, Correct: true}}})
	}
	return out, nil
}

// loadSAMSum reads samsum/{train,test}.json, the SAMSum corpus release
// (Gliwa et al. 2019): a JSON array of {"id", "summary", "dialogue"}.
func loadSAMSum(dir string) (train, test []task.Instance, err error) {
	if train, err = readSAMSum(filepath.Join(dir, "samsum", "train.json")); err != nil {
		return nil, nil, err
	}
	if test, err = readSAMSum(filepath.Join(dir, "samsum", "test.json")); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readSAMSum(path string) ([]task.Instance, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, &MissingError{Dataset: "samsum", Path: path}
	}
	if err != nil {
		return nil, err
	}
	var exs []struct {
		ID       *string `json:"id"`
		Summary  *string `json:"summary"`
		Dialogue *string `json:"dialogue"`
	}
	if err := json.Unmarshal(data, &exs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]task.Instance, 0, len(exs))
	for i, e := range exs {
		if e.ID == nil || e.Summary == nil || e.Dialogue == nil {
			return nil, fmt.Errorf("%s: [%d]: want fields \"id\", \"summary\" and \"dialogue\"", path, i)
		}
		dialogue := strings.ReplaceAll(strings.TrimSpace(*e.Dialogue), "\r\n", "\n")
		out = append(out, task.Instance{ID: *e.ID, Input: dialogue, References: []task.Reference{{Text: strings.TrimSpace(*e.Summary), Correct: true}}})
	}
	return out, nil
}
