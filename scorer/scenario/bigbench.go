package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"podium/scorer/task"
)

// BigBenchTask is the part of a BIG-bench task.json the scorer reads.
type BigBenchTask struct {
	Name                string        `json:"name"`
	Metrics             []string      `json:"metrics"`
	TaskPrefix          *string       `json:"task_prefix"`
	ExampleInputPrefix  *string       `json:"example_input_prefix"`
	ExampleOutputPrefix *string       `json:"example_output_prefix"`
	StopString          *string       `json:"stop_string"`
	Examples            []bigBenchRaw `json:"examples"`
}

// bigBenchRaw is one example, its targets left to decode by the task kind.
type bigBenchRaw struct {
	Input        *string         `json:"input"`
	Target       json.RawMessage `json:"target"`
	TargetScores json.RawMessage `json:"target_scores"`
}

// MultipleChoice reports whether HELM runs the task as multiple choice: its
// metrics include multiple_choice_grade.
func (t *BigBenchTask) MultipleChoice() bool {
	return slices.Contains(t.Metrics, "multiple_choice_grade")
}

// ReadBigBench reads bigbench/<task>/task.json or
// bigbench/<task>/<subtask>/task.json (subset "task" or "task/subtask").
func ReadBigBench(dir, subset string) (*BigBenchTask, string, error) {
	if subset == "" || strings.Contains(subset, "..") {
		return nil, "", fmt.Errorf("bigbench needs a task as its subset (\"snarks\" or \"logical_deduction/three_objects\"), got %q", subset)
	}
	path := filepath.Join(dir, "bigbench", filepath.FromSlash(subset), "task.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, "", &MissingError{Dataset: "bigbench", Path: path}
		}
		return nil, "", err
	}
	var t BigBenchTask
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	if len(t.Examples) == 0 {
		return nil, "", fmt.Errorf("%s: field \"examples\": none", path)
	}
	return &t, path, nil
}

// loadBigBench reads a BIG-bench task. Multiple-choice tasks (metric
// multiple_choice_grade) give one reference per target_scores choice, in
// file order, correct when its score is not 0; generative ones one correct
// reference per target. As HELM, the examples are shuffled with a fixed
// seed; the first tenth (at least 5, at most 50) are the few-shot pool.
func loadBigBench(dir, subset string) (train, test []task.Instance, err error) {
	t, path, err := ReadBigBench(dir, subset)
	if err != nil {
		return nil, nil, err
	}
	mc := t.MultipleChoice()
	all := make([]task.Instance, 0, len(t.Examples))
	for i, raw := range t.Examples {
		in, err := bigBenchExample(raw, mc)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: examples[%d]: %w", path, i, err)
		}
		in.ID = "ex" + strconv.Itoa(i)
		all = append(all, in)
	}
	h := fnv.New64a()
	h.Write([]byte(subset))
	r := rand.New(rand.NewPCG(h.Sum64(), 2023))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	k := min(50, max(5, len(all)/10))
	if k >= len(all) {
		k = len(all) / 2
	}
	return all[:k], all[k:], nil
}

func bigBenchExample(ex bigBenchRaw, mc bool) (task.Instance, error) {
	if ex.Input == nil {
		return task.Instance{}, fmt.Errorf("field \"input\": missing")
	}
	in := task.Instance{Input: *ex.Input}
	if mc {
		if len(ex.TargetScores) == 0 {
			return in, fmt.Errorf("field \"target_scores\": missing in a multiple-choice task")
		}
		choices, scores, err := orderedScores(ex.TargetScores)
		if err != nil {
			return in, fmt.Errorf("field \"target_scores\": %w", err)
		}
		for i, c := range choices {
			in.References = append(in.References, task.Reference{Text: c, Correct: scores[i] != 0})
		}
		return in, nil
	}
	if len(ex.Target) == 0 {
		return in, fmt.Errorf("field \"target\": missing in a generative task")
	}
	var one string
	var many []string
	if err := json.Unmarshal(ex.Target, &one); err == nil {
		many = []string{one}
	} else if err := json.Unmarshal(ex.Target, &many); err != nil {
		return in, fmt.Errorf("field \"target\": want a string or a list of strings")
	}
	for _, s := range many {
		in.References = append(in.References, task.Reference{Text: s, Correct: true})
	}
	if len(in.References) == 0 {
		return in, fmt.Errorf("field \"target\": empty list")
	}
	return in, nil
}

// orderedScores decodes a JSON object of choice -> score keeping key order.
func orderedScores(raw json.RawMessage) ([]string, []float64, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("want an object")
	}
	var keys []string
	var vals []float64
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v float64
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("choice %q: %w", t, err)
		}
		keys = append(keys, t.(string))
		vals = append(vals, v)
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("no choices")
	}
	return keys, vals, nil
}

// BigBenchFormat sets a BIG-bench task's prompt format from its task.json
// as HELM's big_bench run spec does: the task_prefix is the instructions,
// example_input_prefix and example_output_prefix (default "Question: " and
// "Answer: ") frame each example, and a stop_string, when the task has one,
// is the stop sequence (else the suite's stop is kept).
func BigBenchFormat(dir, subset string, f *task.Format) error {
	t, err := bigBenchHeader(dir, subset)
	if err != nil {
		return err
	}
	f.Instructions, f.InputPrefix, f.OutputPrefix = "", "Question: ", "Answer: "
	if t.TaskPrefix != nil {
		f.Instructions = *t.TaskPrefix
	}
	if t.ExampleInputPrefix != nil {
		f.InputPrefix = *t.ExampleInputPrefix
	}
	if t.ExampleOutputPrefix != nil {
		f.OutputPrefix = *t.ExampleOutputPrefix
	}
	if t.StopString != nil && *t.StopString != "" {
		f.Stop = []string{*t.StopString}
	}
	return nil
}

// headers keeps each task.json's format fields (its examples dropped), so
// that a task's four shot settings read the file once.
var headers sync.Map // abs dir + "\x00" + subset -> *header

type header struct {
	once sync.Once
	t    *BigBenchTask
	err  error
}

func bigBenchHeader(dir, subset string) (*BigBenchTask, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	v, _ := headers.LoadOrStore(abs+"\x00"+subset, &header{})
	h := v.(*header)
	h.once.Do(func() {
		h.t, _, h.err = ReadBigBench(dir, subset)
		if h.err == nil {
			h.t.Examples = nil
		}
	})
	return h.t, h.err
}
