package task

import (
	"fmt"
	"strings"
)

// Adapter names.
const (
	MultipleChoice = "multiple_choice_joint" // HELM's joint multiple-choice format
	Generation     = "generation"            // free generation
)

// Spec is one task as its TOML spec gives it. Text fields left unset take
// the adapter's defaults (see Defaults); set them to "" to make them empty.
type Spec struct {
	Name        string `toml:"name"`     // unique in its suite, e.g. "mmlu_anatomy"
	Scenario    string `toml:"scenario"` // ranked scenario name; defaults to Name
	Label       string `toml:"label"`    // prefixes its result names when not the scenario ("ethics_justice")
	Description string `toml:"description"`
	Secret      bool   `toml:"secret"` // a holdout: its data never reaches the site

	// Where the instances come from: a registered dataset, or JSONL files
	// (paths relative to the spec file).
	Dataset   string `toml:"dataset"`
	Subset    string `toml:"subset"`
	Instances string `toml:"instances"`
	Train     string `toml:"train"`

	Adapter           string   `toml:"adapter"`
	Instructions      *string  `toml:"instructions"`
	InputPrefix       *string  `toml:"input_prefix"`
	InputSuffix       *string  `toml:"input_suffix"`
	OutputPrefix      *string  `toml:"output_prefix"`
	OutputSuffix      *string  `toml:"output_suffix"`
	InstanceSeparator *string  `toml:"instance_separator"`
	ReferenceSuffix   *string  `toml:"reference_suffix"` // after each lettered option
	Shots             int      `toml:"shots"`            // few-shot examples
	Stop              []string `toml:"stop"`             // cut the completion at the first of these
	MaxTokens         int      `toml:"max_tokens"`
	Temperature       *float64 `toml:"temperature"`
	TopK              int      `toml:"top_k"`
	Metrics           []string `toml:"metrics"`
	MaxInstances      int      `toml:"max_instances"` // instance budget; 0 = all
	Perturbations     []string `toml:"perturbations"`
}

// Format is a spec's prompt format with every default filled in.
type Format struct {
	Adapter           string
	Instructions      string
	InputPrefix       string
	InputSuffix       string
	OutputPrefix      string
	OutputSuffix      string
	InstanceSeparator string
	ReferenceSuffix   string
	Stop              []string
	MaxTokens         int
	Temperature       float64
	TopK              int
}

// Format returns the spec's prompt format, defaults filled in.
func (s *Spec) Format() Format {
	f := Format{Adapter: s.Adapter, InputSuffix: "\n", OutputSuffix: "\n", InstanceSeparator: "\n", ReferenceSuffix: "\n", TopK: 1}
	switch s.Adapter {
	case MultipleChoice:
		f.InputPrefix, f.OutputPrefix, f.Stop, f.MaxTokens = "Question: ", "Answer: ", []string{"\n"}, 5
	default:
		f.InputPrefix, f.OutputPrefix, f.Stop, f.MaxTokens = "", "Answer: ", []string{"\n\n"}, 100
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&f.Instructions, s.Instructions)
	set(&f.InputPrefix, s.InputPrefix)
	set(&f.InputSuffix, s.InputSuffix)
	set(&f.OutputPrefix, s.OutputPrefix)
	set(&f.OutputSuffix, s.OutputSuffix)
	set(&f.InstanceSeparator, s.InstanceSeparator)
	set(&f.ReferenceSuffix, s.ReferenceSuffix)
	if s.Stop != nil {
		f.Stop = s.Stop
	}
	if s.MaxTokens > 0 {
		f.MaxTokens = s.MaxTokens
	}
	if s.Temperature != nil {
		f.Temperature = *s.Temperature
	}
	if s.TopK > 0 {
		f.TopK = s.TopK
	}
	return f
}

// ScenarioName is the ranked scenario the task's results count towards.
func (s *Spec) ScenarioName() string {
	if s.Scenario != "" {
		return s.Scenario
	}
	return s.Name
}

// Validate checks the spec; where names the spec in errors (file, table).
func (s *Spec) Validate(where string) error {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%s: field %q: %s", where, field, fmt.Sprintf(format, a...))
	}
	if strings.TrimSpace(s.Name) == "" {
		return bad("name", "missing")
	}
	if strings.ContainsAny(s.Name, "/\\\n") {
		return bad("name", "%q must not contain slashes or newlines", s.Name)
	}
	switch {
	case s.Dataset == "" && s.Instances == "":
		return bad("dataset", "task %q needs `dataset` (a registered loader) or `instances` (a JSONL file)", s.Name)
	case s.Dataset != "" && s.Instances != "":
		return bad("instances", "task %q sets both `dataset` and `instances`", s.Name)
	case s.Dataset == "" && s.Subset != "":
		return bad("subset", "task %q sets `subset` without `dataset`", s.Name)
	}
	switch s.Adapter {
	case MultipleChoice, Generation:
	case "":
		return bad("adapter", "missing in task %q (want %q or %q)", s.Name, MultipleChoice, Generation)
	default:
		return bad("adapter", "unknown adapter %q in task %q (want %q or %q)", s.Adapter, s.Name, MultipleChoice, Generation)
	}
	if s.Shots < 0 {
		return bad("shots", "negative in task %q", s.Name)
	}
	if s.MaxTokens < 0 {
		return bad("max_tokens", "negative in task %q", s.Name)
	}
	if s.MaxInstances < 0 {
		return bad("max_instances", "negative in task %q", s.Name)
	}
	if len(s.Metrics) == 0 {
		return bad("metrics", "task %q names no metric", s.Name)
	}
	for _, st := range s.Stop {
		if st == "" {
			return bad("stop", "empty stop sequence in task %q", s.Name)
		}
	}
	return nil
}
