package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"podium/result"
	"podium/scorer/client"
	"podium/scorer/metric"
)

// Meta says where and as whom results are written.
type Meta struct {
	Root       string // project root; results go under Root/results
	Round      string
	Track      string
	Submission string
	Team       string // default: kept from an existing file, else the submission ID
	BaseModel  string // default: kept from an existing file
	Suite      string
	Seed       int64
}

// PredictionsSuffix ends a predictions file's name, beside ID.toml.
const PredictionsSuffix = ".predictions.jsonl"

// Submission assembles the results for a report. An existing results file
// lends its team, base model, description and reproduction status.
func (rep *Report) Submission(m Meta, protocol string) (*result.Submission, error) {
	path := result.Path(m.Root, m.Round, m.Track, m.Submission)
	sub := &result.Submission{ID: m.Submission, Track: m.Track}
	if data, err := os.ReadFile(path); err == nil {
		var old result.Submission
		if _, err := toml.Decode(string(data), &old); err != nil {
			return nil, fmt.Errorf("%s: %w (fix or remove it)", path, err)
		}
		sub.Team, sub.BaseModel, sub.Description, sub.Reproduction = old.Team, old.BaseModel, old.Description, old.Reproduction
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if m.Team != "" {
		sub.Team = m.Team
	}
	if m.BaseModel != "" {
		sub.BaseModel = m.BaseModel
	}
	if sub.Team == "" {
		sub.Team = m.Submission
	}
	sub.Simulated = rep.Simulated
	sub.Predictions = m.Submission + PredictionsSuffix
	run := &result.Run{Suite: m.Suite, Protocol: protocol, Seed: m.Seed, Instances: rep.Stats.Instances,
		Failed: rep.Stats.Failed, Requests: rep.Stats.Requests, Tokens: rep.Stats.Tokens}
	if len(rep.Failures) > 0 {
		run.Failures = rep.Failures
	}
	sub.Run = run
	if rep.Measured != nil {
		sub.Hardware, sub.Efficiency = rep.Measured.Hardware, rep.Measured.Efficiency
	}
	scenarios, metrics, recs := rep.Records()
	for _, sc := range scenarios {
		sub.Scenarios = append(sub.Scenarios, result.ScenarioResult{Name: sc, Metrics: metric.Summarize(sc, metrics[sc], recs[sc])})
	}
	return sub, nil
}

// Write writes the predictions file and then the results TOML, each
// atomically, and returns the results path. Each adjust function may amend
// the results before they are written.
func (rep *Report) Write(m Meta, protocol string, adjust ...func(*result.Submission)) (string, error) {
	sub, err := rep.Submission(m, protocol)
	if err != nil {
		return "", err
	}
	for _, f := range adjust {
		f(sub)
	}
	path := result.Path(m.Root, m.Round, m.Track, m.Submission)
	pred := filepath.Join(filepath.Dir(path), sub.Predictions)
	if err := result.WriteAtomic(pred, rep.Predictions()); err != nil {
		return "", fmt.Errorf("writing %s: %w", pred, err)
	}
	if err := result.WriteFile(path, sub); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// Predictions is the predictions file: one JSON object per instance.
func (rep *Report) Predictions() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range rep.Outcomes {
		o := rep.Outcomes[i]
		if o.Tokens == nil {
			o.Tokens = []client.Token{}
		}
		if err := enc.Encode(&o); err != nil {
			// Outcomes hold only strings, finite floats and maps: unreachable.
			panic(err)
		}
	}
	return buf.Bytes()
}

// ReadPredictions reads a predictions file back.
func ReadPredictions(path string) ([]Outcome, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Outcome
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var o Outcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, o)
	}
	return out, nil
}
