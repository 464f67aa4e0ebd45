// Package scenario reads the public releases of the datasets the 2023
// challenge evaluated on, as they are, from a folder laid out like
// ../shared/data (one folder per dataset), and registers a loader for each
// with package task. See docs/scenarios.md.
package scenario

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"podium/scorer/task"
)

func init() {
	whole := func(fn func(string) ([]task.Instance, []task.Instance, error)) task.SubsetLoader {
		return func(dir, subset string) ([]task.Instance, []task.Instance, error) {
			if subset != "" {
				return nil, nil, fmt.Errorf("this dataset has no subsets (got subset %q)", subset)
			}
			return fn(dir)
		}
	}
	for name, fn := range map[string]task.SubsetLoader{
		"gsm8k": whole(loadGSM8K), "truthfulqa": whole(loadTruthfulQA), "bbq": loadBBQ, "mmlu": loadMMLU,
		"bigbench": loadBigBench, "math": loadMATH, "ethics": loadEthics, "corr2cause": whole(loadCorr2Cause),
		"cnndm": whole(loadCNNDM), "samsum": whole(loadSAMSum),
	} {
		task.RegisterSubsetLoader(name, memo(name, fn))
	}
	task.RegisterFormat("bigbench", BigBenchFormat)
}

// loaded keeps what each loader read, so that the several tasks of one
// dataset (BIG-bench's shot settings, Available then Build) read and parse
// it once per process, even when they ask at the same time.
var loaded sync.Map // "dataset\x00dir\x00subset" -> *loadedSet

type loadedSet struct {
	once        sync.Once
	train, test []task.Instance
	err         error
}

func memo(name string, fn task.SubsetLoader) task.SubsetLoader {
	return func(dir, subset string) ([]task.Instance, []task.Instance, error) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, nil, err
		}
		v, _ := loaded.LoadOrStore(name+"\x00"+abs+"\x00"+subset, &loadedSet{})
		s := v.(*loadedSet)
		s.once.Do(func() { s.train, s.test, s.err = fn(dir, subset) })
		if s.err != nil {
			return nil, nil, s.err
		}
		return slices.Clone(s.train), slices.Clone(s.test), nil
	}
}

// MissingError says a dataset's files are not in the data folder.
type MissingError struct {
	Dataset, Path string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s not found: --data must hold the %s release's files (see docs/scenarios.md)", e.Path, e.Dataset)
}

func (e *MissingError) Unwrap() error { return fs.ErrNotExist }

// open opens a dataset file, turning a missing file into a MissingError.
func open(dataset, path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &MissingError{Dataset: dataset, Path: path}
	}
	return f, err
}

// readCSV reads every record of a CSV file; errors name the file and line.
func readCSV(dataset, path string, fields int) ([][]string, error) {
	f, err := open(dataset, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = fields
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err) // csv errors carry the line
		}
		out = append(out, rec)
	}
}

// lineError names a file and line.
func lineError(path string, line int, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", path, line, fmt.Sprintf(format, a...))
}

// Available returns the suite without the tasks whose data files are
// missing from dataDir, and the names of the tasks it dropped. It lets a
// suite of the full 2023 run specs run over a partial copy of the data.
// It reads the datasets in parallel; a later task.Build reuses what it read.
func Available(s *task.Suite, dataDir string) (*task.Suite, []string, error) {
	out, dropped, err := AvailableWhy(s, dataDir)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(dropped))
	for i, d := range dropped {
		names[i] = d.Task
	}
	return out, names, nil
}

// Dropped is a task left out for want of its data, and the missing file.
type Dropped struct {
	Task    string
	Missing *MissingError
}

// AvailableWhy is Available that also says which file each dropped task
// misses.
func AvailableWhy(s *task.Suite, dataDir string) (*task.Suite, []Dropped, error) {
	errs := make([]error, len(s.Tasks))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, sp := range s.Tasks {
		if sp.Dataset == "" {
			continue
		}
		fn, ok := task.LookupLoader(sp.Dataset)
		if !ok {
			return nil, nil, fmt.Errorf("task %q: unknown dataset %q", sp.Name, sp.Dataset)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, _, errs[i] = fn(dataDir, sp.Subset)
		}()
	}
	wg.Wait()
	out := *s
	out.Tasks = nil
	var dropped []Dropped
	for i, sp := range s.Tasks {
		if err := errs[i]; err != nil {
			var me *MissingError
			if errors.As(err, &me) {
				dropped = append(dropped, Dropped{Task: sp.Name, Missing: me})
				continue
			}
			return nil, nil, fmt.Errorf("task %q: %w", sp.Name, err)
		}
		out.Tasks = append(out.Tasks, sp)
	}
	return &out, dropped, nil
}
