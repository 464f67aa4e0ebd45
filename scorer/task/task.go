// Package task defines the scorer's task format: a TOML spec plus JSONL
// instances, suites of tasks, the prompt adapters and few-shot selection.
// See docs/tasks.md.
package task

import (
	"fmt"
	"sort"
	"sync"
)

// Reference is one choice (multiple choice) or one gold answer (generation).
type Reference struct {
	Text    string `json:"text"`
	Correct bool   `json:"correct,omitempty"`
}

// Instance is one evaluation or training example.
type Instance struct {
	ID           string      `json:"id"`
	Input        string      `json:"input"`                  // the question/passage alone, no few-shot examples
	References   []Reference `json:"references"`             // choices (multiple choice) or gold answers (generation)
	Perturbation string      `json:"perturbation,omitempty"` // "" = original; else e.g. "robustness", "fairness"
	Source       string      `json:"source,omitempty"`       // ID of the original instance when perturbed
}

// Loader reads a dataset from dataDir (a folder laid out like ../shared/data,
// one folder per dataset) and returns its few-shot pool and its test split.
type Loader func(dataDir string) (train, test []Instance, err error)

// SubsetLoader is a Loader for datasets with named subsets (an MMLU subject,
// a BIG-bench task, an ETHICS part). The spec's `subset` field is passed on.
type SubsetLoader func(dataDir, subset string) (train, test []Instance, err error)

// Perturber makes a deterministic variant of an instance (robustness,
// fairness). It returns ok=false when the perturbation leaves it unchanged.
type Perturber func(in Instance, seed int64) (out Instance, ok bool)

// FormatHook adjusts a task's prompt format from its dataset's own files
// (BIG-bench's task.json gives each task its instructions, prefixes and
// stop string). Build calls it after the spec's format is filled in, so
// what it sets wins over the spec's fields.
type FormatHook func(dataDir, subset string, f *Format) error

var (
	regMu      sync.RWMutex
	loaders    = map[string]SubsetLoader{}
	perturbers = map[string]Perturber{}
	formats    = map[string]FormatHook{}
)

// RegisterFormat sets the format hook of the dataset registered as name.
// Call it from an init function. It panics on a duplicate name.
func RegisterFormat(name string, fn FormatHook) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := formats[name]; dup {
		panic("task: duplicate format hook " + name)
	}
	formats[name] = fn
}

func lookupFormat(name string) (FormatHook, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := formats[name]
	return fn, ok
}

// RegisterLoader makes a dataset loader available to specs as `dataset = name`.
// Call it from an init function. It panics on a duplicate name.
func RegisterLoader(name string, fn Loader) {
	RegisterSubsetLoader(name, func(dir, subset string) ([]Instance, []Instance, error) {
		if subset != "" {
			return nil, nil, fmt.Errorf("dataset %q has no subsets (got subset %q)", name, subset)
		}
		return fn(dir)
	})
}

// RegisterSubsetLoader is RegisterLoader for datasets with subsets.
func RegisterSubsetLoader(name string, fn SubsetLoader) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := loaders[name]; dup {
		panic("task: duplicate loader " + name)
	}
	loaders[name] = fn
}

// LookupLoader returns the loader registered under name.
func LookupLoader(name string) (SubsetLoader, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := loaders[name]
	return fn, ok
}

// Loaders lists the registered dataset names, sorted.
func Loaders() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	names := make([]string, 0, len(loaders))
	for n := range loaders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RegisterPerturbation makes a perturbation available to specs as
// `perturbations = [name]`. Call it from an init function.
func RegisterPerturbation(name string, fn Perturber) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := perturbers[name]; dup {
		panic("task: duplicate perturbation " + name)
	}
	perturbers[name] = fn
}

// LookupPerturbation returns the perturbation registered under name.
func LookupPerturbation(name string) (Perturber, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := perturbers[name]
	return fn, ok
}
