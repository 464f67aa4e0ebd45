package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"podium/scorer/metric"
	"podium/scorer/task"
)

// loadMATH reads the MATH release's test/<subject>/<N>.json and
// train/<subject>/<N>.json. The subset is "<subject>" or
// "<subject>:<level>" (1-5) to keep only that level's test problems (as
// HELM's level= runs), and ":answer" at its end makes the reference the
// boxed answer alone (HELM's runs without chain of thought) instead of the
// worked solution. The few-shot pool is the subject's train problems of
// every level.
func loadMATH(dir, subset string) (train, test []task.Instance, err error) {
	parts := strings.Split(subset, ":")
	subject, level, answerOnly := parts[0], "", false
	for _, p := range parts[1:] {
		switch {
		case p == "answer":
			answerOnly = true
		case len(p) == 1 && p[0] >= '1' && p[0] <= '5':
			level = "Level " + p
		default:
			return nil, nil, fmt.Errorf("math subset %q: want <subject>[:<level 1-5>][:answer]", subset)
		}
	}
	if subject == "" {
		return nil, nil, fmt.Errorf("math needs a subject as its subset (e.g. \"algebra:1\")")
	}
	if train, err = readMATH(filepath.Join(dir, "math", "train", subject), "", answerOnly); err != nil {
		return nil, nil, err
	}
	if test, err = readMATH(filepath.Join(dir, "math", "test", subject), level, answerOnly); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func readMATH(folder, level string, answerOnly bool) ([]task.Instance, error) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return nil, &MissingError{Dataset: "math", Path: folder}
	}
	type numbered struct {
		n    int
		name string
	}
	var files []numbered
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(base)
		if err != nil {
			continue
		}
		files = append(files, numbered{n, e.Name()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n < files[j].n })
	var out []task.Instance
	for _, f := range files {
		path := filepath.Join(folder, f.name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var p struct {
			Problem  *string `json:"problem"`
			Level    string  `json:"level"`
			Solution *string `json:"solution"`
		}
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if p.Problem == nil || p.Solution == nil {
			return nil, fmt.Errorf("%s: want fields \"problem\" and \"solution\"", path)
		}
		if level != "" && p.Level != level {
			continue
		}
		ref := *p.Solution
		if answerOnly {
			a, ok := metric.BoxedAnswer(ref)
			if !ok {
				return nil, fmt.Errorf("%s: field \"solution\": no \\boxed{} answer", path)
			}
			ref = a
		}
		out = append(out, task.Instance{ID: strconv.Itoa(f.n), Input: *p.Problem, References: []task.Reference{{Text: ref, Correct: true}}})
	}
	return out, nil
}
