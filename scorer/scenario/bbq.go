package scenario

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"podium/scorer/task"
)

// loadBBQ reads bbq/<Category>.jsonl; subset "" or "all" takes every
// category file, else one category ("Age"). Each example is a three-way
// multiple choice; the input is the context then "Question: ..." (the
// suite prompts it as a "Passage: "). Every tenth example of a file is in
// the few-shot pool, the rest in the test split.
func loadBBQ(dir, subset string) (train, test []task.Instance, err error) {
	folder := filepath.Join(dir, "bbq")
	var files []string
	if subset == "" || subset == "all" {
		entries, err := os.ReadDir(folder)
		if err != nil {
			return nil, nil, &MissingError{Dataset: "bbq", Path: folder}
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".jsonl") {
				files = append(files, filepath.Join(folder, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, nil, &MissingError{Dataset: "bbq", Path: filepath.Join(folder, "*.jsonl")}
		}
	} else {
		files = []string{filepath.Join(folder, subset+".jsonl")}
	}
	for _, path := range files {
		ins, err := readBBQ(path)
		if err != nil {
			return nil, nil, err
		}
		for i, in := range ins {
			if i%10 == 0 {
				train = append(train, in)
			} else {
				test = append(test, in)
			}
		}
	}
	return train, test, nil
}

func readBBQ(path string) ([]task.Instance, error) {
	f, err := open("bbq", path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cat := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	var out []task.Instance
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var ex struct {
			ID       *int    `json:"example_id"`
			Context  string  `json:"context"`
			Question string  `json:"question"`
			Ans0     *string `json:"ans0"`
			Ans1     *string `json:"ans1"`
			Ans2     *string `json:"ans2"`
			Label    *int    `json:"label"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			return nil, lineError(path, line, "%v", err)
		}
		if ex.ID == nil || ex.Ans0 == nil || ex.Ans1 == nil || ex.Ans2 == nil || ex.Label == nil {
			return nil, lineError(path, line, "want fields example_id, ans0, ans1, ans2 and label")
		}
		if *ex.Label < 0 || *ex.Label > 2 {
			return nil, lineError(path, line, "field \"label\": %d is not 0, 1 or 2", *ex.Label)
		}
		refs := []task.Reference{{Text: *ex.Ans0}, {Text: *ex.Ans1}, {Text: *ex.Ans2}}
		refs[*ex.Label].Correct = true
		out = append(out, task.Instance{
			ID:         fmt.Sprintf("%s-%d", cat, *ex.ID),
			Input:      ex.Context + "\nQuestion: " + ex.Question,
			References: refs,
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
